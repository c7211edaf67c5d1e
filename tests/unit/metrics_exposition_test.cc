// metrics_exposition_test.cc — the Prometheus text writer: both formats' HELP/TYPE lines,
// counters' `_total`, label escaping, numbers, histograms' cumulative buckets, Accept.
#include <doctest/doctest.h>

#include <limits>

#include "supervisord/metrics/exposition.h"

using namespace metrics;

TEST_CASE("a counter: _total on the family in text 0.0.4 only; OpenMetrics ends with # EOF") {
  auto one_counter = [](Format f) {
    Writer w(f);
    w.family("x_restarts", Type::Counter, "Restarts.");
    w.sample({{"group", "g"}, {"name", "n"}}, 3);
    return w.finish();
  };
  CHECK(one_counter(Format::Text004) ==
        "# HELP x_restarts_total Restarts.\n# TYPE x_restarts_total counter\n"
        "x_restarts_total{group=\"g\",name=\"n\"} 3\n");
  CHECK(one_counter(Format::OpenMetrics) ==
        "# HELP x_restarts Restarts.\n# TYPE x_restarts counter\n"
        "x_restarts_total{group=\"g\",name=\"n\"} 3\n# EOF\n");
}

TEST_CASE("the query asks for the per-member extras: pss=1, fds=1, else neither") {
  CHECK_FALSE(scrape_options("").pss);
  CHECK_FALSE(scrape_options("").fds);
  CHECK(scrape_options("pss=1").pss);
  CHECK_FALSE(scrape_options("pss=1").fds);
  auto both = scrape_options("fds=true&x=y&pss=1");
  CHECK((both.pss && both.fds));
  CHECK_FALSE(scrape_options("pss=0&fds=").pss);
  CHECK_FALSE(scrape_options("xpss=1").pss);
}

TEST_CASE("label values and help are escaped") {
  Writer w(Format::Text004);
  w.family("x", Type::Gauge, "a \\ b\nc");
  w.sample({{"name", "q\"b\\n\nl"}}, 1);
  CHECK(w.finish() == "# HELP x a \\\\ b\\nc\n# TYPE x gauge\nx{name=\"q\\\"b\\\\n\\nl\"} 1\n");
}

TEST_CASE("numbers: integers plain, fractions shortest, special values spelled") {
  auto text = [](double v) {
    std::string s;
    append_value(s, v);
    return s;
  };
  CHECK(text(0) == "0");
  CHECK(text(-3) == "-3");
  CHECK(text(1073741824.0 * 8) == "8589934592");
  CHECK(text(0.1) == "0.1");
  CHECK(text(1.5e-7) == "1.5e-07");
  CHECK(text(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(text(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(text(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("a histogram's buckets are cumulative and end with +Inf") {
  std::vector<double> bounds{0.1, 1};
  uint64_t buckets[] = {2, 0, 1};
  Writer w(Format::Text004);
  w.family("x_seconds", Type::Histogram, "Latency.");
  w.histogram({{"method", "m"}}, {&bounds, buckets, 5.25, 3});
  CHECK(w.finish() ==
        "# HELP x_seconds Latency.\n# TYPE x_seconds histogram\n"
        "x_seconds_bucket{method=\"m\",le=\"0.1\"} 2\n"
        "x_seconds_bucket{method=\"m\",le=\"1\"} 2\n"
        "x_seconds_bucket{method=\"m\",le=\"+Inf\"} 3\n"
        "x_seconds_sum{method=\"m\"} 5.25\n"
        "x_seconds_count{method=\"m\"} 3\n");
}

TEST_CASE("Accept picks OpenMetrics only when asked for") {
  CHECK(negotiate("") == Format::Text004);
  CHECK(negotiate("text/plain;version=0.0.4;q=0.5,*/*;q=0.1") == Format::Text004);
  CHECK(negotiate("application/openmetrics-text;version=1.0.0,text/plain;q=0.5") ==
        Format::OpenMetrics);
  CHECK(content_type(Format::Text004) == "text/plain; version=0.0.4; charset=utf-8");
}
