#include "leaderboard/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dclm::leaderboard::html {

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string format_sci(double v) {
  if (v == 0 || !std::isfinite(v)) return fmt("%g", v);
  int e = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  double m = v / std::pow(10.0, e);
  if (std::fabs(m) >= 9.95) { m /= 10; ++e; }
  return fmt("%.1f", m) + "e" + std::to_string(e);
}

std::string page_css() {
  return R"(
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d2330;background:#fff;line-height:1.4}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:28px 0 8px;border-bottom:2px solid #dde3ee;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}p.note,.note{color:#566;font-size:13px}
table{border-collapse:collapse;margin:6px 0 14px;font-size:13px}
th,td{border:1px solid #d6dbe4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f8;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.anchor td{color:#555;background:#fafafa}tr.submission td{background:#fff}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:8px;margin-left:4px;background:#e5e9f2;color:#334}
.badge.anchor{background:#f1e7d0;color:#6b4e00}.badge.filtering{background:#dcefdc;color:#185c18}.badge.mixing{background:#dce6f7;color:#17407f}
.badge.warn{background:#fde2e1;color:#8a1c14}
nav a{margin-right:14px;color:#1f5fbf;text-decoration:none}nav{margin:8px 0 16px}
svg{background:#fff;border:1px solid #e1e5ec;margin:4px 0 12px;max-width:100%;height:auto}
svg text{font-family:"DejaVu Sans",Arial,sans-serif}
.grid{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #e1e5ec;border-radius:6px;padding:8px 12px}
.kv td:first-child{color:#556;font-weight:600}
.scroll{overflow-x:auto}td.model{max-width:460px;overflow-wrap:anywhere}
code{background:#f3f5f9;padding:0 3px;border-radius:3px;font-size:12px}
)";
}

std::string page_begin(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         escape(title) + "</title>\n<style>" + page_css() + "</style>\n</head>\n<body>\n";
}

std::string page_end() { return "</body>\n</html>\n"; }

std::vector<double> nice_ticks(double lo, double hi, int n) {
  std::vector<double> t;
  if (!(hi > lo)) { t.push_back(lo); return t; }
  const double raw = (hi - lo) / std::max(1, n);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) { step = m * mag; break; }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

namespace {

struct Frame {
  ChartOptions o;
  double x0, x1, y0, y1;  // data range (x in log10 when log_x)
  int left = 64, right = 20, top = 34, bottom = 48;
  double px(double x) const {
    double v = o.log_x ? std::log10(x) : x;
    return left + (v - x0) / (x1 - x0) * (o.width - left - right);
  }
  double py(double y) const { return o.height - bottom - (y - y0) / (y1 - y0) * (o.height - top - bottom); }
};

std::string tick_label(double v) {
  if (v == 0) return "0";
  double a = std::fabs(v);
  if (a >= 1e5 || a < 1e-3) return format_sci(v);
  if (std::fabs(v - std::round(v)) < 1e-9) return fmt("%.0f", v);
  std::string s = fmt("%.3f", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string svg_open(const Frame& f) {
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 " + std::to_string(f.o.width) + " " +
                  std::to_string(f.o.height) + "\" width=\"" + std::to_string(f.o.width) + "\" height=\"" +
                  std::to_string(f.o.height) + "\"" + (f.o.css_class.empty() ? "" : " class=\"" + escape(f.o.css_class) + "\"") +
                  ">\n<title>" + escape(f.o.title) + "</title>\n";
  s += "<text x=\"" + std::to_string(f.o.width / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\">" +
       escape(f.o.title) + "</text>\n";
  return s;
}

std::string axes(const Frame& f) {
  std::string s;
  const int W = f.o.width, H = f.o.height;
  // y grid + labels
  for (double t : nice_ticks(f.y0, f.y1, 5)) {
    double y = f.py(t);
    s += "<line x1=\"" + std::to_string(f.left) + "\" x2=\"" + std::to_string(W - f.right) + "\" y1=\"" + fmt("%.1f", y) +
         "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"#e6e9ef\"/>\n";
    s += "<text x=\"" + std::to_string(f.left - 6) + "\" y=\"" + fmt("%.1f", y + 4) +
         "\" text-anchor=\"end\" font-size=\"11\" fill=\"#445\">" + escape(tick_label(t)) + "</text>\n";
  }
  // x ticks
  std::vector<double> xt;
  if (f.o.log_x) {
    int a = static_cast<int>(std::ceil(f.x0 - 1e-9)), b = static_cast<int>(std::floor(f.x1 + 1e-9));
    int stride = std::max(1, (b - a + 1) / 8);
    for (int e = a; e <= b; e += stride) xt.push_back(std::pow(10.0, e));
  } else {
    xt = nice_ticks(f.x0, f.x1, 6);
  }
  for (double t : xt) {
    double x = f.px(t);
    s += "<line x1=\"" + fmt("%.1f", x) + "\" x2=\"" + fmt("%.1f", x) + "\" y1=\"" + std::to_string(f.top) + "\" y2=\"" +
         std::to_string(H - f.bottom) + "\" stroke=\"#f0f2f6\"/>\n";
    std::string lab = f.o.log_x ? "1e" + std::to_string(static_cast<int>(std::lround(std::log10(t)))) : tick_label(t);
    s += "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + std::to_string(H - f.bottom + 16) +
         "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#445\">" + escape(lab) + "</text>\n";
  }
  s += "<rect x=\"" + std::to_string(f.left) + "\" y=\"" + std::to_string(f.top) + "\" width=\"" +
       std::to_string(W - f.left - f.right) + "\" height=\"" + std::to_string(H - f.top - f.bottom) +
       "\" fill=\"none\" stroke=\"#9aa3b2\"/>\n";
  s += "<text x=\"" + std::to_string((f.left + W - f.right) / 2) + "\" y=\"" + std::to_string(H - 10) +
       "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#223\">" + escape(f.o.x_label) + "</text>\n";
  s += "<text transform=\"translate(14," + std::to_string((f.top + H - f.bottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#223\">" + escape(f.o.y_label) + "</text>\n";
  return s;
}

void pad_range(double& lo, double& hi, double frac, bool allow_neg = true) {
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  double d = (hi - lo) * frac;
  lo -= d;
  hi += d;
  if (!allow_neg && lo < 0) lo = 0;
}

std::string empty_chart(const ChartOptions& o, const std::string& msg) {
  Frame f{o, 0, 1, 0, 1};
  return svg_open(f) + "<text x=\"" + std::to_string(o.width / 2) + "\" y=\"" + std::to_string(o.height / 2) +
         "\" text-anchor=\"middle\" font-size=\"13\" fill=\"#667\">" + escape(msg) + "</text>\n</svg>\n";
}

}  // namespace

std::string svg_line_chart(const std::vector<Series>& series, const ChartOptions& o) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  size_t n = 0;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x); x1 = std::max(x1, x); y0 = std::min(y0, y); y1 = std::max(y1, y);
      ++n;
    }
  if (n == 0) return empty_chart(o, "no data");
  if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
  pad_range(y0, y1, 0.05);
  Frame f{o, x0, x1, y0, y1};
  std::string s = svg_open(f) + axes(f);
  int li = 0;
  for (const auto& se : series) {
    const size_t m = se.points.size();
    const size_t stride = std::max<size_t>(1, (m + 1499) / 1500);
    std::string d;
    for (size_t i = 0; i < m; i += stride) {
      const auto& [x, y] = se.points[i];
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      d += (d.empty() ? "M" : " L") + fmt("%.1f", f.px(x)) + "," + fmt("%.1f", f.py(y));
    }
    if (m > 0 && (m - 1) % stride != 0) {
      const auto& [x, y] = se.points.back();
      if (std::isfinite(x) && std::isfinite(y)) d += " L" + fmt("%.1f", f.px(x)) + "," + fmt("%.1f", f.py(y));
    }
    s += "<path class=\"series\" data-label=\"" + escape(se.label) + "\" d=\"" + d + "\" fill=\"none\" stroke=\"" +
         escape(se.color.empty() ? "#1f5fbf" : se.color) + "\" stroke-width=\"1.6\"/>\n";
    if (series.size() > 1 || !se.label.empty()) {
      int ly = f.top + 8 + 16 * li++;
      s += "<rect x=\"" + std::to_string(o.width - f.right - 170) + "\" y=\"" + std::to_string(ly - 8) +
           "\" width=\"10\" height=\"10\" fill=\"" + escape(se.color.empty() ? "#1f5fbf" : se.color) + "\"/>";
      s += "<text x=\"" + std::to_string(o.width - f.right - 155) + "\" y=\"" + std::to_string(ly + 1) +
           "\" font-size=\"11\">" + escape(se.label) + "</text>\n";
    }
  }
  return s + "</svg>\n";
}

std::string svg_scatter(const std::vector<Point>& points, const std::vector<LegendItem>& legend, const ChartOptions& o) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  size_t n = 0;
  for (const auto& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || (o.log_x && p.x <= 0)) continue;
    double x = o.log_x ? std::log10(p.x) : p.x;
    x0 = std::min(x0, x); x1 = std::max(x1, x); y0 = std::min(y0, p.y); y1 = std::max(y1, p.y);
    ++n;
  }
  if (n == 0) return empty_chart(o, "no points to plot");
  if (o.log_x) { x0 = std::floor(x0 - 0.3); x1 = std::ceil(x1 + 0.3); }
  else pad_range(x0, x1, 0.05);
  pad_range(y0, y1, 0.08);
  Frame f{o, x0, x1, y0, y1};
  f.right = 190;
  std::string s = svg_open(f) + axes(f);
  int labeled = 0;
  for (const auto& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || (o.log_x && p.x <= 0)) continue;
    const double cx = f.px(p.x), cy = f.py(p.y);
    const std::string col = escape(p.color.empty() ? "#1f5fbf" : p.color);
    const std::string fill = p.hollow ? "#ffffff" : col;
    std::string shape = p.square ? "<rect class=\"pt\" x=\"" + fmt("%.1f", cx - 4.5) + "\" y=\"" + fmt("%.1f", cy - 4.5) +
                                       "\" width=\"9\" height=\"9\""
                                 : "<circle class=\"pt\" cx=\"" + fmt("%.1f", cx) + "\" cy=\"" + fmt("%.1f", cy) + "\" r=\"4\"";
    s += shape + " fill=\"" + fill + "\" fill-opacity=\"" + (p.hollow ? "1" : "0.75") + "\" stroke=\"" + col +
         "\" stroke-width=\"1.5\"><title>" + escape(p.title.empty() ? p.label : p.title) + "</title>" +
         (p.square ? "</rect>\n" : "</circle>\n");
    if (!p.label.empty())  // alternate above / below so that neighbours do not overprint
      s += "<text class=\"pt-label\" x=\"" + fmt("%.1f", cx + 7) + "\" y=\"" + fmt("%.1f", (labeled++ % 2) ? cy + 16 : cy - 6) + "\" font-size=\"11\" fill=\"" +
           col + "\">" + escape(p.label) + "</text>\n";
  }
  int ly = f.top + 10;
  for (const auto& l : legend) {
    const int lx = o.width - f.right + 12;
    const std::string col = escape(l.color);
    if (l.square)
      s += "<rect x=\"" + std::to_string(lx - 4) + "\" y=\"" + std::to_string(ly - 4) + "\" width=\"9\" height=\"9\" fill=\"" +
           (l.hollow ? "#fff" : col) + "\" stroke=\"" + col + "\" stroke-width=\"1.5\"/>";
    else
      s += "<circle cx=\"" + std::to_string(lx) + "\" cy=\"" + std::to_string(ly) + "\" r=\"4\" fill=\"" + (l.hollow ? "#fff" : col) +
           "\" stroke=\"" + col + "\" stroke-width=\"1.5\"/>";
    s += "<text x=\"" + std::to_string(lx + 10) + "\" y=\"" + std::to_string(ly + 4) + "\" font-size=\"11\">" + escape(l.label) +
         "</text>\n";
    ly += 18;
  }
  return s + "</svg>\n";
}

std::string svg_bars(const std::vector<std::pair<std::string, double>>& bars, const std::vector<std::string>& value_text,
                     const ChartOptions& o0) {
  ChartOptions o = o0;
  const int row = 24, top = 34, label_w = 230;
  o.height = top + row * static_cast<int>(bars.size()) + 12;
  if (bars.empty()) return empty_chart(o0, "no data");
  double mx = 0;
  for (const auto& b : bars) mx = std::max(mx, b.second);
  if (mx <= 0) mx = 1;
  Frame f{o, 0, 1, 0, 1};
  std::string s = svg_open(f);
  const double span = o.width - label_w - 150;
  for (size_t i = 0; i < bars.size(); ++i) {
    const int y = top + row * static_cast<int>(i);
    const double w = std::max(1.0, span * bars[i].second / mx);
    s += "<text x=\"" + std::to_string(label_w - 8) + "\" y=\"" + std::to_string(y + 15) +
         "\" text-anchor=\"end\" font-size=\"12\">" + escape(bars[i].first) + "</text>";
    s += "<rect class=\"bar\" x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" + fmt("%.1f", w) +
         "\" height=\"16\" fill=\"#4a7bd0\"/>";
    s += "<text x=\"" + fmt("%.1f", label_w + w + 6) + "\" y=\"" + std::to_string(y + 15) + "\" font-size=\"11\" fill=\"#334\">" +
         escape(i < value_text.size() ? value_text[i] : fmt("%g", bars[i].second)) + "</text>\n";
  }
  return s + "</svg>\n";
}

}  // namespace dclm::leaderboard::html
