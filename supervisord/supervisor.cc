#include "supervisord/supervisor.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string_view>
#include <unordered_map>

#include "common/namespec.h"
#include "supervisord/config/depends.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/startup/limits.h"

namespace {

bool by_priority(const std::unique_ptr<Group>& a, const std::unique_ptr<Group>& b) {
  return a->config().priority < b->config().priority;
}

// A fault with the name the client asked for when the process gave none (Supervisor puts
// the requested name in ALREADY_STARTED, NOT_RUNNING, SPAWN_ERROR ...).
CommandStatus named(CommandStatus st, const std::string& name) {
  if (!st.ok() && st.detail.empty()) st.detail = name;
  return st;
}

// startProcessGroup's choice: not STARTING, RUNNING or BACKOFF (STOPPING included).
bool is_not_running(ProcessState state) {
  return !is_running_state(state);
}

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, Reaper& reaper, logs::DaemonLog& log)
    : loop_(loop), reaper_(reaper), log_(log) {}

Supervisor::~Supervisor() = default;

// ---- config and state ----

void Supervisor::fit_limits() {
  limits::fit(*config_, [this](int level, const std::string& text) { log_.log(level, text); });
}

void Supervisor::set_config(std::shared_ptr<const config::Config> config, std::string server_url) {
  config_ = std::move(config);
  fit_limits();
  server_url_ = std::move(server_url);
  any_depends_ = config::depends::any(config_->groups);
  for (auto& gc : config_->groups) add_group(gc, ApplyOptions{{}, /*autostart=*/false, false});
  refresh_dependencies();
  bus_.publish(happened::ConfigApplied{*config_});
}

config::Diff Supervisor::reread(std::shared_ptr<const config::Config> next) {
  // Compare the running groups (not the last config read) with the new one; the
  // [supervisord] settings (environment) are the last read's.
  config::Config live = *config_;
  live.groups.clear();
  for (auto& g : groups_) live.groups.push_back(g->config_ptr());
  config::Diff df = config::diff(live, *next);
  config_ = std::move(next);
  any_depends_ = any_depends_ || config::depends::any(config_->groups);
  fit_limits();
  return df;
}

void Supervisor::set_state(SupervisorState s) {
  if (s == state_) return;
  SupervisorState was = state_;
  state_ = s;
  bus_.publish(happened::DaemonState{was, s});
}

// ---- lookups ----

Group* Supervisor::find_group(const std::string& name) const {
  for (auto& g : groups_)
    if (g->name() == name) return g.get();
  return nullptr;
}

std::shared_ptr<Instance> Supervisor::find(const std::string& namespec) const {
  auto [group, process] = namespec::parse(namespec);
  return process ? find(group, *process) : nullptr;
}

std::shared_ptr<Instance> Supervisor::find(const std::string& group,
                                           const std::string& name) const {
  Group* g = find_group(group);
  return g ? g->find(name) : nullptr;
}

std::vector<const Instance*> Supervisor::instances_by_name() const {
  // Groups by name (a few), then each group's instances, which are usually in name order
  // already (numprocs fans out name_00, name_01, ...): checked in one pass, sorted only
  // when not. A sort of all 1000 by (group, name) was a fifth of getAllProcessInfo.
  std::vector<const Group*> by_group;
  by_group.reserve(groups_.size());
  for (auto& g : groups_) by_group.push_back(g.get());
  std::sort(by_group.begin(), by_group.end(),
            [](const Group* x, const Group* y) { return x->name() < y->name(); });
  std::vector<const Instance*> all;
  for (const Group* g : by_group) {
    const size_t first = all.size();
    for (auto& i : g->instances()) all.push_back(i.get());
    auto by_name = [](const Instance* x, const Instance* y) { return x->name() < y->name(); };
    if (!std::is_sorted(all.begin() + first, all.end(), by_name))
      std::sort(all.begin() + first, all.end(), by_name);
  }
  return all;
}

// ---- commands ----

