// exposition.h — writes metric families in Prometheus's text exposition format 0.0.4 or in
// OpenMetrics 1.0 text (https://prometheus.io/docs/instrumenting/exposition_formats/,
// https://openmetrics.io): HELP and TYPE lines, label escaping, number formatting, the
// `_total` rule for counters and OpenMetrics' `# EOF`. Knows nothing of the daemon.
// Must not depend on: libuv, the Supervisor, RPC.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metrics {

enum class Format { Text004, OpenMetrics };

// The format a scraper's Accept header asks for: OpenMetrics only when it names
// application/openmetrics-text; text 0.0.4 otherwise (no header, */*, text/plain).
Format negotiate(std::string_view accept);
// The Content-Type of an answer in `format`.
std::string_view content_type(Format format);

// What a scrape reads besides the defaults: each costs one /proc read per process of every
// tree (smaps_rollup, a stat of fd/), as much again as the rest of the scrape.
struct ScrapeOptions {
  bool pss = false;
  bool fds = false;
};
// The options a GET /metrics query string (after '?') asks for: pss=1, fds=1.
ScrapeOptions scrape_options(std::string_view query);

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

enum class Type { Gauge, Counter, Histogram };

// Upper bounds of a histogram's buckets (+Inf is implied) and the counts per bucket (not
// cumulative; the writer sums them), the sum and the count.
struct HistogramValue {
  const std::vector<double>* bounds = nullptr;
  const uint64_t* buckets = nullptr;  // bounds->size() + 1 entries, the last one +Inf
  double sum = 0;
  uint64_t count = 0;
};

class Writer {
 public:
  // `reserve`: the expected size of the text (the last scrape's), so a large answer is not
  // copied as it grows.
  explicit Writer(Format format, size_t reserve = 0) : format_(format) { out_.reserve(reserve); }

  // Starts a family. `name` is the metric's name without `_total` (the writer adds it to a
  // counter's samples).
  void family(std::string_view name, Type type, std::string_view help);
  // One sample of the current family (gauge or counter).
  void sample(Labels labels, double value);
  // The samples of one histogram series of the current family.
  void histogram(Labels labels, const HistogramValue& h);

  // The whole text (ends with "# EOF\n" in OpenMetrics).
  std::string finish();

 private:
  void line(std::string_view suffix, const Label* begin, const Label* end, const Label* extra,
            double value);
  Format format_;
  std::string name_;
  Type type_ = Type::Gauge;
  std::string out_;
};

// Appends a sample value as the formats spell it: integers without a fraction, NaN,
// +Inf, -Inf, else the shortest text that reads back to the same double.
void append_value(std::string& out, double v);
// Appends a label value escaped (backslash, double quote, newline).
void append_escaped(std::string& out, std::string_view v);

}  // namespace metrics
