// HTML → plain text in the spirit of resiliparse extract_plain_text(html, main_content=True)
// (curation.md §2.2): gumbo HTML5 tree, skip set, main-content root selection and per-node heuristics
// (tags, hiding attributes, link clusters, class/id patterns), block/paragraph/list/table serialisation,
// whitespace collapsing, final rstrip. Not byte-identical to lexbor-based resiliparse (different tree
// builder and independently written heuristics); see tests/curation for the rules covered.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dclm::curation {

struct ExtractOptions {
  bool main_content = true;
  bool preserve_formatting = true;
  bool list_bullets = true;
  bool alt_texts = true;
  bool noscript = false;
  bool form_fields = false;
};

// `html` must be UTF-8 (gumbo replaces invalid sequences by U+FFFD).
std::string extract_plain_text(std::string_view html, const ExtractOptions& opts = {});

enum class CharsetMode {
  Utf8Only,  // DCLM: body.decode("utf-8") or drop the record (curation.md §2.1)
  Detect,    // declared charset (HTTP header, <meta>), else ICU ucsdet; converted with ucnv
};
// UTF-8 text of an HTML body, or nullopt when it cannot be decoded (the record is dropped).
// A leading UTF-8 BOM is kept in Utf8Only mode, as Python's "utf-8" codec keeps it.
std::optional<std::string> decode_html_body(std::string_view body, std::string_view content_type, CharsetMode mode);
// The charset named in a Content-Type value ("text/html; charset=ISO-8859-1" → "ISO-8859-1"), or "".
std::string charset_from_content_type(std::string_view content_type);

}  // namespace dclm::curation