void Supervisor::start(const Selector& sel, bool wait, Completion done) {
  run_command(
      sel, is_not_running,
      [this, wait](Instance& inst, const std::string& name) -> Answer {
        CommandStatus st =
            any_depends_ ? start_one(find_group(inst.group())->find(inst.name())) : inst.start();
        if (!st.ok()) return {named(st, name), {}};
        if (inst.state() == ProcessState::Running || !wait) return {CommandStatus::success(), {}};
        return {std::nullopt, [this, name](const Instance* i) -> std::optional<CommandStatus> {
                  if (!i) return CommandStatus{Fault::AbnormalTermination, name};
                  ProcessState state = i->state();
                  if (state == ProcessState::Running) return CommandStatus::success();
                  // Waiting for its dependencies: fails once one of them gave up.
                  if (is_stopped_state(state) && !i->process().waiting().empty()) {
                    if (!dependency_failed(*i)) return std::nullopt;
                    return CommandStatus{Fault::AbnormalTermination, name};
                  }
                  if (!i->process().spawnerr().empty())
                    return CommandStatus{Fault::SpawnError, name};
                  if (state != ProcessState::Starting)
                    return CommandStatus{Fault::AbnormalTermination, name};
                  return std::nullopt;
                }};
      },
      std::move(done), /*deps_first=*/true);
}

void Supervisor::stop(const Selector& sel, bool wait, Completion done) {
  // With dependencies, a stop of several (all, a group) stops dependents first, as the
  // shutdown does: an instance is told only once those of the same call that depend on
  // it have stopped. Keyed by the dependency; the dependents not stopped yet.
  std::unordered_map<const Instance*, std::vector<std::shared_ptr<Instance>>> after;
  if (any_depends_ && state_ == SupervisorState::Running) {
    // A waiting instance stops waiting; stopping a dependency leaves its dependents
    // running (unless they are bound to it: depends_on_bind) but says so.
    auto chosen = selected(sel);
    for (auto& d : chosen) {
      if (is_stopped_state(d->state())) continue;
      for (auto& dep : dependencies(*d))
        if (std::find(chosen.begin(), chosen.end(), dep) != chosen.end())
          after[dep.get()].push_back(d);
    }
    bool was_waiting = false;
    for (auto& inst : chosen) was_waiting = cancel_wait(*inst) || was_waiting;
    for (auto& inst : chosen) {
      if (!is_running_state(inst->state())) continue;
      for (auto& d : dependents(*inst)) {
        const Depends* dd = depends_of(*d);
        if (!is_running_state(d->state()) || (dd && dd->bind) ||
            std::find(chosen.begin(), chosen.end(), d) != chosen.end())
          continue;
        log_.warn("stopping " + namespec::make(inst->group(), inst->name()) + " while " +
                  namespec::make(d->group(), d->name()) +
                  " depends on it; it keeps running (depends_on_bind=false)");
      }
    }
    if (sel.kind == Selector::Kind::Namespec && chosen.size() == 1 && was_waiting &&
        !is_running_state(chosen[0]->state())) {
      Outcome out;
      out.status = CommandStatus::success();
      return done(std::move(out));
    }
  }
  run_command(
      sel, is_running_state,
      [this, wait, after = std::move(after)](Instance& inst, const std::string& name) -> Answer {
        auto first = after.find(&inst);
        CommandStatus st = first == after.end() ? inst.stop() : stop_after(inst, first->second);
        if (!st.ok()) return {named(st, name), {}};
        if (is_stopped_state(inst.state()) || !wait) return {CommandStatus::success(), {}};
        return {std::nullopt, [](const Instance* i) -> std::optional<CommandStatus> {
                  if (i && !is_stopped_state(i->state())) return std::nullopt;
                  return CommandStatus::success();
                }};
      },
      std::move(done));
}

CommandStatus Supervisor::stop_after(Instance& inst,
                                     const std::vector<std::shared_ptr<Instance>>& first) {
  auto left = std::make_shared<size_t>(first.size());
  std::weak_ptr<Instance> target = find_group(inst.group())->find(inst.name());
  for (auto& d : first)
    d->watch([left, target](const Instance* i) {
      if (i && !is_stopped_state(i->state())) return false;
      if (--*left == 0)
        if (auto t = target.lock(); t && is_running_state(t->state())) (void)t->stop();
      return true;
    });
  return CommandStatus::success();
}

void Supervisor::signal(const Selector& sel, int sig, Completion done) {
  run_command(
      sel, is_signallable_state,
      [sig](Instance& inst, const std::string& name) -> Answer {
        return {named(inst.signal(sig), name), {}};
      },
      std::move(done));
}

