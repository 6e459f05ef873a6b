#include "harness/cli.h"

#include <cstdio>
#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "common/version.h"

namespace dclm::harness {

Args::Args(std::string command, std::string summary, std::vector<Flag> flags, std::string positional_help)
    : command_(std::move(command)), summary_(std::move(summary)), positional_help_(std::move(positional_help)),
      flags_(std::move(flags)) {}

const Args::Flag* Args::find(const std::string& name) const {
  for (const auto& f : flags_)
    if (f.name == name) return &f;
  return nullptr;
}

bool Args::parse(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help" || a == "-h") return false;
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      const Flag* f = find(name);
      if (!f) throw UsageError("unknown flag --" + name + " for 'dclm " + command_ + "'");
      if (f->boolean) {
        if (has_value) throw UsageError("flag --" + name + " takes no value");
        values_[name] = "1";
      } else {
        if (!has_value) {
          if (i + 1 >= argv.size()) throw UsageError("flag --" + name + " needs a value");
          value = argv[++i];
        }
        values_[name] = value;
      }
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      throw UsageError("unknown flag " + a + " for 'dclm " + command_ + "'");
    } else {
      positional_.push_back(a);
    }
  }
  if (positional_help_.empty() && !positional_.empty())
    throw UsageError("unexpected argument '" + positional_[0] + "' for 'dclm " + command_ + "'");
  return true;
}

std::string Args::usage() const {
  std::string u = "usage: dclm " + command_ + (flags_.empty() ? "" : " [flags]") +
                  (positional_help_.empty() ? "" : " " + positional_help_) + "\n\n" + summary_ + "\n";
  if (!flags_.empty()) u += "\nflags:\n";
  for (const auto& f : flags_) {
    std::string left = "  --" + f.name + (f.boolean ? "" : " VALUE");
    if (left.size() < 26) left += std::string(26 - left.size(), ' ');
    else left += "  ";
    u += left + f.help + (f.def.empty() || f.boolean ? "" : " (default: " + f.def + ")") + "\n";
  }
  u += "  --help                  show this help\n";
  return u;
}

std::string Args::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const Flag* f = find(name);
  return f ? f->def : "";
}

int64_t Args::get_int(const std::string& name) const {
  std::string v = get(name);
  try {
    size_t pos;
    int64_t x = std::stoll(v, &pos);
    if (pos != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw UsageError("flag --" + name + " expects an integer, got '" + v + "'");
  }
}

double Args::get_double(const std::string& name) const {
  std::string v = get(name);
  try {
    size_t pos;
    double x = std::stod(v, &pos);
    if (pos != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw UsageError("flag --" + name + " expects a number, got '" + v + "'");
  }
}

}  // namespace dclm::harness
