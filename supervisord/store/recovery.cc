// recovery.cc — per recorded instance: verify, signal, watch the group empty, escalate.
#include "supervisord/store/recovery.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "supervisord/store/proc_stat.h"
#include "supervisord/uvx/handle.h"

namespace store {
namespace {

constexpr int kError = 40;
constexpr int kWarn = 30;
constexpr int kInfo = 20;
constexpr uint64_t kTickMs = 50;  // fallback only: no pidfd, nothing wakes us on a non-child's exit
constexpr int kMaxRescans = 16;

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

std::string signame(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string label(const InstanceRecord& r) {
  return r.group + ":" + r.name;
}

// What of a recorded instance still lives, by pid + start time.
struct Scan {
  bool master_alive = false;
  bool group_trusted = false;     // kill(-pgid) reaches only the instance's processes
  std::vector<ProcStat> members;  // master (if alive) and the group's other live members
};

Scan scan(const InstanceRecord& r) {
  Scan s;
  auto master = read_proc_stat(r.pid);
  s.master_alive = master && master->alive() && master->start_ticks == r.start_ticks;
  // The kernel keeps a pgid from being reused while any member lives, so a group whose
  // leader is gone still holds only the master's descendants. But a live process whose pid is the
  // group's number but that is not the recorded leader (other start time, or born after our master)
  // means the number was reused: that group is someone else's.
  bool impostor_leader = false;
  if (r.pgid == r.pid)
    impostor_leader = master && master->start_ticks != r.start_ticks;
  else if (auto leader = read_proc_stat(r.pgid))
    impostor_leader = leader->start_ticks > r.start_ticks;
  s.group_trusted = r.pgid > 1 && !impostor_leader;
  if (s.group_trusted) {
    for (const ProcStat& m : group_members(r.pgid))
      if (m.start_ticks >= r.start_ticks) s.members.push_back(m);  // workers come after the master
  }
  if (s.master_alive && std::none_of(s.members.begin(), s.members.end(),
                                     [&](const ProcStat& m) { return m.pid == r.pid; }))
    s.members.insert(s.members.begin(), *master);
  return s;
}

}  // namespace

const char* fate_name(RecoveryOutcome::Fate fate) {
  switch (fate) {
    case RecoveryOutcome::Fate::Gone:
      return "gone";
    case RecoveryOutcome::Fate::Stopped:
      return "stopped";
    case RecoveryOutcome::Fate::Killed:
      return "killed";
    case RecoveryOutcome::Fate::Survived:
      return "survived";
  }
  return "?";
}

// Freed once its poll handle closed (then its pidfd is closed too).
struct Recovery::Watch {
  uvx::Handle<uv_poll_t> poll;
  int fd = -1;
  pid_t pid = 0;
  Job* job = nullptr;
  Recovery* self = nullptr;
};

struct Recovery::Job {
  Recovery* self = nullptr;
  RecoveryOutcome outcome;
  bool finished = false;
  bool killed = false;               // SIGKILL was sent
  bool signalled_group = false;      // the stop signal reached -pgid
  uvx::Handle<uv_timer_t> stopwait;  // stopwaitsecs, then the SIGKILL grace
  uvx::Handle<uv_timer_t> tick;      // fallback rescans
  std::map<pid_t, Watch*> watches;
};

Recovery::Recovery(uv_loop_t* loop, LogFn log) : loop_(loop), log_(std::move(log)) {}

Recovery::~Recovery() = default;

void Recovery::log(int level, const std::string& text) const {
  if (log_) log_(level, text);
}

void Recovery::run(std::vector<InstanceRecord> instances, Done done, InstanceDone instance_done) {
  done_ = std::move(done);
  instance_done_ = std::move(instance_done);
  started_ = true;
  if (!instances.empty())
    log(kInfo, "crash recovery: checking " + std::to_string(instances.size()) +
                   " instance(s) recorded by the previous supervisord");
  for (auto& r : instances) {
    auto job = std::make_unique<Job>();
    job->self = this;
    job->outcome.record = std::move(r);
    jobs_.push_back(std::move(job));
  }
  jobs_left_ = jobs_.size();
  // All jobs start before `done` can fire: maybe_done waits for started_jobs_.
  for (size_t i = 0; i < jobs_.size(); ++i) start_job(*jobs_[i]);
  all_started_ = true;
  maybe_done();
}

void Recovery::start_job(Job& job) {
  const InstanceRecord& r = job.outcome.record;
  Scan s = scan(r);
  job.outcome.processes = s.members.size();
  if (s.members.empty()) {
    log(kInfo, "crash recovery: " + label(r) + " (pid " + std::to_string(r.pid) +
                   ") is no longer running");
    finish_job(job, RecoveryOutcome::Fate::Gone);
    return;
  }
  pid_t target = r.pid;
  if (!s.master_alive || r.stopasgroup) {
    target = -r.pgid;
    job.signalled_group = true;
  }
  if (!s.group_trusted) target = r.pid;  // only the verified master
  std::string who = s.master_alive ? "pid " + std::to_string(r.pid) : "master gone";
  log(kWarn, "crash recovery: found " + label(r) + " (" + who + ", " +
                 std::to_string(s.members.size()) + " process(es) in group " +
                 std::to_string(r.pgid) + ") left running by the previous supervisord; sending " +
                 signame(r.stopsignal) + " to " +
                 (target < 0 ? "its process group" : "its master") +
                 ", SIGKILL to the group after " + std::to_string(r.stopwaitsecs) + "s");
  if (::kill(target, r.stopsignal) != 0 && errno != ESRCH)
    log(kError, "crash recovery: kill(" + std::to_string(target) + ", " + signame(r.stopsignal) +
                    "): " + strerror(errno));
  if (job.stopwait.init(loop_, uv_timer_init)) ++open_handles_;  // cannot fail
  job.stopwait->data = &job;
  uv_timer_start(
      job.stopwait.get(),
      [](uv_timer_t* h) {
        Job* j = static_cast<Job*>(h->data);
        j->self->on_stopwait(*j);
      },
      static_cast<uint64_t>(std::max(r.stopwaitsecs, 0)) * 1000, 0);
  refresh(job);
}

void Recovery::refresh(Job& job) {
  const InstanceRecord& r = job.outcome.record;
  for (int round = 0; round < kMaxRescans && !job.finished; ++round) {
    Scan s = scan(r);
    if (s.members.empty()) {
      finish_job(job, job.killed ? RecoveryOutcome::Fate::Killed : RecoveryOutcome::Fate::Stopped);
      return;
    }
    // NO ORPHANS: the master went, its workers did not — they get the stop signal too.
    if (!s.master_alive && !job.signalled_group && s.group_trusted) {
      job.signalled_group = true;
      log(kInfo, "crash recovery: " + label(r) + ": master exited, sending " +
                     signame(r.stopsignal) + " to the " + std::to_string(s.members.size()) +
                     " process(es) left in group " + std::to_string(r.pgid));
      (void)::kill(-r.pgid, r.stopsignal);
    }
    std::vector<pid_t> stale;
    for (const auto& [pid, w] : job.watches)
      if (std::none_of(s.members.begin(), s.members.end(),
                       [pid = pid](const ProcStat& m) { return m.pid == pid; }))
        stale.push_back(pid);
    for (pid_t pid : stale) unwatch(job, pid);
    bool raced = false;
    bool need_tick = false;
    for (const ProcStat& m : s.members) {
      if (job.watches.count(m.pid)) continue;
      int fd = use_pidfd_ ? pidfd_open(m.pid) : (errno = ENOSYS, -1);
      if (fd < 0) {
        if (errno == ESRCH)
          raced = true;  // gone between the scan and now: scan again
        else
          need_tick = true;
        continue;
      }
      // The pid may have been reused between the scan and pidfd_open: check it is the
      // process we scanned.
      auto again = read_proc_stat(m.pid);
      if (!again || !again->alive() || again->start_ticks != m.start_ticks) {
        ::close(fd);
        raced = true;
        continue;
      }
      auto* w = new Watch;
      w->fd = fd;
      w->pid = m.pid;
      w->job = &job;
      w->self = this;
      if (Status st = w->poll.init(loop_, uv_poll_init, fd); !st) {
        ::close(fd);
        delete w;
        need_tick = true;
        continue;
      }
      w->poll->data = w;
      ++open_handles_;
      job.watches[m.pid] = w;
      uv_poll_start(w->poll.get(), UV_READABLE, [](uv_poll_t* h, int, int) {
        // Readable (or an error): that process exited. Re-read the whole group.
        auto* watch = static_cast<Watch*>(h->data);
        Job& j = *watch->job;
        watch->self->unwatch(j, watch->pid);
        j.self->refresh(j);
      });
    }
    if (need_tick && !job.tick && job.tick.init(loop_, uv_timer_init)) {
      job.tick->data = &job;
      ++open_handles_;
      uv_timer_start(
          job.tick.get(),
          [](uv_timer_t* h) {
            Job* j = static_cast<Job*>(h->data);
            j->self->refresh(*j);
          },
          kTickMs, kTickMs);
    }
    if (!raced) return;
  }
}

void Recovery::on_stopwait(Job& job) {
  if (job.finished) return;
  const InstanceRecord& r = job.outcome.record;
  Scan s = scan(r);
  if (s.members.empty()) {
    finish_job(job, job.killed ? RecoveryOutcome::Fate::Killed : RecoveryOutcome::Fate::Stopped);
    return;
  }
  if (job.killed) {
    std::string pids;
    for (const ProcStat& m : s.members) pids += (pids.empty() ? "" : " ") + std::to_string(m.pid);
    log(kError, "crash recovery: " + label(r) + ": " + std::to_string(s.members.size()) +
                    " process(es) still alive " + std::to_string(kKillGraceMs / 1000) +
                    "s after SIGKILL (pids " + pids + "); giving up on them");
    finish_job(job, RecoveryOutcome::Fate::Survived);
    return;
  }
  job.killed = true;
  log(kWarn, "crash recovery: " + label(r) + " still has " + std::to_string(s.members.size()) +
                 " process(es) after " + std::to_string(r.stopwaitsecs) +
                 "s: SIGKILL to process group " + std::to_string(r.pgid));
  if (s.group_trusted) (void)::kill(-r.pgid, SIGKILL);
  for (const ProcStat& m : s.members) (void)::kill(m.pid, SIGKILL);  // a master outside its group
  uv_timer_start(
      job.stopwait.get(),
      [](uv_timer_t* h) {
        Job* j = static_cast<Job*>(h->data);
        j->self->on_stopwait(*j);
      },
      kKillGraceMs, 0);
  refresh(job);
}

void Recovery::unwatch(Job& job, pid_t pid) {
  auto it = job.watches.find(pid);
  if (it == job.watches.end()) return;
  Watch* w = it->second;
  job.watches.erase(it);
  w->poll.close([w] {
    Recovery* self = w->self;
    ::close(w->fd);
    delete w;
    self->handle_closed();
  });
}

void Recovery::finish_job(Job& job, RecoveryOutcome::Fate fate) {
  if (job.finished) return;
  job.finished = true;
  job.outcome.fate = fate;
  const InstanceRecord& r = job.outcome.record;
  if (fate == RecoveryOutcome::Fate::Stopped || fate == RecoveryOutcome::Fate::Killed)
    log(kInfo, "crash recovery: " + label(r) + " (pid " + std::to_string(r.pid) + ") " +
                   fate_name(fate) + "; its process group is empty");
  std::vector<pid_t> pids;
  for (const auto& [pid, w] : job.watches) pids.push_back(pid);
  for (pid_t pid : pids) unwatch(job, pid);
  for (uvx::Handle<uv_timer_t>* t : {&job.stopwait, &job.tick})
    if (*t) t->close([this] { handle_closed(); });
  --jobs_left_;
  // Abandoned work (close()) starts nothing: the daemon is going down.
  if (instance_done_ && !closing_) instance_done_(job.outcome);
  maybe_done();
}

void Recovery::handle_closed() {
  --open_handles_;
  maybe_done();
}

void Recovery::maybe_done() {
  if (open_handles_ > 0) return;
  if (closing_) {
    if (auto fn = std::move(closed_)) fn();
    return;
  }
  if (!all_started_ || jobs_left_ > 0 || finished_) return;
  finished_ = true;
  bool survived = std::any_of(jobs_.begin(), jobs_.end(), [](const auto& j) {
    return j->outcome.fate == RecoveryOutcome::Fate::Survived;
  });
  if (!jobs_.empty()) log(survived ? kError : kInfo, "crash recovery: " + summary());
  std::vector<RecoveryOutcome> outcomes;
  for (const auto& j : jobs_) outcomes.push_back(j->outcome);
  if (auto fn = std::move(done_)) fn(outcomes);
}

std::string Recovery::summary() const {
  if (!started_) return "not run";
  if (jobs_.empty()) return "nothing recorded to stop";
  if (!finished_)
    return "in progress: " + std::to_string(jobs_left_) + " of " + std::to_string(jobs_.size()) +
           " recorded instance(s) still being stopped";
  size_t counts[4] = {};
  for (const auto& j : jobs_) ++counts[static_cast<int>(j->outcome.fate)];
  return "done: " + std::to_string(counts[1]) + " stopped, " + std::to_string(counts[2]) +
         " killed, " + std::to_string(counts[0]) + " already gone, " + std::to_string(counts[3]) +
         " survived";
}

void Recovery::close(std::function<void()> closed) {
  closing_ = true;
  closed_ = std::move(closed);
  for (auto& j : jobs_)
    if (!j->finished) finish_job(*j, RecoveryOutcome::Fate::Survived);
  maybe_done();
}

}  // namespace store
