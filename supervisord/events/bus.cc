#include "supervisord/events/bus.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/utf8.h"

namespace events {

namespace {

struct TypeRow {
  EventType type;
  std::string_view name;
  EventType parent;
};

// One row per type; the order of EventTypes in Supervisor's events.py.
constexpr TypeRow kTypes[] = {
    {EventType::Event, "EVENT", EventType::Event},
    {EventType::ProcessState, "PROCESS_STATE", EventType::Event},
    {EventType::ProcessStateStopped, "PROCESS_STATE_STOPPED", EventType::ProcessState},
    {EventType::ProcessStateExited, "PROCESS_STATE_EXITED", EventType::ProcessState},
    {EventType::ProcessStateStarting, "PROCESS_STATE_STARTING", EventType::ProcessState},
    {EventType::ProcessStateStopping, "PROCESS_STATE_STOPPING", EventType::ProcessState},
    {EventType::ProcessStateBackoff, "PROCESS_STATE_BACKOFF", EventType::ProcessState},
    {EventType::ProcessStateFatal, "PROCESS_STATE_FATAL", EventType::ProcessState},
    {EventType::ProcessStateRunning, "PROCESS_STATE_RUNNING", EventType::ProcessState},
    {EventType::ProcessStateUnknown, "PROCESS_STATE_UNKNOWN", EventType::ProcessState},
    {EventType::ProcessCommunication, "PROCESS_COMMUNICATION", EventType::Event},
    {EventType::ProcessCommunicationStdout, "PROCESS_COMMUNICATION_STDOUT",
     EventType::ProcessCommunication},
    {EventType::ProcessCommunicationStderr, "PROCESS_COMMUNICATION_STDERR",
     EventType::ProcessCommunication},
    {EventType::ProcessLog, "PROCESS_LOG", EventType::Event},
    {EventType::ProcessLogStdout, "PROCESS_LOG_STDOUT", EventType::ProcessLog},
    {EventType::ProcessLogStderr, "PROCESS_LOG_STDERR", EventType::ProcessLog},
    {EventType::RemoteCommunication, "REMOTE_COMMUNICATION", EventType::Event},
    {EventType::SupervisorStateChange, "SUPERVISOR_STATE_CHANGE", EventType::Event},
    {EventType::SupervisorStateChangeRunning, "SUPERVISOR_STATE_CHANGE_RUNNING",
     EventType::SupervisorStateChange},
    {EventType::SupervisorStateChangeStopping, "SUPERVISOR_STATE_CHANGE_STOPPING",
     EventType::SupervisorStateChange},
    {EventType::Tick, "TICK", EventType::Event},
    {EventType::Tick5, "TICK_5", EventType::Tick},
    {EventType::Tick60, "TICK_60", EventType::Tick},
    {EventType::Tick3600, "TICK_3600", EventType::Tick},
    {EventType::ProcessGroup, "PROCESS_GROUP", EventType::Event},
    {EventType::ProcessGroupAdded, "PROCESS_GROUP_ADDED", EventType::ProcessGroup},
    {EventType::ProcessGroupRemoved, "PROCESS_GROUP_REMOVED", EventType::ProcessGroup},
};

const TypeRow& row(EventType t) {
  for (const auto& r : kTypes)
    if (r.type == t) return r;
  return kTypes[0];
}

}  // namespace

std::string_view event_name(EventType t) {
  return row(t).name;
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (const auto& r : kTypes) {
    if (r.name.size() != name.size()) continue;
    bool same = std::equal(r.name.begin(), r.name.end(), name.begin(), [](char a, char b) {
      return a == std::toupper(static_cast<unsigned char>(b));
    });
    if (same) return r.type;
  }
  return std::nullopt;
}

EventType parent_type(EventType t) {
  return row(t).parent;
}

bool is_a(EventType t, EventType sub) {
  for (;;) {
    if (t == sub) return true;
    if (t == EventType::Event) return false;
    t = parent_type(t);
  }
}

EventType process_state_event(ProcessState s) {
  switch (s) {
    case ProcessState::Stopped:
      return EventType::ProcessStateStopped;
    case ProcessState::Starting:
      return EventType::ProcessStateStarting;
    case ProcessState::Running:
      return EventType::ProcessStateRunning;
    case ProcessState::Backoff:
      return EventType::ProcessStateBackoff;
    case ProcessState::Stopping:
      return EventType::ProcessStateStopping;
    case ProcessState::Exited:
      return EventType::ProcessStateExited;
    case ProcessState::Fatal:
      return EventType::ProcessStateFatal;
    case ProcessState::Unknown:
      return EventType::ProcessStateUnknown;
  }
  return EventType::ProcessStateUnknown;
}

const uint64_t* Event::pool_serial(const std::string& pool) const {
  for (const auto& [name, serial] : pool_serials)
    if (name == pool) return &serial;
  return nullptr;
}

std::string process_state_payload(std::string_view process, std::string_view group,
                                  ProcessState from, ProcessState to, int tries, bool expected,
                                  pid_t pid) {
  std::string s = "processname:" + std::string(process) + " groupname:" + std::string(group) +
                  " from_state:" + std::string(state_name(from));
  switch (to) {
    case ProcessState::Starting:
    case ProcessState::Backoff:
      s += " tries:" + std::to_string(tries);
      break;
    case ProcessState::Exited:
      s += std::string(" expected:") + (expected ? "1" : "0") + " pid:" + std::to_string(pid);
      break;
    case ProcessState::Running:
    case ProcessState::Stopping:
    case ProcessState::Stopped:
      s += " pid:" + std::to_string(pid);
      break;
    case ProcessState::Fatal:
    case ProcessState::Unknown:
      break;
  }
  return s;
}

std::string bytes_repr(std::string_view bytes) {
  bool has_single = bytes.find('\'') != std::string_view::npos;
  bool has_double = bytes.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out = "b";
  out += quote;
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

std::string render_data(std::string_view bytes) {
  if (utf8::valid(bytes)) return std::string(bytes);  // as Python's decode('utf-8')
  return "Undecodable: " + bytes_repr(bytes);
}

std::string process_log_payload(std::string_view process, std::string_view group, pid_t pid,
                                std::string_view channel, std::string_view data) {
  return "processname:" + std::string(process) + " groupname:" + std::string(group) +
         " pid:" + std::to_string(pid) + " channel:" + std::string(channel) + "\n" +
         render_data(data);
}

std::string process_comm_payload(std::string_view process, std::string_view group, pid_t pid,
                                 std::string_view data) {
  return "processname:" + std::string(process) + " groupname:" + std::string(group) +
         " pid:" + std::to_string(pid) + "\n" + render_data(data);
}

std::string remote_comm_payload(std::string_view type, std::string_view data) {
  return "type:" + std::string(type) + "\n" + std::string(data);
}

std::string group_payload(std::string_view group) {
  return "groupname:" + std::string(group) + "\n";
}

std::string tick_payload(int64_t when) {
  return "when:" + std::to_string(when);
}

std::string envelope(std::string_view identifier, uint64_t serial, std::string_view pool,
                     uint64_t pool_serial, EventType type, std::string_view payload) {
  std::string s = "ver:3.0 server:" + std::string(identifier) +
                  " serial:" + std::to_string(serial) + " pool:" + std::string(pool) +
                  " poolserial:" + std::to_string(pool_serial) +
                  " eventname:" + std::string(event_name(type)) +
                  " len:" + std::to_string(utf8::length(payload)) + "\n";
  s.append(payload);
  return s;
}

uint64_t Bus::subscribe(std::vector<EventType> types, Handler h) {
  uint64_t id = next_id_++;
  subs_.push_back(Sub{id, std::move(types), std::move(h)});
  return id;
}

void Bus::unsubscribe(uint64_t id) {
  std::erase_if(subs_, [id](const Sub& s) { return s.id == id; });
}

bool Bus::has_subscribers(EventType type) const {
  for (const auto& s : subs_)
    for (EventType t : s.types)
      if (is_a(type, t)) return true;
  return false;
}

void Bus::publish(EventType type, std::string payload) {
  auto e = std::make_shared<Event>();
  e->type = type;
  e->payload = std::move(payload);
  // A handler may (un)subscribe: walk a copy of the ids.
  std::vector<uint64_t> ids;
  for (const auto& s : subs_) ids.push_back(s.id);
  for (uint64_t id : ids) {
    auto it = std::find_if(subs_.begin(), subs_.end(), [id](const Sub& s) { return s.id == id; });
    if (it == subs_.end()) continue;
    bool match = std::any_of(it->types.begin(), it->types.end(),
                             [type](EventType t) { return is_a(type, t); });
    if (!match) continue;
    Handler h = it->handler;  // the subscriber may unsubscribe itself
    h(e);
  }
}

void Bus::assign_serial(Event& e) {
  if (!e.serial) e.serial = next_serial_++;
}

}  // namespace events
