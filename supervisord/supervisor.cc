#include "supervisord/supervisor.h"

#include <algorithm>

#include "supervisord/diagnosis.h"
#include "supervisord/events/bus.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/resource_limits.h"

std::shared_ptr<ProcessSlot> Group::find(const std::string& process_name) const {
  for (auto& s : slots)
    if (s->process->name() == process_name) return s;
  return nullptr;
}

Supervisor::Supervisor(uv_loop_t* loop, Reaper& reaper, logs::DaemonLog& log)
    : loop_(loop), reaper_(reaper), log_(log) {}

Supervisor::~Supervisor() = default;

void Supervisor::fit_limits() {
  limits::fit(*config_, [this](int level, const std::string& text) { log_.log(level, text); });
}

void Supervisor::set_config(std::shared_ptr<const config::Config> config, std::string server_url) {
  config_ = std::move(config);
  fit_limits();
  server_url_ = std::move(server_url);
  for (auto& gc : config_->groups) {
    groups_.push_back(make_group(gc));
    if (taps_.group_changed) taps_.group_changed(*groups_.back(), true);
  }
}

void Supervisor::replace_config(std::shared_ptr<const config::Config> next) {
  config_ = std::move(next);
  fit_limits();
}

Group* Supervisor::find_group(const std::string& name) {
  for (auto& g : groups_)
    if (g->name() == name) return g.get();
  return nullptr;
}

std::unique_ptr<Group> Supervisor::make_group(std::shared_ptr<const config::GroupConfig> gc) {
  auto g = std::make_unique<Group>();
  g->config = gc;
  for (auto& pc : gc->processes) g->slots.push_back(make_slot(pc));
  std::stable_sort(g->slots.begin(), g->slots.end(), [](const auto& a, const auto& b) {
    return a->process->config().priority < b->process->config().priority;
  });
  return g;
}

