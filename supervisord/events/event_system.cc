#include "supervisord/events/event_system.h"

#include <unistd.h>

#include "common/text_io.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/supervisor.h"

namespace events {

namespace {
std::string key(const Process& p) {
  return p.group() + ":" + p.name();
}

// result_handler= as loaded (the loader accepts only the built-in names).
ResultHandler result_handler(const std::string& spec) {
  if (spec != config::kStdoutResultHandler) return default_result_handler;
  return [](std::string_view body) {
    auto text = stdout_relay_text(body);
    if (!text) return Verdict::Error;
    // Written through at once: the plugin's print() sits in Python's stdout buffer
    // until that fills or a log line flushes it.
    textio::write_all(STDOUT_FILENO, *text);
    return Verdict::Processed;
  };
}
}  // namespace

EventSystem::EventSystem(uv_loop_t* loop, Supervisor& supervisor, logs::DaemonLog& log)
    : supervisor_(supervisor), log_(log), ticker_(loop, [this](EventType type, int64_t when) {
        bus_.publish(type, tick_payload(when));
      }) {}

EventSystem::~EventSystem() {
  close();
  for (uint64_t id : subscriptions_) supervisor_.bus().unsubscribe(id);
}

void EventSystem::attach() {
  ::Bus& bus = supervisor_.bus();
  subscriptions_ = {
      bus.subscribe<happened::GroupChange>(
          [this](const happened::GroupChange& e) { group_changed(e.group, e.added); }),
      bus.subscribe<happened::Output>([this](const happened::Output& e) {
        output(e.instance.process(), e.is_stderr, e.bytes);
      }),
      bus.subscribe<happened::LogData>([this](const happened::LogData& e) {
        const Process& p = e.instance.process();
        // A listener's stdout is the protocol channel: never a PROCESS_LOG event (a
        // listener subscribed to PROCESS_LOG would otherwise feed on its own answers).
        if (!e.is_stderr && p.config().kind == config::ProgramKind::EventListener) return;
        bus_.publish(e.is_stderr ? EventType::ProcessLogStderr : EventType::ProcessLogStdout,
                     process_log_payload(p.name(), p.group(), p.pid(),
                                         e.is_stderr ? "stderr" : "stdout", e.data));
      }),
      bus.subscribe<happened::Capture>([this](const happened::Capture& e) {
        const Process& p = e.instance.process();
        if (!e.is_stderr && p.config().kind == config::ProgramKind::EventListener) return;
        bus_.publish(e.is_stderr ? EventType::ProcessCommunicationStderr
                                 : EventType::ProcessCommunicationStdout,
                     process_comm_payload(p.name(), p.group(), p.pid(), e.data));
      }),
      bus.subscribe<happened::StateChange>([this](const happened::StateChange& e) {
        state_changed(e.instance.process(), e.from, e.to);
      }),
      bus.subscribe<happened::DaemonState>([this](const happened::DaemonState& e) {
        if (e.from == SupervisorState::Running) supervisor_stopping();
      }),
  };
}

void EventSystem::supervisor_running() {
  bus_.publish(EventType::SupervisorStateChangeRunning, "");
  running_ = true;
  maybe_start_ticker();
  kick();
}

// Tick timers run only once some pool listens for TICK_*: a daemon without such a
// listener never wakes up on its own (no polling).
void EventSystem::maybe_start_ticker() {
  if (!running_) return;
  if (bus_.has_subscribers(EventType::Tick5) || bus_.has_subscribers(EventType::Tick60) ||
      bus_.has_subscribers(EventType::Tick3600))
    ticker_.start();
}

void EventSystem::supervisor_stopping() {
  bus_.publish(EventType::SupervisorStateChangeStopping, "");
  kick();
}

void EventSystem::remote(const std::string& type, const std::string& data) {
  bus_.publish(EventType::RemoteCommunication, remote_comm_payload(type, data));
  kick();
}

void EventSystem::close() {
  ticker_.close();
}

EventPool* EventSystem::pool(const std::string& name) {
  auto it = pools_.find(name);
  return it == pools_.end() ? nullptr : it->second.pool.get();
}

std::vector<std::pair<std::string, const EventPool*>> EventSystem::pools() const {
  std::vector<std::pair<std::string, const EventPool*>> out;
  for (const auto& [name, entry] : pools_) out.emplace_back(name, entry.pool.get());
  return out;
}

void EventSystem::group_changed(const Group& g, bool added) {
  const std::string name = g.name();
  if (added) {
    // The pool exists before its own PROCESS_GROUP_ADDED, so it hears about itself.
    if (g.config().kind == config::ProgramKind::EventListener && !g.instances().empty()) {
      const config::ProcessConfig& first = g.instances().front()->config();
      std::vector<EventType> subs;
      for (const auto& e : first.events)
        if (auto t = parse_event_type(e)) subs.push_back(*t);
      std::vector<std::string> listeners;
      for (const auto& inst : g.instances()) listeners.push_back(inst->name());
      EventPool::Io io;
      io.running = [this, name](const std::string& l) {
        auto i = supervisor_.find(name, l);
        return i && i->state() == ProcessState::Running;
      };
      io.write = [this, name](const std::string& l, std::string_view bytes) {
        auto i = supervisor_.find(name, l);
        return i && i->write_stdin(bytes).ok();
      };
      io.log = [this](int level, const std::string& text) { log_.log(level, text); };
      PoolEntry entry;
      entry.pool = std::make_unique<EventPool>(name, std::move(listeners), subs, first.buffer_size,
                                               supervisor_.config().supervisord.identifier, bus_,
                                               std::move(io), result_handler(first.result_handler));
      EventPool* raw = entry.pool.get();
      entry.subscription = bus_.subscribe(subs, [this, raw](const EventPtr& e) {
        raw->accept(e);
        kick();
      });
      pools_[name] = std::move(entry);
      maybe_start_ticker();
    }
    bus_.publish(EventType::ProcessGroupAdded, group_payload(name));
  } else {
    auto it = pools_.find(name);
    if (it != pools_.end()) {
      bus_.unsubscribe(it->second.subscription);
      pools_.erase(it);
    }
    for (const auto& inst : g.instances()) starting_tries_.erase(key(inst->process()));
    bus_.publish(EventType::ProcessGroupRemoved, group_payload(name));
  }
  kick();
}

void EventSystem::state_changed(const Process& p, ProcessState from, ProcessState to) {
  const std::string k = key(p);
  // STOPPED/EXITED (and STOPPING while a master's group drains) come after the master's
  // pid was cleared: they name the master of the run that ended.
  pid_t pid = p.pid();
  if (pid == 0 && (from == ProcessState::Starting || from == ProcessState::Running ||
                   from == ProcessState::Stopping || from == ProcessState::Unknown))
    pid = p.facts().run_pid;
  int tries = p.backoff();
  if (to == ProcessState::Starting) {
    starting_tries_[k] = tries;
  } else if (to == ProcessState::Backoff) {
    // BACKOFF only follows STARTING and counts one more try; read from the STARTING event
    // because the process may already have given up (FATAL resets its counter).
    auto it = starting_tries_.find(k);
    if (it != starting_tries_.end()) {
      tries = it->second + 1;
      starting_tries_.erase(it);
    }
  } else {
    // Only a STARTING's count is ever read: 1000 RUNNING processes keep no entry.
    starting_tries_.erase(k);
  }
  std::string payload =
      process_state_payload(p.name(), p.group(), from, to, tries, p.expected(), pid);
  // Extension (cgroups): a run the kernel's OOM killer cut short says so in one more
  // key:value token after Supervisor's; childutils.get_headers and other parsers of the
  // token list keep working, and other runs' payloads are Supervisor's byte for byte.
  if (pid > 0 && p.last_oom_kills() > 0 &&
      (to == ProcessState::Exited || to == ProcessState::Backoff || to == ProcessState::Stopped))
    payload += " oom_kills:" + std::to_string(p.last_oom_kills());
  bus_.publish(process_state_event(to), std::move(payload));

  auto it = pools_.find(p.group());
  if (it != pools_.end()) {
    if (to == ProcessState::Starting)
      it->second.pool->listener_spawned(p.name());
    else if (is_stopped_state(to) || to == ProcessState::Backoff)
      it->second.pool->listener_exited(p.name());
  }
  kick();
}

void EventSystem::output(const Process& p, bool is_stderr, std::string_view bytes) {
  if (is_stderr || p.config().kind != config::ProgramKind::EventListener) return;
  // Bytes drained from a previous instance's pipe (pid already 0) are not this one's.
  if (p.pid() == 0) return;
  auto it = pools_.find(p.group());
  if (it == pools_.end()) return;
  it->second.pool->listener_output(p.name(), bytes);
  kick();
}

void EventSystem::kick() {
  // Dispatch at once: writing to a listener's stdin never calls back into us, and an event
  // must reach a RUNNING listener before the same callback chain (e.g. the ordered
  // shutdown's next group) stops that listener — as Supervisor's loop pass does.
  if (dispatching_) return;
  dispatching_ = true;
  dispatch_all();
  dispatching_ = false;
}

void EventSystem::dispatch_all() {
  for (auto& [name, entry] : pools_) entry.pool->dispatch();
}

}  // namespace events
