#include "supervisord/metrics/collector.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "common/namespec.h"
#include "common/text_io.h"
#include "supervisord/events/event_system.h"
#include "supervisord/logs/syslog_client.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/process/group.h"
#include "supervisord/process/instance.h"
#include "supervisord/process/proctree.h"
#include "supervisord/store/proc_stat.h"
#include "supervisord/supervisor.h"

namespace metrics {
namespace {

// Exit kinds, as the `kind` label spells them.
constexpr std::string_view kExitKinds[] = {"expected", "unexpected", "signal", "stopped"};

size_t exit_kind(const fsm::ExitInfo& e) {
  if (e.kind == fsm::ExitInfo::Kind::Stopped || e.kind == fsm::ExitInfo::Kind::Unhealthy) return 3;
  if (e.signal() != 0) return 2;
  return e.expected ? 0 : 1;
}

// RPC latency: from a status call on a small table (~0.1 ms) to a start that waits for
// startsecs (seconds).
const std::vector<double> kRpcBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// A state-file commit: one fsync-free SQLite transaction, normally well under 10 ms.
const std::vector<double> kStoreBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,   0.025,   0.05,   0.1,   0.25,   1};

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Boot time (epoch seconds) from /proc/stat's btime; 0 when unreadable.
double boot_time() {
  auto text = textio::read_file("/proc/stat");
  if (!text) return 0;
  auto at = text->find("\nbtime ");
  return at == std::string::npos ? 0 : std::strtod(text->c_str() + at + 7, nullptr);
}

}  // namespace

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_->size() && v > (*bounds_)[i]) ++i;
  ++buckets_[i];
  sum_ += v;
  ++count_;
}

Collector::Collector(Supervisor& supervisor)
    : supervisor_(supervisor), store_commit_(&kStoreBounds), reload_time_(wall_seconds()) {
  Bus& bus = supervisor.bus();
  subscriptions_.push_back(bus.subscribe<happened::StateChange>([this](const auto& e) {
    Counts& c = counts(e.instance.group(), e.instance.name());
    if (e.to == ProcessState::Starting) ++c.starts;
    // A spawn that failed leaves the run without a master (fsm: spawn_failed_to_backoff).
    if (e.to == ProcessState::Backoff && e.from == ProcessState::Starting &&
        e.instance.process().facts().run_pid == 0)
      ++c.spawn_errors;
  }));
  subscriptions_.push_back(bus.subscribe<happened::Exit>([this](const auto& e) {
    Counts& c = counts(e.instance.group(), e.instance.name());
    ++c.exits[exit_kind(e.exit)];
    if (e.exit.kind == fsm::ExitInfo::Kind::Unhealthy) ++c.liveness_failures;
  }));
  subscriptions_.push_back(bus.subscribe<happened::Output>([this](const auto& e) {
    counts(e.instance.group(), e.instance.name()).output_bytes[e.is_stderr ? 1 : 0] +=
        e.bytes.size();
  }));
  subscriptions_.push_back(bus.subscribe<happened::OutputLost>([this](const auto& e) {
    counts(e.instance.group(), e.instance.name()).output_lost[e.is_stderr ? 1 : 0] += e.bytes;
  }));
}

Collector::~Collector() {
  for (uint64_t id : subscriptions_) supervisor_.bus().unsubscribe(id);
}

Collector::Counts& Collector::counts(const std::string& group, const std::string& name) {
  key_.assign(group);
  key_ += ':';
  key_ += name;
  return counts_[key_];
}

uint64_t Collector::monotonic(const std::string& key, uint64_t now) {
  Carried& c = carried_[key];
  if (now < c.last) c.base += c.last;  // the source was replaced and counts from zero
  c.last = now;
  return c.base + now;
}

void Collector::observe_rpc(const std::string& method, double seconds) {
  auto it = rpc_.find(method);
  if (it == rpc_.end()) it = rpc_.emplace(method, Rpc{0, Histogram(&kRpcBounds)}).first;
  ++it->second.calls;
  it->second.latency.observe(seconds);
}