void Supervisor::restart(const Selector& sel, Completion done) {
  stop(sel, /*wait=*/true, [this, sel, done = std::move(done)](Outcome stopped) {
    if (!stopped.status.ok() && stopped.status.fault != Fault::NotRunning)
      return done(std::move(stopped));
    start(sel, /*wait=*/true, done);
  });
}

void Supervisor::run_command(const Selector& sel, bool (*eligible)(ProcessState),
                             const Command& one, Completion done, bool deps_first) {
  Outcome out;
  if (state_ != SupervisorState::Running) {
    out.status = {Fault::ShutdownState, ""};
    return done(std::move(out));
  }
  const Group* only = nullptr;
  if (sel.kind != Selector::Kind::All) {
    auto [group, process] = sel.kind == Selector::Kind::Namespec
                                ? namespec::parse(sel.text)
                                : namespec::NameSpec{sel.text, std::nullopt};
    only = find_group(group);
    std::shared_ptr<Instance> inst = (only && process) ? only->find(*process) : nullptr;
    if (!only || (process && !inst)) {
      out.status = {Fault::BadName, sel.text};
      return done(std::move(out));
    }
    if (inst) {
      Answer a = one(*inst, sel.text);
      if (a.now) {
        out.status = std::move(*a.now);
        return done(std::move(out));
      }
      return inst->watch([check = std::move(a.check), done](const Instance* i) {
        auto r = check(i);
        if (!r) return false;
        Outcome o;
        o.status = std::move(*r);
        done(std::move(o));
        return true;
      });
    }
  }

  // A group form: one result per eligible process, in Supervisor's answer order (its
  // make_allfunc): those answered at once first, in the group's order; then the others by
  // when they completed. Supervisor re-checks them every 50 ms in the group's order, so
  // those completing within 50 ms of the first of a batch keep the group's order.
  using Clock = std::chrono::steady_clock;
  struct Later {
    size_t index;
    Clock::time_point at;
  };
  struct Call {
    Outcome out;
    std::vector<Each> items;
    std::vector<Later> later;
    size_t pending = 0;
    Completion done;
    void finish() {
      constexpr auto kPoll = std::chrono::milliseconds(50);
      for (size_t b = 0; b < later.size();) {
        size_t e = b + 1;
        while (e < later.size() && later[e].at - later[b].at < kPoll) ++e;
        std::sort(later.begin() + static_cast<std::ptrdiff_t>(b),
                  later.begin() + static_cast<std::ptrdiff_t>(e),
                  [](const Later& x, const Later& y) { return x.index < y.index; });
        for (size_t i = b; i < e; ++i) out.each.push_back(std::move(items[later[i].index]));
        b = e;
      }
      auto d = std::move(done);
      d(std::move(out));
    }
  };
  auto call = std::make_shared<Call>();
  call->out.many = true;
  call->done = std::move(done);
  std::vector<std::pair<std::shared_ptr<Instance>, Answer>> waiting;
  // Chosen before any runs: a start may start another one's dependencies first.
  std::vector<std::pair<const Group*, std::shared_ptr<Instance>>> chosen;
  for (auto& g : groups_) {
    if (only && g.get() != only) continue;
    for (auto& inst : g->instances())
      if (eligible(inst->state())) chosen.emplace_back(g.get(), inst);
  }
  if (deps_first && any_depends_) {
    // Dependencies before their dependents (stable otherwise), so that a start does not
    // pull in one that this call starts anyway.
    std::vector<std::pair<const Group*, std::shared_ptr<Instance>>> ordered;
    while (!chosen.empty()) {
      size_t pick = 0;
      for (size_t i = 0; i < chosen.size(); ++i) {
        auto deps = dependencies(*chosen[i].second);
        bool ready = std::none_of(chosen.begin(), chosen.end(), [&deps](const auto& c) {
          return std::find(deps.begin(), deps.end(), c.second) != deps.end();
        });
        if (ready) {
          pick = i;
          break;
        }
      }
      ordered.push_back(chosen[pick]);
      chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    chosen.swap(ordered);
  }
  for (auto& [g, inst] : chosen) {
    Each each{g->name(), inst->name(), {}};
    Answer a = one(*inst, namespec::make(each.group, each.name));
    if (a.now) {
      each.status = std::move(*a.now);
      call->out.each.push_back(std::move(each));
    } else {
      call->items.push_back(std::move(each));
      waiting.emplace_back(inst, std::move(a));
    }
  }
  call->pending = waiting.size();
  if (call->pending == 0) return call->finish();
  for (size_t i = 0; i < waiting.size(); ++i) {
    waiting[i].first->watch(
        [call, i, check = std::move(waiting[i].second.check)](const Instance* inst) {
          auto r = check(inst);
          if (!r) return false;
          call->items[i].status = std::move(*r);
          call->later.push_back({i, Clock::now()});
          if (--call->pending == 0) call->finish();
          return true;
        });
  }
}

void Supervisor::when_stopped(const std::vector<std::shared_ptr<Instance>>& instances,
                              std::function<void()> done) {
  auto left = std::make_shared<size_t>(0);
  for (auto& i : instances)
    if (!is_stopped_state(i->state())) ++*left;
  if (*left == 0) return done();
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& i : instances) {
    if (is_stopped_state(i->state())) continue;
    i->watch([left, shared_done](const Instance* inst) {
      if (inst && !is_stopped_state(inst->state())) return false;
      if (--*left == 0) (*shared_done)();
      return true;
    });
  }
}

