// process.cc — the effectful driver of the fsm (the pure planner is fsm.cc; the effects
// live here). Every state change comes out of fsm::step; this file only performs actions.
// Its other concerns: the child's pipes and stdin (process_output.cc), NOTIFY_SOCKET, the
// held listening socket and the probe timer (process_notify.cc).
#include "supervisord/process/process.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/invariant.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/zero_downtime/upgrade.h"

extern char** environ;

namespace {

// A change that ends a run whose master lived (its exit is announced with it): a master
// lives exactly in Supervisor's SIGNALLABLE_STATES.
bool ends_run(ProcessState from, ProcessState to) {
  return is_signallable_state(from) &&
         (to == ProcessState::Stopped || to == ProcessState::Exited || to == ProcessState::Backoff);
}

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Process::Process(uv_loop_t* loop, Reaper& reaper,
                 std::shared_ptr<const config::ProcessConfig> config,
                 std::shared_ptr<const spawn::SpawnContext> context, Hooks hooks)
    : loop_(loop),
      reaper_(reaper),
      config_(std::move(config)),
      context_(std::move(context)),
      hooks_(std::move(hooks)) {
  auto ready = config::parse_ready(config_->ready);  // validated by the loader
  if (ready) ready_kind_ = ready->kind;
  if (!config_->listen_socket.empty())
    if (auto listen = config::parse_listen(config_->listen_socket))
      listen_ = std::make_unique<config::Endpoint>(std::move(*listen));
  if (ready_kind_ == config::Endpoint::Kind::Tcp || ready_kind_ == config::Endpoint::Kind::Http) {
    probe_ = std::make_unique<Probe>(loop_, std::move(*ready), 1000);
    probe_timer_ = new_timer();
  }
}

Process::~Process() {
  auto none = [](const auto& handles) {
    return std::all_of(handles.begin(), handles.end(), [](const auto& h) { return !h; });
  };
  INVARIANT(pending_closes_ == 0 && none(timers_) && none(pipes_) && !notify_ && !probe_timer_ &&
                !cgroup_watch_ && !output_timer_ && !probe_,
            name() + " destroyed before its close() completed");
}

// A timer of ours: its data is this Process.
uvx::Handle<uv_timer_t> Process::new_timer() {
  uvx::Handle<uv_timer_t> t;
  if (t.init(loop_, uv_timer_init)) t->data = this;  // uv_timer_init cannot fail
  return t;
}

// The fsm's timers are made on first use: most processes only ever arm one or two of the
// three, and a uv_timer_t is 152 bytes (numprocs=1000 kept 456 KB of them).
uv_timer_t* Process::fsm_timer(fsm::TimerId id) {
  uvx::Handle<uv_timer_t>& t = timers_[static_cast<int>(id)];
  if (!t && !closing_) t = new_timer();
  return t.get();
}

fsm::Event Process::event(fsm::EventKind kind) const {
  fsm::Event e;
  e.kind = kind;
  e.now_ms = wall_ms();
  return e;
}

// ---- commands --------------------------------------------------------------------------

CommandStatus Process::start() {
  auto plan = spawn::prepare(*config_, *context_, environ);
  if (!plan.ok()) return {spawn::precheck_fault(plan.error()), plan.error()};
  fsm::Step s;
  ProcessState before = facts_.state;
  // The spawn this start causes (in run, at once) uses this plan: the command is split
  // and searched once per start, not twice (Supervisor does both).
  prepared_ = std::make_unique<spawn::ExecPlan>(std::move(*plan));
  run(event(fsm::EventKind::Start), &s);
  prepared_.reset();
  switch (s.refusal) {
    case fsm::Refusal::AlreadyStarted:
      // Supervisor tries to spawn over a STOPPING process and ends in ABNORMAL_TERMINATION.
      return {before == ProcessState::Stopping ? Fault::AbnormalTermination : Fault::AlreadyStarted,
              ""};
    case fsm::Refusal::UnknownState:
      return {Fault::Failed, name() + " is in an unknown process state"};
    case fsm::Refusal::NotRunning:
      return {Fault::NotRunning, ""};
    case fsm::Refusal::None:
      break;
  }
  if (facts_.state == ProcessState::Backoff || facts_.state == ProcessState::Fatal)
    return {Fault::SpawnError, ""};
  return CommandStatus::success();
}

CommandStatus Process::stop() {
  fsm::Step s;
  run(event(fsm::EventKind::Stop), &s);
  if (s.refusal != fsm::Refusal::None) return {Fault::NotRunning, ""};
  if (facts_.state == ProcessState::Unknown) return {Fault::Failed, "kill failed"};
  return CommandStatus::success();
}

CommandStatus Process::signal(int sig) {
  fsm::Event e = event(fsm::EventKind::Signal);
  e.signal = sig;
  fsm::Step s;
  run(std::move(e), &s);
  if (s.refusal != fsm::Refusal::None) return {Fault::NotRunning, ""};
  if (facts_.state == ProcessState::Unknown) return {Fault::Failed, "kill failed"};
  return CommandStatus::success();
}

void Process::autostart() {
  run(event(fsm::EventKind::Autostart));
}
void Process::shutdown() {
  run(event(fsm::EventKind::Shutdown));
}

// ---- the driver ------------------------------------------------------------------------

void Process::run(fsm::Event e, fsm::Step* out) {
  fsm::Step s = fsm::step(facts_, e, *config_);
  facts_ = s.facts;
  bool outer = !running_;
  running_ = true;
  for (const fsm::Action& a : s.actions) perform(a);
  if (out) *out = std::move(s);
  if (!outer) return;
  // Outcomes of actions (Spawned, SpawnFailed, GroupEmpty, KillFailed) run after the step
  // that caused them, in order.
  for (size_t i = 0; i < queue_.size(); ++i) {  // actions may append while this runs
    fsm::Event next = std::move(queue_[i]);
    fsm::Step t = fsm::step(facts_, next, *config_);
    facts_ = t.facts;
    for (const fsm::Action& a : t.actions) perform(a);
  }
  std::vector<fsm::Event>().swap(queue_);  // an idle process holds no queue memory
  running_ = false;
  remove_released_cgroup();
  sync_group_watcher();
  sync_probe();
}

void Process::perform(const fsm::Action& a) {
  switch (a.kind) {
    case fsm::Action::Kind::Spawn:
      do_spawn();
      break;
    case fsm::Action::Kind::Signal:
      do_signal(a.target, a.signal);
      break;
    case fsm::Action::Kind::ArmTimer:
      // The loop's cached time can be a whole wake-up old (e.g. many spawns in one
      // iteration): refresh it so "startsecs" counts from the spawn, never less.
      uv_update_time(loop_);
      if (uv_timer_t* t = fsm_timer(a.timer))
        uv_timer_start(t, timer_callback(a.timer), static_cast<uint64_t>(a.delay_ms), 0);
      break;
    case fsm::Action::Kind::CancelTimer:
      if (uv_timer_t* t = timers_[static_cast<int>(a.timer)].get()) uv_timer_stop(t);
      break;
    case fsm::Action::Kind::Log:
      if (hooks_.on_log) hooks_.on_log(a.level, a.text);
      break;
    case fsm::Action::Kind::StateChange:
      // The master is gone and so is its group: as Supervisor at a process's exit, read
      // what is left and let go of every pipe (a process that is not running holds no fd).
      if (facts_.pid == 0 && !facts_.draining) {
        drain_pipes();
        for (int i = 0; i < 3; ++i) close_pipe(i);
        stdin_ino_ = 0;
        // A member the OOM killer ended while the group drained counts for this run too:
        // read again before the state change and the exit record announce it.
        if (!cgroup_dir_.empty() && ends_run(a.from, a.to)) last_oom_kills_ = run_oom_kills();
        // Removed when this run() returns, unless an autorestart in it takes it again.
        if (cgroup_watch_) uv_fs_event_stop(cgroup_watch_.get());
        if (!cgroup_dir_.empty()) cgroup_released_ = std::exchange(cgroup_dir_, {});
      }
      if (hooks_.on_state_change) hooks_.on_state_change(*this, a.from, a.to);
      break;
    case fsm::Action::Kind::Exit:
      if (hooks_.on_exit) hooks_.on_exit(*this, facts_.last_exit);
      break;
  }
}

// One callback per timer id: the timer's identity is the event it becomes.
uv_timer_cb Process::timer_callback(fsm::TimerId id) {
  switch (id) {
    case fsm::TimerId::Startsecs:
      return [](uv_timer_t* h) {
        auto* p = static_cast<Process*>(h->data);
        p->run(p->event(fsm::EventKind::StartsecsTimer));
      };
    case fsm::TimerId::Backoff:
      return [](uv_timer_t* h) {
        auto* p = static_cast<Process*>(h->data);
        p->run(p->event(fsm::EventKind::BackoffTimer));
      };
    case fsm::TimerId::Stopwait:
      break;
  }
  return [](uv_timer_t* h) {
    auto* p = static_cast<Process*>(h->data);
    // A drained group that died without a SIGCHLD reaching us (we are not a
    // subreaper) is noticed here at the latest.
    p->check_group();
    if (p->facts_.state == ProcessState::Stopping) p->run(p->event(fsm::EventKind::StopwaitTimer));
  };
}

// Running out of descriptors is the daemon's condition, not one process's: besides each
// process's INFO "spawnerr:" line, one WARN line (at most every kFdWarnEveryMs, whichever
// process hits it) names the limit and how to raise it, visible at loglevel=warn.
void Process::warn_if_out_of_fds(const std::string& error) {
  static constexpr uint64_t kFdWarnEveryMs = 10'000;
  static uint64_t last_warned_ms = 0;
  if (!spawn::out_of_fds(error) || !hooks_.on_log) return;
  uint64_t now = uv_now(loop_);
  if (last_warned_ms != 0 && now - last_warned_ms < kFdWarnEveryMs) return;
  last_warned_ms = now;
  std::string_view hint = error;
  hint.remove_prefix(hint.find(": out of file descriptors") + 2);
  hooks_.on_log(30, std::string(hint) + " (spawning '" + name() + "' failed; others may too)");
}

void Process::do_spawn() {
  // Output the previous master left in its pipes belongs to it: read it, then let go.
  drain_pipes();
  for (int i = 0; i < 3; ++i) close_pipe(i);
  fsm::Event result = event(fsm::EventKind::SpawnFailed);
  auto plan = prepared_ ? Result<spawn::ExecPlan>(std::move(*prepared_))
                        : spawn::prepare(*config_, *context_, environ);
  prepared_.reset();
  if (!plan.ok()) {
    result.error = plan.error();
    queue_.push_back(std::move(result));
    return;
  }
  set_text(&Texts::status_text, "");
  if (ready_kind_ == config::Endpoint::Kind::Notify) {
    Status st = notify_ ? Status::success() : open_notify();
    if (!st) {
      result.error = "cannot create NOTIFY_SOCKET for '" + name() + "': " + st.error();
      queue_.push_back(std::move(result));
      return;
    }
    spawn::set_env(*plan, "NOTIFY_SOCKET", text(&Texts::notify_path));
  }
  if (!config_->listen_socket.empty()) {
    Status st = listen_fd_ >= 0 ? Status::success() : open_listen();
    if (!st) {
      result.error =
          "cannot listen on " + config_->listen_socket + " for '" + name() + "': " + st.error();
      queue_.push_back(std::move(result));
      return;
    }
    plan->listen_fd = listen_fd_;
  }
  join_cgroup(*plan);
  auto child = spawner().spawn(*plan);
  if (!child.ok()) {
    result.error = child.error();
    warn_if_out_of_fds(result.error);
    queue_.push_back(std::move(result));
    return;
  }
  stdin_ino_ = child->stdin_ino;
  if (child->stdin_fd >= 0) open_pipe(child->stdin_fd, kStdin);
  if (child->stdout_fd >= 0) open_pipe(child->stdout_fd, kStdout);
  if (child->stderr_fd >= 0) open_pipe(child->stderr_fd, kStderr);
  pid_t pid = child->pid;
  reaper_.watch(pid, [this](pid_t p, int st) { on_exit(p, st); });
  result.kind = fsm::EventKind::Spawned;
  result.pid = pid;
  queue_.push_back(std::move(result));
}

void Process::do_signal(pid_t target, int sig) {
  // kill(0) or kill(-1) would signal the daemon's own group or every process.
  INVARIANT(target != 0 && target != -1, name() + " in " + std::string(state_name(facts_.state)) +
                                             ": signal " + std::to_string(sig) + " to " +
                                             std::to_string(target));
  if (!cgroup_dir_.empty() && target == -facts_.pgid) {
    // The instance's cgroup holds its process group and whatever left it (setsid, double
    // fork): the signal goes to every member; SIGKILL through cgroup.kill.
    (void)spawner().kill(target, sig);
    context_->cgroups->signal_all(cgroup_dir_, sig);
    if (facts_.draining && !cgroup::Manager::populated(cgroup_dir_))
      queue_.push_back(event(fsm::EventKind::GroupEmpty));
    return;
  }
  if (spawner().kill(target, sig) == 0) return;
  int e = errno;
  if (e == ESRCH) {
    // The master already exited on its own: the reaper will tell (Supervisor does the
    // same). For the drained group this means it is empty.
    if (facts_.draining && target == -facts_.pgid)
      queue_.push_back(event(fsm::EventKind::GroupEmpty));
    return;
  }
  fsm::Event failed = event(fsm::EventKind::KillFailed);
  failed.error = std::string(strerrorname_np(e) ? strerrorname_np(e) : "") + " " + strerror(e);
  queue_.push_back(std::move(failed));
}

void Process::on_exit(pid_t pid, int wait_status) {
  // Output written just before the exit is reported before the exit, as Supervisor drains.
  drain_pipes();
  // follow_upgrade: a master that exits while running, having started its successor (now
  // re-parented to us in the same process group), hands the instance over to it.
  if (pid == facts_.pid && !config_->follow_upgrade.empty() && facts_.pgid > 0 &&
      (facts_.state == ProcessState::Running || facts_.state == ProcessState::Starting)) {
    if (pid_t next = upgrade::find_successor(pid, facts_.pgid, getpid()); next > 0) {
      reaper_.watch(next, [this](pid_t p, int st) { on_exit(p, st); });
      fsm::Event up = event(fsm::EventKind::Upgraded);
      up.pid = next;
      return run(std::move(up));
    }
  }
  fsm::Event e = event(fsm::EventKind::Exit);
  e.pid = pid;
  e.wait_status = wait_status;
  if (config_->reap_group && pid == facts_.pid)
    e.group_alive = group_alive(facts_.pgid > 0 ? facts_.pgid : pid);
  if (pid == facts_.pid) last_oom_kills_ = run_oom_kills();
  run(std::move(e));
}

// Anything left of the run: its cgroup is populated, or (not contained) its process group
// still has a member.
bool Process::group_alive(pid_t pgid) {
  if (!cgroup_dir_.empty()) return cgroup::Manager::populated(cgroup_dir_);
  return spawner().kill(-pgid, 0) == 0 || errno == EPERM;
}

void Process::check_group() {
  if (!facts_.draining || facts_.pgid <= 0) return;
  if (!group_alive(facts_.pgid)) run(event(fsm::EventKind::GroupEmpty));
}

void Process::sync_group_watcher() {
  if (facts_.draining && group_watcher_ == 0) {
    group_watcher_ = reaper_.add_group_watcher([this] { check_group(); });
    // An escaped member is not our child: its exit reaches us as a change of
    // cgroup.events ("populated 0"), not as a SIGCHLD.
    if (!cgroup_dir_.empty() && !closing_) {
      if (!cgroup_watch_ && cgroup_watch_.init(loop_, uv_fs_event_init)) cgroup_watch_->data = this;
      if (cgroup_watch_) {
        std::string events = cgroup_dir_ + "/cgroup.events";
        uv_fs_event_start(
            cgroup_watch_.get(),
            [](uv_fs_event_t* h, const char*, int, int) {
              static_cast<Process*>(h->data)->check_group();
            },
            events.c_str(), 0);
      }
    }
  } else if (!facts_.draining && group_watcher_ != 0) {
    reaper_.remove_group_watcher(group_watcher_);
    group_watcher_ = 0;
    if (cgroup_watch_) uv_fs_event_stop(cgroup_watch_.get());
  }
}

// Extension (cgroups): the start goes into the instance's cgroup. When it cannot be made,
// the instance runs as without cgroups (one warning), rather than not at all.
void Process::join_cgroup(spawn::ExecPlan& plan) {
  cgroup::Manager* m = context_->cgroups;
  if (!m || !m->contained()) return;
  if (!cgroup_released_.empty()) {  // the previous run's, empty, limits already written
    cgroup_dir_ = std::exchange(cgroup_released_, {});
    oom_base_ = oom_kills_now();
    plan.cgroup_procs = cgroup_dir_ + "/cgroup.procs";
    return;
  }
  std::vector<std::string> skipped;
  auto dir = m->prepare(*config_, &skipped, text(&Texts::cgroup_variant));
  if (!dir.ok() || !skipped.empty()) {
    if (!cgroup_warned_ && hooks_.on_log) {
      std::string why = dir.ok() ? "" : dir.error();
      for (const auto& s : skipped) why += (why.empty() ? "limit not applied: " : "; ") + s;
      hooks_.on_log(30, "cgroup for '" + name() + "': " + why);
    }
    cgroup_warned_ = true;
    if (!dir.ok()) return;
  }
  cgroup_dir_ = *dir;
  oom_base_ = oom_kills_now();
  plan.cgroup_procs = cgroup_dir_ + "/cgroup.procs";
}

// memory.events' count for the instance's cgroup; 0 where the memory controller is not
// delegated (the file does not exist: not looked for at every spawn and exit).
int64_t Process::oom_kills_now() const {
  const cgroup::Manager* m = context_->cgroups;
  return m && m->counts_oom() ? cgroup::Manager::oom_kills(cgroup_dir_) : 0;
}

// What the OOM killer ended in this run's cgroup since its spawn (0 when not contained).
int64_t Process::run_oom_kills() const {
  return cgroup_dir_.empty() ? 0 : std::max<int64_t>(0, oom_kills_now() - oom_base_);
}

// The run is over and nothing of it is left: its cgroup goes (a cgroup still populated,
// reap_group=false, stays for the next start to reuse).
void Process::leave_cgroup() {
  remove_released_cgroup();
  if (cgroup_dir_.empty()) return;
  if (cgroup_watch_) uv_fs_event_stop(cgroup_watch_.get());
  if (cgroup::Manager::remove(cgroup_dir_)) cgroup_dir_.clear();
}

// A cgroup still populated (reap_group=false) stays this instance's, as leave_cgroup keeps it.
void Process::remove_released_cgroup() {
  if (cgroup_released_.empty()) return;
  std::string dir = std::exchange(cgroup_released_, {});
  if (!cgroup::Manager::remove(dir) && cgroup_dir_.empty()) cgroup_dir_ = std::move(dir);
}

void Process::handle_closed() {
  if (--pending_closes_ == 0 && closing_ && close_done_) {
    auto done = std::move(close_done_);
    done();
  }
}

void Process::close(std::function<void()> done) {
  closing_ = true;
  close_done_ = std::move(done);
  if (facts_.pid > 0) reaper_.unwatch(facts_.pid);
  if (group_watcher_) reaper_.remove_group_watcher(group_watcher_);
  group_watcher_ = 0;
  for (auto& t : timers_) close_handle(t);
  close_handle(cgroup_watch_);
  leave_cgroup();
  for (int i = 0; i < 3; ++i) close_pipe(i);
  close_handle(notify_, [fd = std::exchange(notify_fd_, -1)] { ::close(fd); });
  close_handle(probe_timer_);
  close_handle(output_timer_);
  if (probe_) {
    ++pending_closes_;
    probe_->close([this]() {
      probe_.reset();
      handle_closed();
    });
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    if (listen_ && listen_->kind == config::Endpoint::Kind::Unix) ::unlink(listen_->path.c_str());
  }
  if (pending_closes_ == 0 && close_done_) {
    auto cb = std::move(close_done_);
    cb();
  }
}

// ---- surge (extension) -----------------------------------------------------------------

std::unique_ptr<Process> Process::successor() {
  auto next = std::make_unique<Process>(loop_, reaper_, config_, context_, hooks_);
  next->set_text(&Texts::cgroup_variant, text(&Texts::cgroup_variant).empty() ? "~surge" : "");
  next->take_listen(*this);
  return next;
}

void Process::take_listen(Process& from) {
  if (from.listen_fd_ < 0) return;
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = std::exchange(from.listen_fd_, -1);
}

// ---- description -----------------------------------------------------------------------

std::string Process::description(int64_t now_s) const {
  const std::string& waiting = text(&Texts::waiting);
  if (!waiting.empty() && is_stopped_state(facts_.state)) return waiting;
  std::string d = process_description(facts_.state, facts_.pid, start_time(), stop_time(), now_s,
                                      facts_.spawnerr, name());
  // Readiness extension: what the instance said (STATUS=), while it runs.
  bool live = facts_.state == ProcessState::Starting || facts_.state == ProcessState::Running;
  const std::string& status = text(&Texts::status_text);
  if (live && !status.empty()) d += d.empty() ? status : ", " + status;
  // Surge extension: the old master still draining next to this one.
  const std::string& surge = text(&Texts::surge_note);
  if (!surge.empty()) d += d.empty() ? surge : ", " + surge;
  return d;
}

const std::string& Process::text(std::string Texts::*field) const {
  static const std::string none;
  return texts_ ? (*texts_).*field : none;
}

void Process::set_text(std::string Texts::*field, std::string value) {
  if (!texts_) {
    if (value.empty()) return;
    texts_ = std::make_unique<Texts>();
  }
  (*texts_).*field = std::move(value);
}
