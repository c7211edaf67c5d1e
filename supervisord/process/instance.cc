#include "supervisord/process/instance.h"

#include <algorithm>
#include <utility>

#include "common/invariant.h"
#include "supervisord/events/bus.h"
#include "supervisord/logs/child_log.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/process/cgroup.h"

Instance::Instance(const Context& context, std::shared_ptr<const config::ProcessConfig> config)
    : bus_(context.bus), log_(context.log) {
  stdout_log_ = make_log(context, config->name, config->stdout_log, false);
  if (!config->redirect_stderr)
    stderr_log_ = make_log(context, config->name, config->stderr_log, true);
  // A surge's draining master shares these hooks: its output goes to the same logs, its
  // state changes and exit only end its drain.
  Process::Hooks hooks;
  hooks.on_state_change = [this](Process& p, ProcessState from, ProcessState to) {
    if (&p == process_.get()) return on_state_change(from, to);
    if (&p == draining_.get() && is_stopped_state(to)) drained();
  };
  hooks.on_output = [this](Process&, bool is_stderr, std::string_view bytes) {
    on_output(is_stderr, bytes);
  };
  hooks.on_log = [this](int level, std::string text) { log_.log(level, text); };
  hooks.on_exit = [this](Process& p, const fsm::ExitInfo& e) {
    if (&p == process_.get()) on_exit(e);
  };
  process_ = std::make_unique<Process>(context.loop, context.reaper, std::move(config),
                                       context.spawn, std::move(hooks));
}

Instance::~Instance() = default;

std::unique_ptr<logs::ChildLog> Instance::make_log(const Context& context, const std::string& name,
                                                   const config::LogConfig& lc, bool is_stderr) {
  // A channel nothing reads (NONE, no syslog, no events, no capture) needs no log: its
  // output, if any reaches us (loglevel=debug), only goes to the daemon log and the Bus.
  // None at all saved ~260 bytes of every such instance (numprocs=1000: 260 KB).
  if (lc.goes_nowhere()) return nullptr;
  const auto& sd = context.supervisord;
  logs::ChildLogContext ctx{name, sd.identifier, sd.childlogdir, sd.strip_ansi};
  logs::Channel ch = is_stderr ? logs::Channel::Stderr : logs::Channel::Stdout;
  std::string what = name + " " + std::string(logs::channel_name(ch));
  logs::ChildLogCallbacks cb;
  cb.on_log_event = [this, is_stderr](std::string_view data) {
    bus_.publish(happened::LogData{*this, is_stderr, data});
  };
  cb.on_capture = [this, is_stderr](std::string data) {
    bus_.publish(happened::Capture{*this, is_stderr, data});
  };
  cb.on_lost = [this, is_stderr](size_t bytes) {
    bus_.publish(happened::OutputLost{*this, is_stderr, bytes});
  };
  cb.on_error = [this, what](const std::string& path, const std::string& message) {
    log_.error("cannot write " + what + " log " + path + ": " + message);
  };
  auto r = logs::ChildLog::create(lc, ch, ctx, std::move(cb));
  if (!r) {
    log_.error("cannot create " + what + " log: " + r.error());
    return nullptr;
  }
  return std::move(*r);
}

void Instance::adopt(const Adoption& a, int spawns, std::vector<diagnosis::ExitRecord> exits,
                     const std::vector<std::string>& tail) {
  spawns_ = spawns;
  if (exits.size() > kMaxExitRecords)
    exits.erase(exits.begin(), exits.end() - static_cast<std::ptrdiff_t>(kMaxExitRecords));
  exits_ = std::move(exits);
  tail_.clear();
  for (const auto& line : tail) tail_.append(line + "\n");
  process_->adopt(a);
}

const std::string& Instance::log_path(bool is_stderr) const {
  static const std::string none;
  const auto& log = is_stderr ? stderr_log_ : stdout_log_;
  return log ? log->path() : none;
}

Status Instance::clear_logs() {
  for (auto* log : {stdout_log_.get(), stderr_log_.get()}) {
    if (!log || log->path().empty()) continue;
    if (Status st = log->clear(); !st) return st;
  }
  return Status::success();
}

void Instance::reopen_logs() {
  if (stdout_log_) (void)stdout_log_->reopen();
  if (stderr_log_) (void)stderr_log_->reopen();
}

void Instance::on_state_change(ProcessState from, ProcessState to) {
  if (to == ProcessState::Starting) {
    ++spawns_;
    if (stdout_log_) stdout_log_->started();
    if (stderr_log_) stderr_log_->started();
  } else if (process_->pid() == 0 && !process_->facts().draining) {
    // The child and its group are gone (its pipes are closed): what capture mode held
    // back goes to the log now, and the log files close until the next run's output.
    if (stdout_log_) stdout_log_->stopped();
    if (stderr_log_) stderr_log_->stopped();
  }
  bus_.publish(happened::StateChange{*this, from, to});
  run_watches();
}

void Instance::on_output(bool is_stderr, std::string_view bytes) {
  if (log_.enabled(logs::kLevelDebug)) {
    // Supervisor's dispatcher logs undecodable output as "Undecodable: b'...'".
    log_.debug("'" + name() + "' " + (is_stderr ? "stderr" : "stdout") + " output:\n" +
               events::render_data(bytes));
  }
  auto& log = is_stderr ? stderr_log_ : stdout_log_;
  if (log) log->on_output(bytes);
  // Crash diagnostics keep what the process said on stderr (stdout when redirected).
  if (is_stderr || config().redirect_stderr) tail_.append(bytes);
  bus_.publish(happened::Output{*this, is_stderr, bytes});
}

