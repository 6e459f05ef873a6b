#include "curation/extract.h"

#include <gumbo.h>
#include <re2/re2.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/text.h"

namespace dclm::curation {

namespace {

// ---------------------------------------------------------------------------------------------------
// Tree helpers

const char* attr(const GumboNode* n, const char* name) {
  if (n->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a ? a->value : nullptr;
}
std::string attr_lower(const GumboNode* n, const char* name) {
  const char* v = attr(n, name);
  std::string s = v ? v : "";
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
GumboTag tag_of(const GumboNode* n) { return n->type == GUMBO_NODE_ELEMENT ? n->v.element.tag : GUMBO_TAG_UNKNOWN; }
bool is_text(const GumboNode* n) {
  return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA;
}
bool is_element(const GumboNode* n) { return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE; }
const GumboVector* children(const GumboNode* n) {
  if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

bool is_block(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BODY: case GUMBO_TAG_CANVAS: case GUMBO_TAG_CAPTION: case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM:
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR: case GUMBO_TAG_LI: case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MAP: case GUMBO_TAG_NAV: case GUMBO_TAG_OL: case GUMBO_TAG_OUTPUT: case GUMBO_TAG_P:
    case GUMBO_TAG_PRE: case GUMBO_TAG_PROGRESS: case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE: case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: case GUMBO_TAG_THEAD: case GUMBO_TAG_TR:
    case GUMBO_TAG_UL: case GUMBO_TAG_VIDEO: case GUMBO_TAG_LEGEND:
      return true;
    default:
      return false;
  }
}
bool is_para_like(GumboTag t) {
  return t == GUMBO_TAG_P || t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2 || t == GUMBO_TAG_H3 || t == GUMBO_TAG_H4 ||
         t == GUMBO_TAG_H5 || t == GUMBO_TAG_H6;
}

bool in_skip_set(GumboTag t, const ExtractOptions& o) {
  switch (t) {
    case GUMBO_TAG_HEAD: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_FRAME:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_TITLE:
      return true;
    case GUMBO_TAG_NOSCRIPT:
      return !o.noscript;
    case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON: case GUMBO_TAG_SELECT:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_LABEL:
      return !o.form_fields;
    case GUMBO_TAG_OBJECT: case GUMBO_TAG_VIDEO: case GUMBO_TAG_AUDIO: case GUMBO_TAG_AREA: case GUMBO_TAG_SVG:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
      return !o.alt_texts;  // resiliparse's "embed" "img" quirk: neither embed nor img is skipped
    default:
      return false;
  }
}

bool is_ws_byte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Text consisting of one private-use-area code point (icon fonts), whitespace aside.
bool is_unprintable_pua(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_ws_byte(s[b])) ++b;
  while (e > b && is_ws_byte(s[e - 1])) --e;
  if (e - b != 3) return false;
  std::u32string u = text::utf8_to_u32(s.substr(b, 3));
  return u.size() == 1 && u[0] >= 0xE000 && u[0] <= 0xF8FF;
}

// ---------------------------------------------------------------------------------------------------
// Main-content heuristics

struct Patterns {
  RE2::Options opt;
  std::unique_ptr<RE2> display, skip, signin, postmeta, social, logo, ads, junk, wrapper, article_whitelist,
      landmark_id, header, footer, nav, recommended, comments, search, sidebar, modal, gallery, print, style_hidden;
  Patterns() {
    opt.set_log_errors(false);
    auto mk = [&](const char* p) { return std::make_unique<RE2>(p, opt); };
    display = mk(R"((?:^|\s)(?:is[_-])?(?:display-none|d-none|hidden|invisible|collapsed|h-0|sr-only|visually-hidden|screen-reader-text)(?:-xs|-sm|-md|-lg|-xl)?(?:$|\s))");
    skip = mk(R"((?:^|[\s_-])(?:skip|skip-to|skiplink|skip-link|scroll-(?:up|down)|back-to-top)(?:$|[\s_-]))");
    signin = mk(R"((?:^|[\s_-])(?:sign[_-]?(?:in|up)|log[_-]?in|register|account[_-]?(?:menu|links))(?:$|\s))");
    postmeta = mk(R"((?:^|[\s_-])(?:(?:post|entry|article)[_-]?(?:meta|info|date|details|author|tags?|categor(?:y|ies)|byline|footer)|byline|dateline|posted[_-]?on)(?:$|\s))");
    social = mk(R"((?:^|[\s_-])(?:social(?:[_-]?media)?|share|sharing|sharedaddy|shares|feedback|facebook|twitter|linkedin|pinterest|whatsapp)(?:[_-](?:links|section|buttons?|icons?|bar|box|tools))?(?:$|\s))");
    logo = mk(R"((?:^|[\s_-])(?:site[_-]?|brand[_-]?)?logo(?:$|\s))");
    ads = mk(R"((?:^|[\s_-])(?:google[_-])?(?:ads?|adv|advert|advertisement|adsense|widead|banner|promoted|sponsor(?:ed)?|dfp)(?:[_-][a-z0-9]+)?(?:$|\s))");
    junk = mk(R"((?:^|[\s_-])(?:cookie(?:s|[_-]?(?:banner|notice|consent|bar))?|gdpr|consent|newsletter(?:[_-]signup)?|subscribe|subscription|paywall|print[_-]?only)(?:$|\s))");
    wrapper = mk(R"((?:^|[\s_-])wrap(?:per)?(?:$|[\s_-]))");
    article_whitelist = mk(R"((?:^|[\s_-])(?:article|entry|post|story)[_-]?(?:body|content|text)(?:$|[\s_-]))");
    landmark_id = mk(R"(^(?:global[_-]?|site[_-]?|page[_-]?)?(?:footer|sidebar|nav(?:igation)?|header|menu|masthead)$)");
    header = mk(R"((?:^|[\s_-])(?:(?:global|page|site)[_-]?)?(?:header|masthead|topbar)(?:[_-]?(?:section|wrapper|bar))?(?:$|\s))");
    footer = mk(R"((?:^|[\s_-])(?:(?:global|page|site)[_-]?)?footer(?:[_-]?(?:section|wrapper|bar|links|menu))?(?:$|\s))");
    nav = mk(R"((?:^|[\s_-])(?:nav(?:bar|igation)?|menu(?:[_-]item)?|breadcrumbs?|pagination|pager|tabs)(?:$|\s))");
    recommended = mk(R"((?:^|[\s_-])(?:related|recommended|more[_-]stories|read[_-]next|popular|trending|most[_-]read)(?:[_-](?:posts|articles|stories|content|links))?(?:$|\s))");
    comments = mk(R"((?:^|[\s_-])(?:comments?(?:[_-](?:list|area|section|form))?|disqus(?:_thread)?|respond)(?:$|\s))");
    search = mk(R"((?:^|[\s_-])(?:(?:global|page|site)[_-]?)?search(?:[_-]?(?:bar|facility|box|form))?(?:$|\s))");
    sidebar = mk(R"((?:^|[\s_-])(?:(?:nav(?:igation)?|menu|global|right|left)[_-])?sidebar(?:$|\s))");
    modal = mk(R"((?:^|\s)(?:modal|popup|lightbox|dropdown|overlay|tooltip)(?:$|\s))");
    gallery = mk(R"((?:^|[\s_-])(?:gallery|carousel|slider|slideshow)(?:$|\s))");
    print = mk(R"((?:^|[\s_-])(?:no[_-]?print|print[_-]?(?:only|link|button))(?:$|\s))");
    style_hidden = mk(R"((?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:$|;|!))");
  }
};
const Patterns& patterns() {
  static const Patterns p;
  return p;
}
bool search(const std::unique_ptr<RE2>& re, const std::string& s) { return !s.empty() && RE2::PartialMatch(s, *re); }

struct TextStats {
  int64_t text = 0;  // non-whitespace bytes of text below the node
  int64_t link = 0;  // of which inside <a>
};

// Deeper subtrees are ignored (bounded recursion on pathological markup).
constexpr int kMaxDepth = 1500;

class Extractor {
 public:
  Extractor(const ExtractOptions& o) : o_(o) {}

  std::string run(GumboOutput* out) {
    const GumboNode* root = out->root;
    body_ = find_tag(root, GUMBO_TAG_BODY);
    if (o_.main_content) {
      std::vector<const GumboNode*> hits;
      find_main_roots(root, hits);
      if (hits.size() == 1) root = hits[0];
      else if (body_) root = body_;
    } else if (body_) {
      root = body_;
    }
    walk(root, 0);
    return text::rstrip(out_);
  }

 private:
  static const GumboNode* find_tag(const GumboNode* n, GumboTag t, int depth = 0) {
    if (tag_of(n) == t) return n;
    if (depth > kMaxDepth) return nullptr;
    if (const GumboVector* c = children(n))
      for (unsigned i = 0; i < c->length; ++i)
        if (const GumboNode* r = find_tag(static_cast<const GumboNode*>(c->data[i]), t, depth + 1)) return r;
    return nullptr;
  }
  static bool class_has(const std::string& cls, std::string_view token) {
    for (const auto& t : text::split_whitespace(cls))
      if (t == token) return true;
    return false;
  }
  void find_main_roots(const GumboNode* n, std::vector<const GumboNode*>& hits, int depth = 0) {
    if (n->type != GUMBO_NODE_ELEMENT || depth > kMaxDepth) return;
    const char* c = attr(n, "class");
    const char* role = attr(n, "role");
    bool hit = role && std::strcmp(role, "main") == 0;
    if (c && !hit) {
      std::string cls = c;
      for (const char* k : {"article-body", "articleBody", "contentBody", "article-text", "main-content", "postcontent",
                            "post-content", "single-post"})
        if (class_has(cls, k)) { hit = true; break; }
    }
    if (hit) hits.push_back(n);
    if (const GumboVector* ch = children(n))
      for (unsigned i = 0; i < ch->length; ++i)
        find_main_roots(static_cast<const GumboNode*>(ch->data[i]), hits, depth + 1);
  }

  const TextStats& stats(const GumboNode* n, int depth = 0) {
    auto it = stats_.find(n);
    if (it != stats_.end()) return it->second;
    TextStats s;
    if (depth > kMaxDepth) return stats_.emplace(n, s).first->second;
    if (is_text(n)) {
      for (const char* p = n->v.text.text; *p; ++p)
        if (!is_ws_byte(*p)) ++s.text;
    } else if (const GumboVector* c = children(n)) {
      for (unsigned i = 0; i < c->length; ++i) {
        const TextStats& cs = stats(static_cast<const GumboNode*>(c->data[i]), depth + 1);
        s.text += cs.text;
        s.link += cs.link;
      }
      if (tag_of(n) == GUMBO_TAG_A) s.link = s.text;
    }
    return stats_.emplace(n, s).first->second;
  }
  bool link_cluster(const GumboNode* n, double ratio, int64_t max_len) {
    const TextStats& s = stats(n);
    if (max_len >= 0 && s.text > max_len) return false;
    if (s.text == 0) return s.link > 0;
    return static_cast<double>(s.link) / static_cast<double>(s.text) > ratio;
  }
  int body_depth(const GumboNode* n) const {
    int d = 0;
    for (const GumboNode* p = n->parent; p && p != body_ && p->type == GUMBO_NODE_ELEMENT; p = p->parent) ++d;
    return d;
  }
  bool is_trailing(const GumboNode* n) const {
    for (const GumboNode* p = n; p && p->parent && p->parent != body_ && p->parent->type == GUMBO_NODE_ELEMENT;
         p = p->parent) {
      const GumboVector* sib = children(p->parent);
      for (unsigned i = p->index_within_parent + 1; sib && i < sib->length; ++i) {
        const GumboNode* s = static_cast<const GumboNode*>(sib->data[i]);
        if (is_element(s) || (s->type == GUMBO_NODE_TEXT)) return false;
      }
    }
    return true;
  }

  bool is_main_content(const GumboNode* n) {
    if (n->type != GUMBO_NODE_ELEMENT) return true;
    const GumboTag t = n->v.element.tag;
    const int depth = body_depth(n);
    // 1. Tags
    if (t == GUMBO_TAG_BODY || t == GUMBO_TAG_MAIN || t == GUMBO_TAG_H1) return true;
    if (t == GUMBO_TAG_NAV || t == GUMBO_TAG_ASIDE || t == GUMBO_TAG_AUDIO || t == GUMBO_TAG_VIDEO ||
        t == GUMBO_TAG_TIME)
      return false;
    if (t == GUMBO_TAG_FOOTER && (depth < 3 || link_cluster(n, 0.2, -1) || is_trailing(n))) return false;
    if (t == GUMBO_TAG_UL && (depth < 4 || link_cluster(n, 0.2, -1))) return false;
    if (t == GUMBO_TAG_ARTICLE && depth > 2 && link_cluster(n, 0.2, 500)) return false;
    // 2. Attributes
    if (attr(n, "hidden")) return false;
    const std::string rel = attr_lower(n, "rel");
    for (const char* r : {"author", "icon", "search", "prev", "next", "tag"})
      if (rel == r) return false;
    const char* itemprop = attr(n, "itemprop");
    if (itemprop) {
      for (const char* r : {"datePublished", "author", "url"})
        if (std::strcmp(itemprop, r) == 0) return false;
    }
    if (attr_lower(n, "aria-hidden") == "true" || attr_lower(n, "aria-expanded") == "false") return false;
    const Patterns& P = patterns();
    if (search(P.style_hidden, attr_lower(n, "style"))) return false;
    if (attr(n, "data-ad") || attr(n, "data-advertisement") || attr(n, "data-text-ad")) return false;
    // 3. Neither class nor id
    const char* cls_raw = attr(n, "class");
    const char* id_raw = attr(n, "id");
    if (!cls_raw && !id_raw) {
      if (t == GUMBO_TAG_DIV && depth > 5 && link_cluster(n, 0.6, 800)) return false;
      return true;
    }
    const std::string cls = attr_lower(n, "class");
    const std::string id = attr_lower(n, "id");
    const std::string cls_id = cls + " " + id;
    if ((t == GUMBO_TAG_DIV || t == GUMBO_TAG_SECTION) && search(P.wrapper, cls_id)) return true;
    // 4. class/id patterns
    if (search(P.display, cls)) return false;
    if ((t == GUMBO_TAG_A || t == GUMBO_TAG_SPAN || t == GUMBO_TAG_LI || t == GUMBO_TAG_DIV) && search(P.skip, cls_id))
      return false;
    if (search(P.signin, cls_id) || search(P.postmeta, cls_id) || search(P.social, cls_id) || search(P.logo, cls_id) ||
        search(P.ads, cls_id) || search(P.junk, cls_id))
      return false;
    // 5. Block elements
    if (!is_block(t)) return true;
    const std::string role = attr_lower(n, "role");
    for (const char* r : {"contentinfo", "img", "menu", "menubar", "navigation", "menuitem", "alert", "dialog",
                          "checkbox", "radio", "complementary", "banner", "search"})
      if (role == r) return false;
    if (search(P.article_whitelist, cls_id)) return true;
    if (search(P.landmark_id, id)) return false;
    if (depth < 3 && search(P.header, cls_id)) return false;
    if (search(P.footer, cls_id) && (depth < 3 || is_trailing(n))) return false;
    if (search(P.nav, cls_id) || search(P.recommended, cls_id) || search(P.comments, cls_id) ||
        search(P.search, cls_id) || search(P.sidebar, cls_id) || search(P.modal, cls_id) ||
        search(P.gallery, cls_id) || search(P.print, cls_id))
      return false;
    if (t == GUMBO_TAG_DIV && depth > 2 && link_cluster(n, 0.6, 1500)) return false;
    return true;
  }

  // ---- serialisation -------------------------------------------------------------------------------
  void request_newlines(int n) {
    if (after_bullet_) return;  // a block right inside <li> stays on the bullet's line
    pending_nl_ = std::max(pending_nl_, n);
  }
  void strip_trailing_spaces() {
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
  }
  void flush_before_text() {
    if (out_.empty()) {
      pending_nl_ = 0;
      space_ = false;
      return;
    }
    if (pending_nl_ > 0) {
      strip_trailing_spaces();
      while (!out_.empty() && out_.back() == '\n') out_.pop_back();
      if (!out_.empty()) out_.append(static_cast<size_t>(pending_nl_), '\n');
      pending_nl_ = 0;
      space_ = false;
      return;
    }
    if (space_ && !is_ws_byte(out_.back())) out_.push_back(' ');
    space_ = false;
  }
  void emit_text(std::string_view s) {
    if (pre_depth_ > 0) {
      if (s.empty()) return;
      flush_before_text();
      out_.append(s);
      after_bullet_ = false;
      return;
    }
    std::string collapsed;
    collapsed.reserve(s.size());
    bool lead_ws = false, trail_ws = false;
    for (char c : s) {
      if (is_ws_byte(c)) {
        if (collapsed.empty()) lead_ws = true;
        else trail_ws = true;
      } else {
        if (trail_ws) collapsed.push_back(' ');
        trail_ws = false;
        collapsed.push_back(c);
      }
    }
    if (collapsed.empty()) {
      if (lead_ws) space_ = true;
      return;
    }
    if (lead_ws) space_ = true;
    flush_before_text();
    out_.append(collapsed);
    space_ = trail_ws;
    after_bullet_ = false;
  }

  void walk(const GumboNode* n, int depth) {
    if (depth > kMaxDepth) return;  // pathological nesting
    if (is_text(n)) {
      if (is_unprintable_pua(n->v.text.text)) return;
      emit_text(n->v.text.text);
      return;
    }
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT) return;
    const GumboTag t = tag_of(n);
    if (n->type == GUMBO_NODE_ELEMENT) {
      if (in_skip_set(t, o_)) return;
      if (o_.main_content && !is_main_content(n)) return;
    }
    if (t == GUMBO_TAG_BR) {
      if (o_.preserve_formatting) {
        strip_trailing_spaces();
        if (pending_nl_ > 0) flush_before_text();
        out_.push_back('\n');
        space_ = false;
      } else {
        space_ = true;
      }
      return;
    }
    if ((t == GUMBO_TAG_IMG || t == GUMBO_TAG_AREA)) {
      if (o_.alt_texts) {
        const char* alt = attr(n, "alt");
        if (alt && *alt) {
          emit_text(alt);
          space_ = true;
        }
      }
      return;
    }
    const bool block = o_.preserve_formatting && is_block(t);
    if (block) request_newlines(is_para_like(t) ? 2 : 1);
    if (t == GUMBO_TAG_PRE) ++pre_depth_;
    if (t == GUMBO_TAG_UL) ++list_depth_;
    if (t == GUMBO_TAG_OL) { ++list_depth_; numbering_.push_back(0); }
    size_t li_mark = std::string::npos;
    if (t == GUMBO_TAG_LI && o_.preserve_formatting && o_.list_bullets) {
      flush_before_text();
      li_mark = out_.size();
      std::string bullet(static_cast<size_t>(2 * std::max(list_depth_, 1)), ' ');
      const GumboNode* parent = n->parent;
      if (parent && tag_of(parent) == GUMBO_TAG_OL && !numbering_.empty())
        bullet += std::to_string(++numbering_.back()) + ".";
      else
        bullet += "\xE2\x80\xA2";  // •
      if (out_.empty()) bullet = text::lstrip(bullet);
      out_ += bullet;
      space_ = true;
      after_bullet_ = true;
      li_mark = out_.size();
    }
    if (const GumboVector* c = children(n))
      for (unsigned i = 0; i < c->length; ++i) walk(static_cast<const GumboNode*>(c->data[i]), depth + 1);
    if (t == GUMBO_TAG_LI && li_mark != std::string::npos && out_.size() == li_mark) {
      // empty list item: remove the bullet line
      size_t line_start = out_.rfind('\n', li_mark == 0 ? 0 : li_mark - 1);
      out_.resize(line_start == std::string::npos ? 0 : line_start + 1);
      space_ = false;
    }
    if (t == GUMBO_TAG_LI) after_bullet_ = false;
    if (t == GUMBO_TAG_PRE) --pre_depth_;
    if (t == GUMBO_TAG_UL) --list_depth_;
    if (t == GUMBO_TAG_OL) { --list_depth_; numbering_.pop_back(); }
    if (o_.preserve_formatting && (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) && !out_.empty() && pending_nl_ == 0) {
      out_ += "\t\t";
      space_ = false;
    }
    if (block) request_newlines(is_para_like(t) ? 2 : 1);
  }

  const ExtractOptions& o_;
  const GumboNode* body_ = nullptr;
  std::unordered_map<const GumboNode*, TextStats> stats_;
  std::string out_;
  int pending_nl_ = 0;
  bool space_ = false;
  bool after_bullet_ = false;
  int pre_depth_ = 0;
  int list_depth_ = 0;
  std::vector<int> numbering_;
};

}  // namespace

std::string extract_plain_text(std::string_view html, const ExtractOptions& opts) {
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  std::string result;
  try {
    Extractor ex(opts);
    result = ex.run(out);
  } catch (...) {
    gumbo_destroy_output(&kGumboDefaultOptions, out);
    throw;
  }
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  return result;
}

std::string charset_from_content_type(std::string_view ct) {
  std::string lower(ct);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t p = lower.find("charset=");
  if (p == std::string::npos) return "";
  p += 8;
  while (p < lower.size() && (lower[p] == '"' || lower[p] == '\'' || lower[p] == ' ')) ++p;
  size_t e = p;
  while (e < lower.size() && lower[e] != ';' && lower[e] != '"' && lower[e] != '\'' && lower[e] != ' ' &&
         lower[e] != ',')
    ++e;
  return std::string(ct.substr(p, e - p));
}

namespace {
std::string meta_charset(std::string_view body) {
  static const RE2 re(R"((?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+))");
  std::string head(body.substr(0, std::min<size_t>(body.size(), 4096)));
  std::string cs;
  if (RE2::PartialMatch(head, re, &cs)) return cs;
  return "";
}
std::optional<std::string> convert_to_utf8(std::string_view body, const std::string& charset) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* conv = ucnv_open(charset.c_str(), &status);
  if (U_FAILURE(status) || !conv) return std::nullopt;
  // Stop (rather than substitute) on illegal input: such a page cannot be decoded with this charset.
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::vector<UChar> u16(body.size() * 2 + 16);
  int32_t n16 = ucnv_toUChars(conv, u16.data(), static_cast<int32_t>(u16.size()), body.data(),
                              static_cast<int32_t>(body.size()), &status);
  ucnv_close(conv);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out;
  out.reserve(static_cast<size_t>(n16) * 2);
  for (int32_t i = 0; i < n16; ++i) {
    char32_t cp = u16[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n16 && u16[i + 1] >= 0xDC00 && u16[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u16[i + 1] - 0xDC00);
      ++i;
    }
    text::append_utf8(out, cp);
  }
  return out;
}
}  // namespace