void Supervisor::stop_group(const std::string& name, std::function<void()> done) {
  Group* g = find_group(name);
  if (!g) return done();
  for (auto& inst : g->instances())
    if (is_running_state(inst->state())) (void)inst->stop();
  when_stopped(g->instances(), std::move(done));
}

// ---- applying a config ----

void Supervisor::apply(const config::Diff& diff, ApplyOptions options,
                       std::function<void(std::vector<std::string> lines)> done) {
  struct Job {
    std::vector<std::function<void(std::function<void()>)>> steps;
    size_t at = 0;
    std::vector<std::string> lines;
    std::function<void(std::vector<std::string>)> done;
    static void next(const std::shared_ptr<Job>& job) {
      if (job->at == job->steps.size()) {
        auto d = std::move(job->done);
        return d(std::move(job->lines));
      }
      auto step = job->steps[job->at++];
      step([job]() { next(job); });
    }
  };
  auto job = std::make_shared<Job>();
  job->done = std::move(done);
  auto wanted = [&options](const std::string& g) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), g) != options.only.end();
  };
  for (auto& name : options.only)
    if (!find_group(name) && !config_->find_group(name))
      job->lines.push_back("ERROR: no such group: " + name);
  Job* j = job.get();  // the steps run while `job` holds it
  for (const auto& name : diff.removed) {
    if (!wanted(name)) continue;
    job->steps.push_back([this, j, name](std::function<void()> next) {
      stop_group(name, [this, j, name, next]() {
        j->lines.push_back(name + ": stopped");
        remove_group(name);
        j->lines.push_back(name + ": removed process group");
        next();
      });
    });
  }
  auto config_of = [this](const std::string& name) {
    for (auto& g : config_->groups)
      if (g->name == name) return g;
    return std::shared_ptr<const config::GroupConfig>();
  };
  for (size_t i = 0; i < diff.changed.size(); ++i) {
    const std::string& name = diff.changed[i];
    if (!wanted(name)) continue;
    job->steps.push_back([this, j, name, pd = diff.processes[i], gc = config_of(name),
                          options](std::function<void()> next) {
      update_group(pd, gc, options, [j, name, next]() {
        j->lines.push_back(name + ": updated process group");
        next();
      });
    });
  }
  for (const auto& name : diff.added) {
    if (!wanted(name)) continue;
    job->steps.push_back(
        [this, j, name, gc = config_of(name), options](std::function<void()> next) {
          if (gc && !find_group(name)) add_group(gc, options);
          j->lines.push_back(name + ": added process group");
          next();
        });
  }
  job->steps.push_back([this](std::function<void()> next) {
    refresh_dependencies();
    bus_.publish(happened::ConfigApplied{*config_});
    next();
  });
  Job::next(job);
}

std::shared_ptr<Instance> Supervisor::make_instance(
    std::shared_ptr<const config::ProcessConfig> pc) {
  const auto& sd = config_->supervisord;
  spawn::SpawnContext sc;
  sc.server_url = server_url_;
  sc.supervisord_environment = sd.environment;
  sc.output_to_daemon_log = log_.enabled(logs::kLevelDebug);
  sc.spawner = spawner_;
  sc.cgroups = cgroups_;
  // One context for every instance made while these settings hold (numprocs=1000 made
  // 1000 equal copies); a new one when one of them changed.
  if (!spawn_context_ || !(*spawn_context_ == sc))
    spawn_context_ = std::make_shared<const spawn::SpawnContext>(std::move(sc));
  Instance::Context ctx{loop_, reaper_, bus_, log_, spawn_context_, sd};
  return std::make_shared<Instance>(ctx, std::move(pc));
}