void Instance::on_exit(const fsm::ExitInfo& e) {
  diagnosis::ExitRecord rec{e, diagnosis::code_meaning(config().command, e.code())};
  // Extension (cgroups): memory_max reached, the kernel's OOM killer ended a member.
  if (int64_t oom = process_->last_oom_kills(); oom > 0)
    rec.meaning = "OOM killer: " + std::to_string(oom) + " process" + (oom > 1 ? "es" : "") +
                  " of its cgroup killed at memory_max";
  exits_.push_back(rec);
  if (exits_.size() > kMaxExitRecords) exits_.erase(exits_.begin(), exits_.end() - kMaxExitRecords);
  if (!(e.kind == fsm::ExitInfo::Kind::Stopped ||
        (e.kind == fsm::ExitInfo::Kind::Exited && e.expected))) {
    // Supervisor's line stays as it is (log parsers read it); ours follows it.
    std::string last = tail_.last_line();
    log_.warn("diagnosis: " + name() + " " + diagnosis::sentence(rec) +
              (last.empty() ? std::string("; no output on stderr")
                            : "; last output: " + events::render_data(last)));
  }
  bus_.publish(happened::Exit{*this, e});
}

void Instance::set_waiting(std::string text) {
  if (text == process_->waiting()) return;
  process_->set_waiting(std::move(text));
  run_watches();
}

void Instance::watch(Watch w) {
  if (w(retired_ ? nullptr : this)) return;
  INVARIANT(!retired_, "a watch on retired instance " + name() + " did not finish");
  watches_.push_back(std::move(w));
}

void Instance::run_watches() {
  // A watch may answer a call whose handler changes this instance's state again, or add
  // watches, or retire the instance: a nested call only asks for another pass, so no
  // change goes unseen, and watches keep the order they were added in.
  if (running_watches_) {
    rerun_watches_ = true;
    return;
  }
  running_watches_ = true;
  do {
    rerun_watches_ = false;
    std::vector<Watch> current;
    current.swap(watches_);
    std::vector<Watch> kept;
    for (auto& w : current)
      if (!w(retired_ ? nullptr : this)) kept.push_back(std::move(w));
    for (auto& w : watches_) kept.push_back(std::move(w));
    watches_.swap(kept);
  } while (rerun_watches_ && !watches_.empty());
  running_watches_ = false;
}

void Instance::retire() {
  retired_ = true;
  run_watches();
  INVARIANT(running_watches_ || watches_.empty(),
            "a watch on retired instance " + name() + " did not finish");
}

CommandStatus Instance::stop() {
  if (draining_) (void)draining_->stop();
  return process_->stop();
}

void Instance::shutdown() {
  if (draining_) draining_->shutdown();
  process_->shutdown();
}

CommandStatus Instance::begin_surge() {
  if (draining_) return {Fault::Failed, name() + " is already being replaced"};
  if (state() != ProcessState::Running) return {Fault::Failed, name() + " is not RUNNING"};
  std::unique_ptr<Process> next = process_->successor();
  draining_ = std::move(process_);
  process_ = std::move(next);
  CommandStatus st = process_->start();
  if (!st.ok()) {
    end_surge(false);
    return st;
  }
  process_->set_surge_note("draining pid " + std::to_string(draining_->pid()));
  log_.info("surge: " + name() + " replacement pid " + std::to_string(process_->pid()) +
            " started next to pid " + std::to_string(draining_->pid()));
  return st;
}

void Instance::end_surge(bool keep) {
  if (!draining_) return;
  if (!keep && draining_->state() == ProcessState::Running) {
    // The old master never stopped serving: it is the process again, the replacement
    // drains instead (the Bus hears the instance is RUNNING again).
    ProcessState shown = process_->state();
    std::swap(process_, draining_);
    process_->take_listen(*draining_);
    process_->set_surge_note("");
    log_.warn("surge: " + name() + " replacement given up; pid " + std::to_string(process_->pid()) +
              " keeps serving");
    if (shown != process_->state())
      bus_.publish(happened::StateChange{*this, shown, process_->state()});
    run_watches();
  }
  if (is_stopped_state(draining_->state())) return drained();
  (void)draining_->stop();
}

// The draining master is gone with its group: its Process closes (it is freed in the
// close callback, never inside its own step).
void Instance::drained() {
  Process* p = draining_.release();
  if (!p) return;
  process_->set_surge_note("");
  log_.info("surge: " + name() + " old master drained");
  ++disposing_;
  p->close([this, p] {
    delete p;
    --disposing_;
    if (close_done_ && disposing_ == 0 && !draining_) close_process();
  });
  run_watches();
}

void Instance::close(std::function<void()> done) {
  close_done_ = std::move(done);
  // A draining master is stopped (bounded by its stopwaitsecs) before anything closes.
  if (draining_ && !is_stopped_state(draining_->state())) return (void)draining_->stop();
  if (draining_) drained();
  if (disposing_ == 0) close_process();
}

void Instance::close_process() {
  process_->close(std::exchange(close_done_, nullptr));
}

std::vector<pid_t> Instance::workers(const proctree::Snapshot& snap) const {
  const Process& p = process();
  const pid_t master = p.pid();
  std::vector<pid_t> out;
  if (master > 0) out = snap.workers(master, p.pgid() > 0 ? p.pgid() : master);
  if (!p.cgroup_dir().empty()) {
    for (pid_t m : cgroup::Manager::members(p.cgroup_dir()))
      if (m != master && snap.find(m)) out.push_back(m);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
