#pragma once
#include <string>

#include "common/config.h"
#include "curation/document.h"
#include "curation/step.h"

namespace dclm::curation::testing {

// Builds a step from an inline YAML mapping, e.g. "{func: word_length_filter, min_length: 3}".
inline std::unique_ptr<Step> step_from(const std::string& yaml) {
  return make_step(ConfigNode(load_yaml_string(yaml, "<test>"), "<test>"));
}
inline Document doc_with(const std::string& text, const std::string& url = "http://example.com/") {
  Document d;
  d.text = text;
  d.url = url;
  d.has_url = true;
  return d;
}
// Applies the step; returns the verdict, leaves the modified text in `text`.
inline Verdict run_step(const std::string& yaml, std::string& text, const std::string& url = "http://example.com/") {
  auto s = step_from(yaml);
  Document d = doc_with(text, url);
  Verdict v = s->apply(d);
  text = d.text;
  return v;
}
inline bool keeps(const std::string& yaml, std::string text, const std::string& url = "http://example.com/") {
  return run_step(yaml, text, url).keep;
}

}  // namespace dclm::curation::testing