void Supervisor::add_group(std::shared_ptr<const config::GroupConfig> gc,
                           const ApplyOptions& options) {
  auto g = std::make_unique<Group>(gc);
  for (auto& pc : gc->processes) g->add(make_instance(pc));
  // Runtime order: priority, ties in the order groups were added.
  auto pos = std::upper_bound(groups_.begin(), groups_.end(), g, by_priority);
  Group* added = groups_.insert(pos, std::move(g))->get();
  bus_.publish(happened::GroupChange{*added, true});
  if (state_ != SupervisorState::Running) return;
  for (auto& inst : added->instances()) {
    if (options.start_added)
      (void)start_one(inst);
    else if (options.autostart)
      autostart_one(inst);
  }
}

void Supervisor::remove_group(const std::string& name) {
  for (auto it = groups_.begin(); it != groups_.end(); ++it) {
    if ((*it)->name() != name) continue;
    std::unique_ptr<Group> g = std::move(*it);
    groups_.erase(it);
    bus_.publish(happened::GroupChange{*g, false});
    auto leaving = g->take_all();
    for (auto& inst : leaving) inst->retire();
    close_instances(std::move(leaving), [] {});
    return;
  }
}

void Supervisor::update_group(const config::ProcessDiff& diff,
                              std::shared_ptr<const config::GroupConfig> next,
                              const ApplyOptions& options, std::function<void()> done) {
  Group* g = find_group(diff.group);
  if (!g || !next) return done();
  std::vector<std::string> going = diff.removed;
  going.insert(going.end(), diff.changed.begin(), diff.changed.end());
  std::vector<std::shared_ptr<Instance>> leaving;
  for (const auto& name : going)
    if (auto inst = g->find(name)) {
      if (is_running_state(inst->state())) (void)inst->stop();
      leaving.push_back(std::move(inst));
    }
  when_stopped(leaving, [this, group = diff.group, going, next, diff, options, done]() {
    Group* g = find_group(group);
    if (!g) return done();
    // Everything that goes is stopped: take it out, close it, build what comes.
    auto leaving = g->take(going);
    for (auto& inst : leaving) inst->retire();
    close_instances(std::move(leaving), [] {});
    std::vector<std::string> coming = diff.added;
    coming.insert(coming.end(), diff.changed.begin(), diff.changed.end());
    std::vector<std::shared_ptr<Instance>> fresh;
    for (auto& pc : next->processes) {
      if (std::find(coming.begin(), coming.end(), pc->name) == coming.end()) continue;
      fresh.push_back(make_instance(pc));
      g->add(fresh.back());
    }
    g->set_config(next);
    std::stable_sort(groups_.begin(), groups_.end(), by_priority);
    if (state_ == SupervisorState::Running) {
      for (auto& inst : fresh) {
        bool added =
            std::find(diff.added.begin(), diff.added.end(), inst->name()) != diff.added.end();
        if (options.start_added && added)
          (void)start_one(inst);
        else if (options.autostart)
          autostart_one(inst);
      }
    }
    done();
  });
}

// ---- the daemon's run ----

void Supervisor::autostart(const std::function<bool(const Instance&)>& skip) {
  if (state_ != SupervisorState::Running) return;
  std::vector<Group*> order;
  for (auto& g : groups_) order.push_back(g.get());
  std::stable_sort(order.begin(), order.end(),
                   [](Group* a, Group* b) { return a->config().priority < b->config().priority; });
  for (Group* g : order)
    for (auto& inst : g->instances())
      if (!skip || !skip(*inst)) autostart_queue_.push_back(inst);
  autostart_slice();
}