std::string Collector::scrape(Format format, ScrapeOptions options) {
  Writer w(format, last_size_ + last_size_ / 8);
  const double now = wall_seconds();
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const int64_t page = sysconf(_SC_PAGESIZE);
  std::vector<const Instance*> all = supervisor_.instances_by_name();

  // ---- per process: the facts ----
  auto per_process = [&](std::string_view name, Type type, std::string_view help, auto value) {
    w.family(name, type, help);
    for (const Instance* i : all) w.sample({{"group", i->group()}, {"name", i->name()}}, value(*i));
  };
  per_process("supervisor_process_state", Type::Gauge,
              "Process state as Supervisor's code: 0 STOPPED, 10 STARTING, 20 RUNNING, 30 "
              "BACKOFF, 40 STOPPING, 100 EXITED, 200 FATAL, 1000 UNKNOWN.",
              [](const Instance& i) { return static_cast<double>(static_cast<int>(i.state())); });
  per_process("supervisor_process_ready", Type::Gauge,
              "1 when the process is RUNNING (with ready= set: it has reported ready), else 0.",
              [](const Instance& i) { return i.state() == ProcessState::Running ? 1.0 : 0.0; });
  per_process("supervisor_process_pid", Type::Gauge, "Pid of the master process, 0 when none.",
              [](const Instance& i) { return static_cast<double>(i.process().pid()); });
  per_process("supervisor_process_start_time_seconds", Type::Gauge,
              "Unix time of the last start, 0 when never started.",
              [](const Instance& i) { return i.process().facts().laststart_ms / 1000.0; });
  per_process("supervisor_process_uptime_seconds", Type::Gauge,
              "Seconds since the last start while RUNNING, else 0.", [now](const Instance& i) {
                int64_t ms = i.process().facts().laststart_ms;
                return i.state() == ProcessState::Running && ms > 0 ? now - ms / 1000.0 : 0.0;
              });
  // One lookup per instance, not one per family.
  std::unordered_map<const Instance*, const Counts*> counts_of;
  counts_of.reserve(all.size());
  for (const Instance* i : all) counts_of[i] = &counts(i->group(), i->name());
  auto count_of = [&counts_of](const Instance& i) -> const Counts& { return *counts_of[&i]; };
  per_process("supervisor_process_restarts", Type::Counter,
              "Starts after the first one (automatic restarts and commands alike).",
              [&](const Instance& i) {
                uint64_t s = count_of(i).starts;
                return static_cast<double>(s > 0 ? s - 1 : 0);
              });
  per_process("supervisor_process_spawn_errors", Type::Counter,
              "Spawn attempts that failed before the program ran (fork, exec, setuid, ...).",
              [&](const Instance& i) { return static_cast<double>(count_of(i).spawn_errors); });
  per_process("supervisor_process_liveness_failures", Type::Counter,
              "Restarts because liveness_failures probes in a row failed.", [&](const Instance& i) {
                return static_cast<double>(count_of(i).liveness_failures);
              });
  w.family("supervisor_process_exits", Type::Counter,
           "Runs that ended, by kind: expected (exit code in exitcodes), unexpected (other exit "
           "code), signal (killed by a signal it was not sent by a stop), stopped (ended by a "
           "stop, or a liveness restart).");
  for (const Instance* i : all) {
    const Counts& c = count_of(*i);
    for (size_t k = 0; k < std::size(kExitKinds); ++k)
      w.sample({{"group", i->group()}, {"name", i->name()}, {"kind", kExitKinds[k]}},
               static_cast<double>(c.exits[k]));
  }
  auto per_stream = [&](std::string_view name, std::string_view help, uint64_t(Counts::*bytes)[2]) {
    w.family(name, Type::Counter, help);
    for (const Instance* i : all) {
      const uint64_t* b = count_of(*i).*bytes;
      w.sample({{"group", i->group()}, {"name", i->name()}, {"stream", "stdout"}},
               static_cast<double>(b[0]));
      w.sample({{"group", i->group()}, {"name", i->name()}, {"stream", "stderr"}},
               static_cast<double>(b[1]));
    }
  };
  per_stream("supervisor_process_output_bytes",
             "Bytes the process wrote to its stdout or stderr pipe, read by supervisord.",
             &Counts::output_bytes);
  per_stream("supervisor_process_output_lost_bytes",
             "Bytes of that output its log file did not take: the file could not be opened or "
             "written (a full disk, /dev/full), or a pipe it writes to stalled.",
             &Counts::output_lost);

  // ---- per instance tree ----
  // Cost (bench/metrics): reading /proc is nearly all of a scrape, so each tree reads only
  // what it lacks, every file opened relative to one descriptor of /proc into a buffer on
  // the stack. An instance in a cgroup: cgroup.procs and cpu.stat (CPU of the members
  // alive and gone), memory.current where the memory controller is on, else the members'
  // RSS from /proc/PID/statm (the smallest file that has it). The others share one scan of
  // /proc (a stat per process on the machine: its parent, group, RSS and CPU). PSS
  // (smaps_rollup) and open fds cost a read per member each: only on request.
  struct Tree {
    const Instance* instance;
    size_t workers = 0;
    int64_t rss_kb = 0;
    int64_t pss_kb = 0;  // -1: unreadable for some member
    double cpu_seconds = 0;
    int fds = 0;
  };
  static const int64_t page_kb = page / 1024;
  std::vector<Tree> trees;
  trees.reserve(all.size());
  const store::ProcDir proc;
  std::optional<proctree::Snapshot> snap;  // taken at the first instance that needs it
  bool memory_controller = true;           // false after the first memory.current missing
  std::vector<pid_t> members;              // one vector for every tree
  for (const Instance* i : all) {
    const Process& p = i->process();
    pid_t master = p.pid();
    if (master <= 0) continue;
    Tree t{i};
    if (!p.cgroup_dir().empty()) {
      cgroup::Manager::members(p.cgroup_dir(), members);
      int64_t us = cgroup::Manager::cpu_usec(p.cgroup_dir());
      if (us >= 0) t.cpu_seconds = static_cast<double>(us) / 1e6;
      bool have_memory = false;
      if (memory_controller) {
        int64_t bytes = cgroup::Manager::memory_current(p.cgroup_dir());
        memory_controller = bytes >= 0;
        if (bytes >= 0) t.rss_kb = bytes / 1024;
        have_memory = bytes >= 0;
      }
      if (std::find(members.begin(), members.end(), master) == members.end())
        members.push_back(master);  // the master left the cgroup (it never should)
      t.workers = members.size() - 1;
      if (us < 0) {  // no cpu.stat: both from /proc/PID/stat
        for (pid_t m : members)
          if (auto st = proc.stat(m); st && st->alive()) {
            if (!have_memory) t.rss_kb += st->rss_pages * page_kb;
            t.cpu_seconds += static_cast<double>(st->cpu_ticks) / tick;
          }
      } else if (!have_memory) {
        for (pid_t m : members)
          if (int64_t pages = proc.rss_pages(m); pages > 0) t.rss_kb += pages * page_kb;
      }
    } else {
      if (!snap) snap = proctree::Snapshot::take();
      members = i->workers(*snap);
      t.workers = members.size();
      members.push_back(master);
      for (pid_t m : members)
        if (const proctree::ProcEntry* e = snap->find(m)) {
          t.rss_kb += e->rss_kb;
          t.cpu_seconds += static_cast<double>(e->cpu_ticks) / tick;
        }
    }
    for (pid_t m : members) {
      if (options.pss && t.pss_kb >= 0) {
        int64_t v = proctree::pss_kb(m);
        t.pss_kb = v < 0 ? -1 : t.pss_kb + v;
      }
      if (options.fds) t.fds += std::max(proctree::open_fds(m), 0);
    }
    trees.push_back(t);
  }
  auto per_tree = [&](std::string_view name, Type type, std::string_view help, auto value) {
    w.family(name, type, help);
    for (const Tree& t : trees) {
      double v = value(t);
      if (v >= 0) w.sample({{"group", t.instance->group()}, {"name", t.instance->name()}}, v);
    }
  };
  per_tree("supervisor_process_tree_workers", Type::Gauge,
           "Processes of the tree besides the master: its descendants and the other members of "
           "its process group (of its cgroup when contained).",
           [](const Tree& t) { return static_cast<double>(t.workers); });
  per_tree("supervisor_process_tree_resident_memory_bytes", Type::Gauge,
           "Resident memory (RSS) of the master and its workers, summed; memory.current of "
           "the instance's cgroup where the memory controller is enabled.",
           [](const Tree& t) { return t.rss_kb * 1024.0; });
  per_tree("supervisor_process_tree_cpu_seconds", Type::Counter,
           "User and system CPU of the tree: of every member that ever ran in the instance's "
           "cgroup when contained, else of the members alive now (falls when one exits).",
           [](const Tree& t) { return t.cpu_seconds; });
  if (options.pss)
    per_tree("supervisor_process_tree_pss_bytes", Type::Gauge,
             "Proportional set size (PSS) of the master and its workers, summed (only with "
             "?pss=1); absent where /proc/PID/smaps_rollup is unreadable.",
             [](const Tree& t) { return t.pss_kb < 0 ? -1.0 : t.pss_kb * 1024.0; });
  if (options.fds)
    per_tree("supervisor_process_tree_open_fds", Type::Gauge,
             "Open file descriptors of the master and its workers, summed (only with ?fds=1).",
             [](const Tree& t) { return static_cast<double>(t.fds); });

  // ---- per group ----
  w.family("supervisor_group_instances", Type::Gauge, "Instances the group is configured with.");
  for (const auto& g : supervisor_.groups())
    w.sample({{"group", g->name()}}, static_cast<double>(g->instances().size()));
  w.family("supervisor_group_running_instances", Type::Gauge,
           "Instances of the group that are RUNNING (status --health's ready count).");
  for (const auto& g : supervisor_.groups()) {
    int running = 0;
    for (const auto& i : g->instances()) running += i->state() == ProcessState::Running;
    w.sample({{"group", g->name()}}, running);
  }

  // ---- the daemon ----
  w.family("supervisor_state", Type::Gauge,
           "supervisord's state code: 2 FATAL, 1 RUNNING, 0 RESTARTING, -1 SHUTDOWN.");
  w.sample({}, static_cast<int>(supervisor_.state()));
  w.family("supervisor_reload_time_seconds", Type::Gauge,
           "Unix time this run of the daemon began (start or reload); counters start at zero "
           "then.");
  w.sample({}, reload_time_);
  if (auto self = store::read_proc_stat(getpid())) {
    w.family("process_resident_memory_bytes", Type::Gauge, "Resident memory of supervisord.");
    w.sample({}, static_cast<double>(self->rss_pages * page));
    w.family("process_cpu_seconds", Type::Counter, "User and system CPU of supervisord.");
    w.sample({}, static_cast<double>(self->cpu_ticks) / tick);
    w.family("process_start_time_seconds", Type::Gauge, "Unix time supervisord started.");
    w.sample({}, boot_time() + static_cast<double>(self->start_ticks) / tick);
  }
  w.family("process_open_fds", Type::Gauge, "Open file descriptors of supervisord.");
  w.sample({}, proctree::open_fds(getpid()));

  w.family("supervisor_rpc_requests", Type::Counter,
           "XML-RPC calls answered, by method (unknown: a name not in the method table).");
  for (const auto& [method, r] : rpc_)
    w.sample({{"method", method.empty() ? "unknown" : method}}, static_cast<double>(r.calls));
  w.family("supervisor_rpc_request_duration_seconds", Type::Histogram,
           "Seconds from an XML-RPC call's dispatch to its answer, by method.");
  for (const auto& [method, r] : rpc_)
    w.histogram({{"method", method.empty() ? "unknown" : method}}, r.latency.value());

  w.family("supervisor_statefile_commit_duration_seconds", Type::Histogram,
           "Seconds each state-file write transaction took.");
  w.histogram({}, store_commit_.value());

  w.family("supervisor_syslog_dropped_records", Type::Counter,
           "Syslog records dropped because /dev/log could not take them.");
  w.sample({}, static_cast<double>(logs::SyslogClient::instance().dropped_total()));

  if (events_) {
    auto pools = events_->pools();
    w.family("supervisor_event_listener_queue_events", Type::Gauge,
             "Events waiting in an event listener pool's buffer.");
    for (const auto& [name, pool] : pools)
      w.sample({{"pool", name}}, static_cast<double>(pool->buffered()));
    w.family("supervisor_event_listener_dropped_events", Type::Counter,
             "Events a full pool buffer discarded (buffer_size).");
    for (const auto& [name, pool] : pools)
      w.sample({{"pool", name}}, static_cast<double>(monotonic("pool:" + name, pool->dropped())));
  }
  std::string text = w.finish();
  last_size_ = text.size();
  return text;
}

void Collector::serve(const http::Request& request, std::shared_ptr<rpc::Responder> responder) {
  Format f = negotiate(request.header("Accept"));
  size_t q = request.path.find('?');
  ScrapeOptions o = scrape_options(
      q == std::string::npos ? std::string_view{} : std::string_view(request.path).substr(q + 1));
  responder->respond(200, {{"Content-Type", std::string(content_type(f))}}, scrape(f, o));
}

}  // namespace metrics
