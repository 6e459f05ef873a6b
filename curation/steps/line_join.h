// '\n'.join(kept lines) for the line modifiers, built lazily: while every line so far is kept, the result
// is a prefix of the input and nothing is copied; the first dropped or changed line copies that prefix
// once and appending starts from there. Most lines of most pages survive each line modifier, so the
// common case copies nothing.
#pragma once
#include <string>
#include <string_view>

#include "common/text.h"

namespace dclm::curation::steps {

class LineJoin {
 public:
  // `text` is what the lines are views of (py::for_each_line), visited in order; `buf` is scratch.
  LineJoin(std::string_view text, std::string& buf) : text_(text), buf_(buf) { buf_.clear(); }

  // The line, unchanged (a view into the text, the next line in order).
  void keep(std::string_view line) {
    if (lazy_) {
      if (line.data() == text_.data() + prefix_ + (any_ ? 1 : 0)) {  // continues the prefix
        prefix_ = static_cast<size_t>(line.data() - text_.data()) + line.size();
        any_ = true;
        return;
      }
      materialize();
    }
    append(line);
  }
  // A line that is dropped.
  void drop() {
    if (lazy_) materialize();
  }
  // A line replaced by other text.
  void keep_changed(std::string_view replacement) {
    if (lazy_) materialize();
    append(replacement);
  }
  // The joined text; `all_kept` when it is the input itself (the caller may then keep its own string).
  bool all_kept() const { return lazy_ && prefix_ == text_.size(); }
  std::string_view joined() const { return lazy_ ? text_.substr(0, prefix_) : std::string_view(buf_); }

  // text = '\n'.join(kept), then .strip() when `strip`; `text` must be the string the lines came from.
  void finish(std::string& text, bool strip) {
    if (lazy_) {
      if (prefix_ != text.size()) text.resize(prefix_);  // the kept lines are a prefix
    } else {
      text.swap(buf_);
    }
    if (strip) {
      const std::string_view v = text::strip_view(text);
      if (v.size() != text.size()) {
        buf_.assign(v);
        text.swap(buf_);
      }
    }
  }

 private:
  void materialize() {
    lazy_ = false;
    buf_.assign(text_.data(), prefix_);
    first_ = !any_;
  }
  void append(std::string_view line) {
    if (!first_) buf_ += '\n';
    buf_.append(line);
    first_ = false;
  }
  std::string_view text_;
  std::string& buf_;
  size_t prefix_ = 0;  // lazy: the kept lines are text_[0, prefix_)
  bool lazy_ = true, any_ = false, first_ = true;
};

}  // namespace dclm::curation::steps