// Spawns from the autostart queue for kAutostartSliceNs, then lets the loop run (answer
// RPCs, reap, read output) before the next slice: with 1000 autostart programs the
// control socket answers at once instead of after every spawn (Python Supervisor: ~6 s).
void Supervisor::autostart_slice() {
  const uint64_t deadline = uv_hrtime() + kAutostartSliceNs;
  while (autostart_next_ < autostart_queue_.size() && state_ == SupervisorState::Running) {
    if (auto inst = autostart_queue_[autostart_next_++].lock()) autostart_one(inst);
    // (Without an idle handle, which libuv cannot fail to make, the rest go at once.)
    if (autostart_next_ < autostart_queue_.size() && uv_hrtime() >= deadline &&
        (autostart_idle_ || autostart_idle_.init(loop_, uv_idle_init))) {
      autostart_idle_->data = this;
      // An active idle handle makes the loop poll without blocking, then call us again.
      uv_idle_start(autostart_idle_.get(), [](uv_idle_t* h) {
        uv_idle_stop(h);
        static_cast<Supervisor*>(h->data)->autostart_slice();
      });
      return;
    }
  }
  autostart_queue_.clear();
  autostart_next_ = 0;
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
                   [](Group* a, Group* b) { return a->config().priority < b->config().priority; });
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
    // Within a group every process is told at once, in the reverse of the group's order
    // (priority, then name): Supervisor's stop_all sorts by priority and reverses.
    // Continue outside the state change that completes the group.
    auto next = [this, order, done]() { stop_next_group(order, done); };
    if (any_depends_) return shutdown_with_dependents(g->instances(), next);
    const auto& instances = g->instances();
    for (auto it = instances.rbegin(); it != instances.rend(); ++it) (*it)->shutdown();
    when_stopped(instances, next);
    return;
  }
  done();
}

void Supervisor::reopen_logs() {
  for (auto& g : groups_)
    for (auto& inst : g->instances()) inst->reopen_logs();
}

void Supervisor::close_instances(std::vector<std::shared_ptr<Instance>> instances,
                                 std::function<void()> done) {
  if (instances.empty()) return done();
  auto remaining = std::make_shared<size_t>(instances.size());
  closing_ += static_cast<int>(instances.size());
  for (auto& inst : instances) {
    // The close callback holds the instance until its handles are closed.
    Instance* raw = inst.get();
    raw->close([this, inst, remaining, done]() mutable {
      --closing_;
      inst.reset();
      if (--*remaining == 0) done();
    });
  }
}

void Supervisor::close(std::function<void()> done) {
  waiting_.clear();
  bound_.clear();
  autostart_queue_.clear();
  autostart_next_ = 0;
  autostart_idle_.close();
  std::vector<std::shared_ptr<Instance>> all;
  for (auto& g : groups_)
    for (auto& inst : g->take_all()) all.push_back(std::move(inst));
  groups_.clear();
  close_instances(std::move(all), std::move(done));
}

// ---- start-order dependencies (extension) ----

const Supervisor::Depends* Supervisor::depends_of(const Instance& inst) const {
  auto it = depends_.find(namespec::make(inst.group(), inst.name()));
  return it == depends_.end() ? nullptr : &it->second;
}

// What each running instance depends on, from the last config read: an update applies a
// changed depends_on without replacing the instance (ProcessConfig's == leaves it out).
// Then every waiting instance is looked at again, and bindings follow the new lists.
void Supervisor::refresh_dependencies() {
  depends_.clear();
  // Each instance's configured entry by name: a scan of the group per instance was
  // quadratic (a group of 10,000 spent 1 s here on every update).
  std::unordered_map<std::string_view, const config::ProcessConfig*> configured;
  for (auto& g : groups_) {
    const config::GroupConfig* gc = config_->find_group(g->name());
    configured.clear();
    if (gc)
      for (auto& p : gc->processes) configured.insert_or_assign(p->name, p.get());
    for (auto& inst : g->instances()) {
      auto it = configured.find(inst->name());
      const config::ProcessConfig* pc = it != configured.end() ? it->second : &inst->config();
      if (pc->depends_on.empty()) continue;
      depends_[namespec::make(inst->group(), inst->name())] =
          Depends{pc->depends_on, pc->depends_on_bind};
    }
  }
  std::vector<std::shared_ptr<Instance>> waiters, bound;
  for (auto& [raw, w] : waiting_)
    if (auto inst = w.inst.lock(); inst && inst.get() == raw) waiters.push_back(inst);
  for (auto& [raw, w] : bound_)
    if (auto inst = w.inst.lock(); inst && inst.get() == raw) bound.push_back(inst);
  waiting_.clear();
  bound_.clear();
  for (auto& inst : waiters) {
    if (!is_stopped_state(inst->state()) || blocked_by(*inst).empty()) {
      inst->set_waiting("");
      if (is_stopped_state(inst->state())) (void)start_one(inst);
    } else {
      wait_for_dependencies(inst);
    }
  }
  for (auto& inst : bound)
    if (is_running_state(inst->state())) bind_to_dependencies(inst);
}

