// Self-contained HTML pieces for the leaderboard page and run reports: escaping, one inline stylesheet
// and inline SVG charts (line charts, scatter plots with a log x axis, horizontal bars). No scripts,
// no external fonts, images or styles: the pages open offline.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dclm::leaderboard::html {

std::string escape(std::string_view s);   // & < > " '
std::string page_css();                   // the <style> body shared by all pages
// "<!DOCTYPE html>...<body>" with the title and the inline stylesheet; close with page_end().
std::string page_begin(const std::string& title);
std::string page_end();

std::string fmt(const char* f, double v);  // snprintf of one double
std::string format_sci(double v);         // 2.03e19 → "2.0e19"

struct Series {
  std::string label, color;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};
struct Point {
  double x = 0, y = 0;
  std::string label;  // drawn next to the marker when non-empty
  std::string title;  // hover text (<title>)
  std::string color;
  bool hollow = false;
  bool square = false;
};
struct LegendItem { std::string label, color; bool hollow = false, square = false; };
struct ChartOptions {
  int width = 720, height = 380;
  std::string title, x_label, y_label, css_class;
  bool log_x = false;
};

// Nice tick positions covering [lo, hi] (about n of them).
std::vector<double> nice_ticks(double lo, double hi, int n = 5);

// Line chart; long series are thinned to at most 1500 points for drawing.
std::string svg_line_chart(const std::vector<Series>& series, const ChartOptions& o);
// Scatter plot (log_x: decades on the x axis).
std::string svg_scatter(const std::vector<Point>& points, const std::vector<LegendItem>& legend, const ChartOptions& o);
// Horizontal bars with labels (value / max as width), e.g. the curation funnel.
std::string svg_bars(const std::vector<std::pair<std::string, double>>& bars, const std::vector<std::string>& value_text,
                     const ChartOptions& o);

}  // namespace dclm::leaderboard::html