std::optional<std::string> decode_html_body(std::string_view body, std::string_view content_type, CharsetMode mode) {
  if (text::is_valid_utf8(body)) return std::string(body);
  if (mode == CharsetMode::Utf8Only) return std::nullopt;
  if (body.size() > static_cast<size_t>(INT32_MAX / 4)) return std::nullopt;
  std::string cs = charset_from_content_type(content_type);
  if (cs.empty()) cs = meta_charset(body);
  if (!cs.empty()) {
    std::string lower = cs;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower != "utf-8" && lower != "utf8") {
      if (auto r = convert_to_utf8(body, cs)) return r;
    }
  }
  UErrorCode status = U_ZERO_ERROR;
  UCharsetDetector* det = ucsdet_open(&status);
  if (U_FAILURE(status)) return std::nullopt;
  ucsdet_setText(det, body.data(), static_cast<int32_t>(std::min<size_t>(body.size(), 1 << 16)), &status);
  ucsdet_enableInputFilter(det, true);
  const UCharsetMatch* m = ucsdet_detect(det, &status);
  std::string guessed;
  if (U_SUCCESS(status) && m) {
    const char* name = ucsdet_getName(m, &status);
    if (U_SUCCESS(status) && name) guessed = name;
  }
  ucsdet_close(det);
  if (guessed.empty()) return std::nullopt;
  return convert_to_utf8(body, guessed);
}

}  // namespace dclm::curation