std::vector<std::shared_ptr<Instance>> Supervisor::dependencies(const Instance& inst) const {
  std::vector<std::shared_ptr<Instance>> out;
  const Depends* d = depends_of(inst);
  const std::vector<std::string>& items = d ? d->items : inst.config().depends_on;
  if (items.empty()) return out;
  config::depends::Groups running;
  for (auto& g : groups_) running.push_back(g->config_ptr());
  for (const auto& item : items) {
    for (const config::ProcessConfig* pc : config::depends::resolve(running, item)) {
      Group* g = find_group(pc->group);
      auto dep = g ? g->find(pc->name) : nullptr;
      if (dep && dep.get() != &inst && std::find(out.begin(), out.end(), dep) == out.end())
        out.push_back(std::move(dep));
    }
  }
  return out;
}

std::vector<std::shared_ptr<Instance>> Supervisor::dependents(const Instance& inst) const {
  std::vector<std::shared_ptr<Instance>> out;
  for (auto& g : groups_)
    for (auto& other : g->instances()) {
      if (other.get() == &inst) continue;
      auto deps = dependencies(*other);
      if (std::any_of(deps.begin(), deps.end(),
                      [&inst](const auto& d) { return d.get() == &inst; }))
        out.push_back(other);
    }
  return out;
}

std::string Supervisor::blocked_by(const Instance& inst) const {
  std::string out;
  for (auto& d : dependencies(inst)) {
    if (d->state() == ProcessState::Running) continue;
    out += out.empty() ? "waiting for " : ", ";
    out += namespec::make(d->group(), d->name()) + " (" + std::string(state_name(d->state()));
    // A dependency that waits itself says for what, so the reason reaches every level
    // (and a change of it runs the dependents' watches).
    if (is_stopped_state(d->state()) && !d->process().waiting().empty())
      out += ", " + d->process().waiting();
    out += ")";
  }
  return out;
}

// A dependency that will not come up by itself: FATAL, stopped with nothing starting it,
// or waiting for one that will not (no cycles: this ends).
bool Supervisor::dependency_failed(const Instance& inst) const {
  for (auto& d : dependencies(inst)) {
    ProcessState st = d->state();
    if (st == ProcessState::Fatal) return true;
    if (st != ProcessState::Stopped && st != ProcessState::Exited) continue;
    if (!waiting_.count(d.get()) || dependency_failed(*d)) return true;
  }
  return false;
}

void Supervisor::autostart_one(const std::shared_ptr<Instance>& inst) {
  if (!any_depends_ || !inst->config().autostart || inst->process().start_time() != 0 ||
      blocked_by(*inst).empty()) {
    bool fresh = inst->process().start_time() == 0;
    inst->autostart();
    if (fresh && any_depends_ && inst->process().start_time() != 0) bind_to_dependencies(inst);
    return;
  }
  wait_for_dependencies(inst);
}

// A start command on one instance: at once when its dependencies are RUNNING; else its
// stopped dependencies are started first (systemd's Requires= pulls them in the same way)
// and it waits for them.
CommandStatus Supervisor::start_one(const std::shared_ptr<Instance>& inst) {
  if (!any_depends_) return inst->start();
  if (blocked_by(*inst).empty()) {
    CommandStatus st = inst->start();
    if (st.ok()) bind_to_dependencies(inst);
    return st;
  }
  for (auto& d : dependencies(*inst))
    if (!is_running_state(d->state()) && d->state() != ProcessState::Stopping) (void)start_one(d);
  wait_for_dependencies(inst);
  return CommandStatus::success();
}

// The instance waits: each of its dependencies' state changes (after the Bus subscribers,
// through a watch) looks again, and so does its own (a bound instance may still be
// stopping). No polling, no timer.
void Supervisor::wait_for_dependencies(const std::shared_ptr<Instance>& inst) {
  uint64_t epoch = ++epoch_;
  waiting_[inst.get()] = Waiter{inst, epoch};
  inst->set_waiting(blocked_by(*inst));
  std::weak_ptr<Instance> w = inst;
  for (auto& d : dependencies(*inst))
    d->watch([this, w, epoch](const Instance* dep) { return !dep || recheck(w, epoch); });
  inst->watch([this, w, epoch](const Instance* self) { return !self || recheck(w, epoch); });
}

