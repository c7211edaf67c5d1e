#include "supervisord/metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace metrics {

Format negotiate(std::string_view accept) {
  return accept.find("application/openmetrics-text") != std::string_view::npos ? Format::OpenMetrics
                                                                               : Format::Text004;
}

std::string_view content_type(Format format) {
  return format == Format::OpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

ScrapeOptions scrape_options(std::string_view query) {
  ScrapeOptions o;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair == "pss=1" || pair == "pss=true") o.pss = true;
    if (pair == "fds=1" || pair == "fds=true") o.fds = true;
  }
  return o;
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) < 9.0e15)
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
  else
    r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_escaped(std::string& out, std::string_view v) {
  // Names and groups rarely hold the three: the run before the first is one append.
  size_t plain = 0;
  while (plain < v.size() && v[plain] != '\\' && v[plain] != '"' && v[plain] != '\n') ++plain;
  out.append(v.data(), plain);
  for (char c : v.substr(plain)) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void Writer::family(std::string_view name, Type type, std::string_view help) {
  name_ = name;
  type_ = type;
  // Text 0.0.4 names a counter family by its samples' name; OpenMetrics without `_total`.
  std::string shown = name_;
  if (type == Type::Counter && format_ == Format::Text004) shown += "_total";
  out_ += "# HELP ";
  out_ += shown;
  out_ += ' ';
  for (char c : help) {  // HELP escapes backslash and newline
    if (c == '\\')
      out_ += "\\\\";
    else if (c == '\n')
      out_ += "\\n";
    else
      out_ += c;
  }
  out_ += "\n# TYPE ";
  out_ += shown;
  out_ += type == Type::Gauge ? " gauge\n" : type == Type::Counter ? " counter\n" : " histogram\n";
}

void Writer::line(std::string_view suffix, const Label* begin, const Label* end, const Label* extra,
                  double value) {
  out_ += name_;
  out_ += suffix;
  if (begin != end || extra) {
    out_ += '{';
    bool first = true;
    auto put = [&](const Label& l) {
      if (!first) out_ += ',';
      first = false;
      out_ += l.first;
      out_ += "=\"";
      append_escaped(out_, l.second);
      out_ += '"';
    };
    for (const Label* l = begin; l != end; ++l) put(*l);
    if (extra) put(*extra);
    out_ += '}';
  }
  out_ += ' ';
  append_value(out_, value);
  out_ += '\n';
}

void Writer::sample(Labels labels, double value) {
  line(type_ == Type::Counter ? "_total" : "", labels.begin(), labels.end(), nullptr, value);
}

void Writer::histogram(Labels labels, const HistogramValue& h) {
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i <= h.bounds->size(); ++i) {
    cumulative += h.buckets[i];
    le.clear();
    if (i == h.bounds->size())
      le = "+Inf";
    else
      append_value(le, (*h.bounds)[i]);
    Label extra{"le", le};
    line("_bucket", labels.begin(), labels.end(), &extra, static_cast<double>(cumulative));
  }
  line("_sum", labels.begin(), labels.end(), nullptr, h.sum);
  line("_count", labels.begin(), labels.end(), nullptr, static_cast<double>(h.count));
}

std::string Writer::finish() {
  if (format_ == Format::OpenMetrics) out_ += "# EOF\n";
  return std::move(out_);
}

}  // namespace metrics