std::shared_ptr<ProcessSlot> Supervisor::make_slot(
    std::shared_ptr<const config::ProcessConfig> pc) {
  auto slot = std::make_shared<ProcessSlot>();
  ProcessSlot* raw = slot.get();
  const auto& sd = config_->supervisord;
  logs::ChildLogContext ctx{pc->name, sd.identifier, sd.childlogdir, sd.strip_ansi};
  auto make_log = [&](const config::LogConfig& lc,
                      logs::Channel ch) -> std::unique_ptr<logs::ChildLog> {
    logs::ChildLogCallbacks cb;
    std::string what = pc->name + " " + std::string(logs::channel_name(ch));
    bool err = ch == logs::Channel::Stderr;
    cb.on_log_event = [this, raw, err](std::string_view data) {
      if (taps_.log_event && raw->process) taps_.log_event(*raw->process, err, data);
    };
    cb.on_capture = [this, raw, err](std::string data) {
      if (taps_.capture_event && raw->process)
        taps_.capture_event(*raw->process, err, std::move(data));
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
  };
  slot->stdout_log = make_log(pc->stdout_log, logs::Channel::Stdout);
  if (!pc->redirect_stderr) slot->stderr_log = make_log(pc->stderr_log, logs::Channel::Stderr);

  Process::Hooks hooks;
  hooks.on_state_change = [this, raw](Process& p, ProcessState from, ProcessState to) {
    on_state_change(*raw, p, from, to);
  };
  hooks.on_output = [this, raw](Process& p, bool is_stderr, std::string_view bytes) {
    if (log_.enabled(logs::kLevelDebug)) {
      // Supervisor's dispatcher logs undecodable output as "Undecodable: b'...'".
      log_.debug("'" + p.name() + "' " + (is_stderr ? "stderr" : "stdout") + " output:\n" +
                 events::render_data(bytes));
    }
    auto& log = is_stderr ? raw->stderr_log : raw->stdout_log;
    if (log) log->on_output(bytes);
    // Crash diagnostics keep what the process said on stderr (stdout when redirected).
    if (is_stderr || p.config().redirect_stderr) raw->tail.append(bytes);
    if (taps_.output) taps_.output(p, is_stderr, bytes);
  };
  hooks.on_log = [this](int level, std::string text) { log_.log(level, text); };
  hooks.on_exit = [this, raw](Process&, const fsm::ExitInfo& e) { record_exit(*raw, e); };
  spawn::SpawnContext sc{server_url_, sd.environment, log_.enabled(logs::kLevelDebug)};
  slot->process = std::make_unique<Process>(loop_, reaper_, pc, sc, std::move(hooks));
  return slot;
}

// `slot` owns `p` (the hook that calls this captures it), so no lookup by name: with
// numprocs=1000 a search per state change made startup quadratic.
void Supervisor::on_state_change(ProcessSlot& slot, Process& p, ProcessState from,
                                 ProcessState to) {
  if (to == ProcessState::Starting) {
    ++slot.spawns;
    if (slot.stdout_log) slot.stdout_log->started();
    if (slot.stderr_log) slot.stderr_log->started();
  } else if (p.pid() == 0 && !p.facts().draining) {
    // The child and its group are gone (its pipes are closed): what capture mode held
    // back goes to the log now, and the log files close until the next run's output.
    if (slot.stdout_log) slot.stdout_log->stopped();
    if (slot.stderr_log) slot.stderr_log->stopped();
  }
  for (auto& l : listeners_) l(p, from, to);
  run_waiters();
}

void Supervisor::add_waiter(Waiter w) {
  if (w()) return;
  waiters_.push_back(std::move(w));
  if (running_waiters_) rerun_waiters_ = true;
}

void Supervisor::run_waiters() {
  // A waiter may answer an RPC whose handler changes states again, or add waiters: such
  // re-entrant calls only ask for another pass, so no change goes unnoticed.
  if (running_waiters_) {
    rerun_waiters_ = true;
    return;
  }
  running_waiters_ = true;
  do {
    rerun_waiters_ = false;
    std::vector<Waiter> current;
    current.swap(waiters_);
    for (auto& w : current)
      if (!w()) waiters_.push_back(std::move(w));
  } while (rerun_waiters_);
  running_waiters_ = false;
}

void Supervisor::autostart(const std::function<bool(const Process&)>& skip) {
  if (state_ != SupervisorState::Running) return;
  std::vector<Group*> order;
  for (auto& g : groups_) order.push_back(g.get());
  std::stable_sort(order.begin(), order.end(),
                   [](Group* a, Group* b) { return a->config->priority < b->config->priority; });
  for (Group* g : order)
    for (auto& slot : g->slots)
      if (!skip || !skip(*slot->process)) autostart_queue_.push_back(slot);
  autostart_slice();
}

// Spawns from the autostart queue for kAutostartSliceNs, then lets the loop run (answer
// RPCs, reap, read output) before the next slice: with 1000 autostart programs the
// control socket answers at once instead of after every spawn (Python Supervisor: ~6 s).
void Supervisor::autostart_slice() {
  const uint64_t deadline = uv_hrtime() + kAutostartSliceNs;
  while (autostart_next_ < autostart_queue_.size() && state_ == SupervisorState::Running) {
    if (auto slot = autostart_queue_[autostart_next_++].lock()) slot->process->autostart();
    if (autostart_next_ < autostart_queue_.size() && uv_hrtime() >= deadline) {
      if (!autostart_idle_) {
        autostart_idle_ = new uv_idle_t;
        uv_idle_init(loop_, autostart_idle_);
        autostart_idle_->data = this;
      }
      // An active idle handle makes the loop poll without blocking, then call us again.
      uv_idle_start(autostart_idle_, [](uv_idle_t* h) {
        uv_idle_stop(h);
        static_cast<Supervisor*>(h->data)->autostart_slice();
      });
      return;
    }
  }
  autostart_queue_.clear();
  autostart_next_ = 0;
}

bool Supervisor::add_group(const std::string& name) {
  for (auto& gc : config_->groups) {
    if (gc->name != name) continue;
    auto g = make_group(gc);
    // Runtime order: priority, ties in the order groups were added.
    auto pos = std::upper_bound(
        groups_.begin(), groups_.end(), gc->priority,
        [](int prio, const std::unique_ptr<Group>& x) { return prio < x->config->priority; });
    Group* added = g.get();
    groups_.insert(pos, std::move(g));
    if (taps_.group_changed) taps_.group_changed(*added, true);
    if (state_ == SupervisorState::Running)
      for (auto& slot : added->slots) slot->process->autostart();
    return true;
  }
  return false;
}

bool Supervisor::remove_group(const std::string& name) {
  for (auto it = groups_.begin(); it != groups_.end(); ++it) {
    if ((*it)->name() != name) continue;
    std::unique_ptr<Group> g = std::move(*it);
    groups_.erase(it);
    if (taps_.group_changed) taps_.group_changed(*g, false);
    close_group(std::move(g), [] {});
    return true;
  }
  return false;
}

void Supervisor::close_group(std::unique_ptr<Group> group, std::function<void()> done) {
  auto holder = std::make_shared<std::unique_ptr<Group>>(std::move(group));
  auto remaining = std::make_shared<size_t>((*holder)->slots.size());
  ++closing_;
  auto finish = [this, holder, done]() {
    --closing_;
    holder->reset();
    done();
  };
  if (*remaining == 0) return finish();
  for (auto& slot : (*holder)->slots) {
    slot->process->close([remaining, finish]() {
      if (--*remaining == 0) finish();
    });
  }
}

void Supervisor::stop_all_ordered(std::function<void()> done) {
  auto order = std::make_shared<std::vector<std::string>>();
  std::vector<Group*> gs;
  for (auto& g : groups_) gs.push_back(g.get());
  // Supervisor's shutdown sorts its groups by priority (ties keep the order they were
  // added: the config's priority-then-name order, later additions after) and stops the
  // last of that list first: the exact reverse. So equal priorities stop in reverse name
  // order, as the last started is the first stopped.
  std::stable_sort(gs.begin(), gs.end(),
                   [](Group* a, Group* b) { return a->config->priority < b->config->priority; });
  for (auto it = gs.rbegin(); it != gs.rend(); ++it) order->push_back((*it)->name());
  stop_next_group(order, std::move(done));
}

void Supervisor::stop_next_group(std::shared_ptr<std::vector<std::string>> order,
                                 std::function<void()> done) {
  while (!order->empty()) {
    std::string name = order->front();
    order->erase(order->begin());
    Group* g = find_group(name);
    if (!g) continue;
    // Within a group every process is told at once, in the reverse of the slots' order
    // (priority, then name): Supervisor's stop_all sorts by priority and reverses.
    for (auto it = g->slots.rbegin(); it != g->slots.rend(); ++it) (*it)->process->shutdown();
    add_waiter([this, name, order, done]() {
      Group* g = find_group(name);
      if (g) {
        for (auto& slot : g->slots)
          if (!is_stopped_state(slot->process->state())) return false;
      }
      // Continue outside the waiter loop's iteration.
      stop_next_group(order, done);
      return true;
    });
    return;
  }
  done();
}

void Supervisor::close(std::function<void()> done) {
  autostart_queue_.clear();
  autostart_next_ = 0;
  if (autostart_idle_) {
    uv_close(reinterpret_cast<uv_handle_t*>(autostart_idle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
    autostart_idle_ = nullptr;
  }
  auto remaining = std::make_shared<size_t>(groups_.size());
  if (groups_.empty()) return done();
  std::vector<std::unique_ptr<Group>> gs;
  gs.swap(groups_);
  for (auto& g : gs) {
    close_group(std::move(g), [remaining, done]() {
      if (--*remaining == 0) done();
    });
  }
}

void Supervisor::reopen_logs() {
  for (auto& g : groups_)
    for (auto& slot : g->slots) {
      if (slot->stdout_log) (void)slot->stdout_log->reopen();
      if (slot->stderr_log) (void)slot->stderr_log->reopen();
    }
}

void Supervisor::stop_group(const std::string& name, std::function<void()> done) {
  Group* g = find_group(name);
  if (!g) return done();
  for (auto& slot : g->slots)
    if (is_running_state(slot->process->state())) (void)slot->process->stop();
  add_waiter([this, name, done]() {
    if (Group* g = find_group(name))
      for (auto& slot : g->slots)
        if (!is_stopped_state(slot->process->state())) return false;
    done();
    return true;
  });
}

void Supervisor::update_group(const config::ProcessDiff& diff,
                              std::shared_ptr<const config::GroupConfig> next,
                              std::function<void()> done) {
  Group* g = find_group(diff.group);
  if (!g) return done();
  std::vector<std::string> going = diff.removed;
  going.insert(going.end(), diff.changed.begin(), diff.changed.end());
  for (const auto& name : going)
    if (auto slot = g->find(name); slot && is_running_state(slot->process->state()))
      (void)slot->process->stop();
  std::string group_name = diff.group;
  add_waiter([this, group_name, going, next, diff, done]() {
    Group* g = find_group(group_name);
    if (!g) {
      done();
      return true;
    }
    for (const auto& name : going)
      if (auto slot = g->find(name); slot && !is_stopped_state(slot->process->state()))
        return false;
    // Everything that goes is stopped: swap it out, close it, build what comes.
    auto leaving = std::make_unique<Group>();
    leaving->config = g->config;
    for (auto it = g->slots.begin(); it != g->slots.end();) {
      if (std::find(going.begin(), going.end(), (*it)->process->name()) != going.end()) {
        leaving->slots.push_back(std::move(*it));
        it = g->slots.erase(it);
      } else {
        ++it;
      }
    }
    close_group(std::move(leaving), [] {});
    std::vector<std::string> coming = diff.added;
    coming.insert(coming.end(), diff.changed.begin(), diff.changed.end());
    std::vector<ProcessSlot*> fresh;
    for (auto& pc : next->processes) {
      if (std::find(coming.begin(), coming.end(), pc->name) == coming.end()) continue;
      g->slots.push_back(make_slot(pc));
      fresh.push_back(g->slots.back().get());
    }
    g->config = next;
    std::stable_sort(g->slots.begin(), g->slots.end(), [](const auto& a, const auto& b) {
      return a->process->config().priority < b->process->config().priority;
    });
    std::stable_sort(groups_.begin(), groups_.end(), [](const auto& a, const auto& b) {
      return a->config->priority < b->config->priority;
    });
    if (state_ == SupervisorState::Running)
      for (ProcessSlot* slot : fresh) slot->process->autostart();
    done();
    return true;
  });
}

void Supervisor::record_exit(ProcessSlot& slot, const fsm::ExitInfo& e) {
  const Process& p = *slot.process;
  diagnosis::ExitRecord rec{e, diagnosis::code_meaning(p.config().command, e.code())};
  slot.exits.push_back(rec);
  if (slot.exits.size() > kMaxExitRecords)
    slot.exits.erase(slot.exits.begin(), slot.exits.end() - kMaxExitRecords);
  if (e.kind == fsm::ExitInfo::Kind::Stopped ||
      (e.kind == fsm::ExitInfo::Kind::Exited && e.expected))
    return;
  // Supervisor's line stays as it is (log parsers read it); ours follows it.
  std::string last = slot.tail.last_line();
  log_.warn("diagnosis: " + p.name() + " " + diagnosis::sentence(rec) +
            (last.empty() ? std::string("; no output on stderr")
                          : "; last output: " + events::render_data(last)));
}
