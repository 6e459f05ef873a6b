// The `dclm` command line: a table of subcommands, each with its own flags and --help.
// Exit codes: 0 success, 1 failure (one line naming what failed), 2 usage error.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dclm::harness {

// Usage errors exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A tiny flag parser: --name VALUE, --name=VALUE, boolean --flag; positional arguments kept in order.
class Args {
 public:
  struct Flag { std::string name, help, def; bool boolean = false; };
  Args(std::string command, std::string summary, std::vector<Flag> flags, std::string positional_help = "");
  // Throws UsageError on unknown flags or missing values; returns false when --help was given.
  bool parse(const std::vector<std::string>& argv);
  std::string usage() const;
  bool given(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name) const;  // value or default
  bool flag(const std::string& name) const { return given(name); }
  int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const Flag* find(const std::string& name) const;
  std::string command_, summary_, positional_help_;
  std::vector<Flag> flags_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

struct Command {
  std::string name, summary;
  std::function<int(const std::vector<std::string>& argv)> run;
};

const std::vector<Command>& commands();
int main_entry(int argc, char** argv);

// Subcommand entry points (one file each).
int cmd_scales(const std::vector<std::string>& argv);
int cmd_run(const std::vector<std::string>& argv);
int cmd_curate(const std::vector<std::string>& argv);
int cmd_tokenize(const std::vector<std::string>& argv);
int cmd_train(const std::vector<std::string>& argv);
int cmd_eval(const std::vector<std::string>& argv);
int cmd_leaderboard(const std::vector<std::string>& argv);
int cmd_fetch(const std::vector<std::string>& argv);
int cmd_status(const std::vector<std::string>& argv);
int cmd_tokenizer(const std::vector<std::string>& argv);
int cmd_submit(const std::vector<std::string>& argv);
int cmd_report(const std::vector<std::string>& argv);
int cmd_dedup(const std::vector<std::string>& argv);
int cmd_classifier(const std::vector<std::string>& argv);
int cmd_decontam(const std::vector<std::string>& argv);

}  // namespace dclm::harness
