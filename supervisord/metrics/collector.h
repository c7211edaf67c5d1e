// collector.h — the daemon's Prometheus endpoint (GET /metrics): counts what happens on the
// facade's Bus per namespec (starts, exits by kind, spawn errors, liveness restarts, output
// bytes) and per RPC method (a latency histogram), and at scrape time only reads the rest:
// the instances' facts, /proc or cgroup files for each instance's tree and /proc for the
// daemon itself, the event
// listener pools, the syslog client. No timers: between scrapes it costs nothing but the
// counting. Counters live here, keyed by namespec, not in the Instance an update replaces,
// so they never go backwards while the daemon runs; they start at zero with each run of the
// daemon (start, reload), which process_start_time_seconds and supervisor_reload_time_seconds
// show. Metric names and meanings: README.md, "Metrics".
// Must not depend on: fork/exec, the XML-RPC codec, sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "supervisord/metrics/exposition.h"
#include "supervisord/rpc/responder.h"

class Supervisor;
namespace events {
class EventSystem;
}

namespace metrics {

// Buckets fixed at construction; observe() is a few comparisons, no allocation.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds)
      : bounds_(bounds), buckets_(bounds->size() + 1, 0) {}
  void observe(double v);
  HistogramValue value() const { return {bounds_, buckets_.data(), sum_, count_}; }

 private:
  const std::vector<double>* bounds_;
  std::vector<uint64_t> buckets_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Collector {
 public:
  // Subscribes to `supervisor`'s Bus: make it before the first config is applied.
  explicit Collector(Supervisor& supervisor);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  void set_event_system(const events::EventSystem* events) { events_ = events; }
  // One XML-RPC call answered ("" = a method not in the table).
  void observe_rpc(const std::string& method, double seconds);
  // One state-file write transaction committed.
  void observe_store_commit(double seconds) { store_commit_.observe(seconds); }

  // Everything, read now; the per-member extras only when asked for.
  std::string scrape(Format format, ScrapeOptions options = {});
  // GET /metrics: the scrape in the format the Accept header asks for; `?pss=1` and
  // `?fds=1` (query parameters) add the trees' PSS and open descriptors.
  void serve(const http::Request& request, std::shared_ptr<rpc::Responder> responder);

 private:
  struct Counts {
    uint64_t starts = 0;     // times it entered STARTING
    uint64_t exits[5] = {};  // by kExitKinds
    uint64_t spawn_errors = 0;
    uint64_t liveness_failures = 0;
    uint64_t output_bytes[2] = {};  // stdout, stderr
    uint64_t output_lost[2] = {};   // of those, not written to the log file
  };
  Counts& counts(const std::string& group, const std::string& name);
  // A counter read from something an update may replace (a listener pool): never lower
  // than before. `now` is the source's count; returns the monotonic total.
  uint64_t monotonic(const std::string& key, uint64_t now);

  Supervisor& supervisor_;
  const events::EventSystem* events_ = nullptr;
  std::vector<uint64_t> subscriptions_;
  std::unordered_map<std::string, Counts> counts_;
  std::string key_;  // scratch for counts()
  struct Carried {
    uint64_t last = 0;
    uint64_t base = 0;
  };
  std::unordered_map<std::string, Carried> carried_;
  struct Rpc {
    uint64_t calls = 0;
    Histogram latency;
  };
  std::unordered_map<std::string, Rpc> rpc_;
  Histogram store_commit_;
  double reload_time_ = 0;
  size_t last_size_ = 0;  // of the last scrape's text: the next one reserves that much
};

}  // namespace metrics