// true: this watch is done (the wait ended, or a newer one replaced it).
bool Supervisor::recheck(const std::weak_ptr<Instance>& waiter, uint64_t epoch) {
  auto inst = waiter.lock();
  if (!inst) return true;
  auto it = waiting_.find(inst.get());
  if (it == waiting_.end() || it->second.epoch != epoch) return true;
  if (state_ != SupervisorState::Running) {
    waiting_.erase(it);
    inst->set_waiting("");
    return true;
  }
  std::string why = blocked_by(*inst);
  if (!why.empty()) {
    inst->set_waiting(why);
    return false;
  }
  if (!is_stopped_state(inst->state())) return false;  // still stopping: its own watch
  waiting_.erase(it);
  log_.info("dependencies of " + namespec::make(inst->group(), inst->name()) +
            " are RUNNING: starting it");
  CommandStatus st = inst->start();  // before clearing the text: a waiting start call
  inst->set_waiting("");             // sees STARTING, not a stopped state without reason
  if (st.ok()) bind_to_dependencies(inst);
  return true;
}

// depends_on_bind: when one of its dependencies leaves RUNNING, the instance is stopped
// and waits for them again (systemd's BindsTo=); a restart of the dependency restarts it.
void Supervisor::bind_to_dependencies(const std::shared_ptr<Instance>& inst) {
  const Depends* d = depends_of(*inst);
  if (!(d ? d->bind : inst->config().depends_on_bind)) return;
  uint64_t epoch = ++epoch_;
  bound_[inst.get()] = Waiter{inst, epoch};
  std::weak_ptr<Instance> w = inst;
  for (auto& dep : dependencies(*inst)) {
    dep->watch([this, w, epoch](const Instance* dep) {
      auto inst = w.lock();
      auto it = inst ? bound_.find(inst.get()) : bound_.end();
      if (!dep || it == bound_.end() || it->second.epoch != epoch) return true;
      if (dep->state() == ProcessState::Running || dep->state() == ProcessState::Starting)
        return false;
      bound_.erase(it);
      if (!is_running_state(inst->state()) || state_ != SupervisorState::Running) return true;
      log_.info("stopping " + namespec::make(inst->group(), inst->name()) + ": " +
                namespec::make(dep->group(), dep->name()) + " is " +
                std::string(state_name(dep->state())) + " (depends_on_bind)");
      (void)inst->stop();
      wait_for_dependencies(inst);
      return true;
    });
  }
}

bool Supervisor::cancel_wait(Instance& inst) {
  bound_.erase(&inst);
  auto it = waiting_.find(&inst);
  if (it == waiting_.end()) return false;
  waiting_.erase(it);
  inst.set_waiting("");
  return true;
}

std::vector<std::shared_ptr<Instance>> Supervisor::selected(const Selector& sel) const {
  std::vector<std::shared_ptr<Instance>> out;
  if (sel.kind == Selector::Kind::Namespec) {
    auto [group, process] = namespec::parse(sel.text);
    if (process) {
      if (auto inst = find(sel.text)) out.push_back(std::move(inst));
      return out;
    }
  }
  for (auto& g : groups_) {
    if (sel.kind != Selector::Kind::All && g->name() != namespec::parse(sel.text).group) continue;
    for (auto& inst : g->instances()) out.push_back(inst);
  }
  return out;
}

// Shutdown with dependencies: the running dependents of `instances` (wherever they are)
// stop first, theirs before them, then `instances` all at once. The graph has no cycle
// (refused at load), so each level goes up it and ends.
void Supervisor::shutdown_with_dependents(std::vector<std::shared_ptr<Instance>> instances,
                                          std::function<void()> done) {
  std::vector<std::shared_ptr<Instance>> above;
  for (auto& inst : instances)
    for (auto& d : dependents(*inst))
      if (!is_stopped_state(d->state()) &&
          std::find(instances.begin(), instances.end(), d) == instances.end() &&
          std::find(above.begin(), above.end(), d) == above.end())
        above.push_back(d);
  auto stop_these = [instances, done]() {
    for (auto it = instances.rbegin(); it != instances.rend(); ++it) (*it)->shutdown();
    when_stopped(instances, done);
  };
  if (above.empty()) return stop_these();
  shutdown_with_dependents(std::move(above), stop_these);
}
