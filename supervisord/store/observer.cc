// observer.cc — Process state changes -> Store rows.
#include "supervisord/store/observer.h"

#include "supervisord/process/process.h"
#include "supervisord/store/proc_stat.h"
#include "supervisord/store/store.h"
#include "supervisord/supervisor.h"

namespace store {
namespace {

bool ends_instance(ProcessState to) {
  // With reap_group these come only once the master's whole group is gone.
  return to == ProcessState::Stopped || to == ProcessState::Exited || to == ProcessState::Backoff ||
         to == ProcessState::Fatal;
}

}  // namespace

InstanceRecord instance_record(const Process& p) {
  InstanceRecord r;
  r.group = p.group();
  r.name = p.name();
  r.pid = p.pid();
  r.pgid = p.pgid() > 0 ? p.pgid() : p.pid();
  r.stopsignal = p.config().stopsignal;
  r.stopwaitsecs = p.config().stopwaitsecs;
  r.stopasgroup = p.config().stopasgroup;
  if (auto st = read_proc_stat(p.pid()))
    r.start_ticks = st->start_ticks;
  else
    r.pid = 0;
  return r;
}

Observer::Observer(Supervisor& supervisor, Store& store, bool remember_state)
    : supervisor_(supervisor), store_(store), remember_state_(remember_state) {
  subscription_ = supervisor_.bus().subscribe<happened::StateChange>(
      [this](const happened::StateChange& e) { on_change(e.instance.process(), e.from, e.to); });
  store_.set_before_flush([this] { resolve(); });
}

Observer::~Observer() {
  supervisor_.bus().unsubscribe(subscription_);
  // The store may flush after this observer is gone (close() flushes): its hook must not
  // call back into freed memory. What is still pending is recorded now instead.
  store_.set_before_flush(nullptr);
  resolve();
}

void Observer::on_change(const Process& p, ProcessState from, ProcessState to) {
  if (!store_.enabled()) return;
  Pending item;
  HistoryEntry& h = item.entry;
  h.time_ms = wall_clock_ms();
  h.group = p.group();
  h.name = p.name();
  h.from = from;
  h.to = to;
  h.pid = p.pid();
  // An exit is reported after the master's pid was cleared: name the pid that exited.
  if (h.pid == 0 && ends_instance(to) && is_signallable_state(from)) h.pid = p.facts().run_pid;
  h.tries = p.backoff();
  if (ends_instance(to)) {
    // A run that ended in this change: its exit as the fsm decoded it (the facts' own
    // exitstatus may already belong to the restart that follows in the same step).
    if (is_signallable_state(from)) {
      h.exitstatus = p.last_exit().code();
      h.signal = p.last_exit().signal();
      h.oom_kills = p.last_oom_kills();  // extension (cgroups)
    } else {
      h.exitstatus = p.exitstatus();
    }
    h.spawnerr = p.spawnerr();
  }
  if (to == ProcessState::Starting) item.laststart_ms = p.facts().laststart_ms;
  pending_.push_back(std::move(item));

  if (ends_instance(to)) store_.forget_instance(p.group(), p.name());
  if (remember_state_) {
    // An admin stop (stopProcess) is remembered; the stops of a shutdown or restart are not.
    if (to == ProcessState::Stopped && p.facts().administrative_stop && !p.facts().shutting_down &&
        supervisor_.state() == SupervisorState::Running)
      store_.set_admin_stopped(p.group(), p.name(), true);
    if (to == ProcessState::Starting) store_.set_admin_stopped(p.group(), p.name(), false);
  }
  store_.request_flush();
}

void Observer::resolve() {
  std::vector<Pending> items;
  items.swap(pending_);
  for (Pending& item : items) {
    HistoryEntry& h = item.entry;
    if (h.to == ProcessState::Starting) {
      // The spawn this entry announced: still the same one (laststart) and forked?
      const Process* p = nullptr;
      if (auto inst = supervisor_.find(h.group, h.name)) p = &inst->process();
      if (p && p->facts().laststart_ms == item.laststart_ms) {
        if (p->pid() > 0) h.pid = p->pid();
        if (p->pid() > 0 && is_signallable_state(p->state())) {
          InstanceRecord r = instance_record(*p);
          if (r.pid > 0) store_.record_instance(std::move(r));
        }
      }
    }
    store_.record_history(std::move(h));
  }
}

}  // namespace store
