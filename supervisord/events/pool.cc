#include "supervisord/events/pool.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "common/pyspace.h"
#include "common/utf8.h"

namespace events {

namespace {

constexpr std::string_view kReady = "READY\n";
constexpr size_t kResultPrefix = 7;  // "RESULT "; the text there is not checked (as Python)

// Python's int() of ASCII text: surrounding whitespace, optional sign, decimal digits.
// Negative lengths are refused (they cannot frame anything).
std::optional<int64_t> parse_length(std::string_view s) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.size() > 15) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

Verdict default_result_handler(std::string_view body) {
  return body == "OK" ? Verdict::Processed : Verdict::Rejected;
}

std::optional<std::string> stdout_relay_text(std::string_view body) {
  if (!utf8::valid(body)) return std::nullopt;
  size_t nl = body.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::map<std::string_view, std::string_view, std::less<>> headers;
  for (std::string_view word : pyspace::split(body.substr(0, nl))) {
    size_t colon = word.find(':');
    if (colon == std::string_view::npos || word.find(':', colon + 1) != std::string_view::npos)
      return std::nullopt;
    headers[word.substr(0, colon)] = word.substr(colon + 1);
  }
  auto name = headers.find("processname");
  auto channel = headers.find("channel");
  if (name == headers.end() || channel == headers.end()) return std::nullopt;
  const std::string prefix = std::string(name->second) + " " + std::string(channel->second) + " | ";
  std::string out;
  std::string_view data = body.substr(nl + 1);
  for (;;) {
    size_t end = data.find('\n');
    out += prefix;
    out.append(data.substr(0, end));
    out += '\n';
    if (end == std::string_view::npos) break;
    data.remove_prefix(end + 1);
  }
  return out;
}

std::string_view listener_state_name(ListenerState s) {
  switch (s) {
    case ListenerState::Ready:
      return "READY";
    case ListenerState::Busy:
      return "BUSY";
    case ListenerState::Acknowledged:
      return "ACKNOWLEDGED";
    case ListenerState::Unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

void ListenerParser::reset() {
  state_ = ListenerState::Acknowledged;
  buffer_.clear();
  result_len_.reset();
  result_.clear();
}

void ListenerParser::sent() {
  state_ = ListenerState::Busy;
}

void ListenerParser::change(ListenerState to, std::vector<ListenerOutcome>& out) {
  out.push_back({ListenerOutcome::Kind::Transition, state_, to, {}});
  state_ = to;
  if (to == ListenerState::Unknown) {
    buffer_.clear();
    result_len_.reset();
    result_.clear();
  }
}

std::vector<ListenerOutcome> ListenerParser::feed(std::string_view bytes) {
  std::vector<ListenerOutcome> out;
  if (state_ == ListenerState::Unknown) return out;  // fatal until respawned
  buffer_.append(bytes);
  while (!buffer_.empty()) {
    switch (state_) {
      case ListenerState::Unknown:
        buffer_.clear();
        return out;
      case ListenerState::Acknowledged:
        if (buffer_.size() < kReady.size()) return out;  // cannot decide yet
        if (buffer_.compare(0, kReady.size(), kReady) == 0) {
          buffer_.erase(0, kReady.size());
          change(ListenerState::Ready, out);
        } else {
          change(ListenerState::Unknown, out);
        }
        break;
      case ListenerState::Ready:
        // Nothing may come between READY and the event: be strict, as Supervisor.
        change(ListenerState::Unknown, out);
        break;
      case ListenerState::Busy: {
        if (!result_len_) {
          size_t nl = buffer_.find('\n');
          if (nl == std::string::npos) return out;
          std::string line = buffer_.substr(0, nl);
          buffer_.erase(0, nl + 1);
          auto n = parse_length(line.size() > kResultPrefix
                                    ? std::string_view(line).substr(kResultPrefix)
                                    : std::string_view());
          if (!n) {
            out.push_back({ListenerOutcome::Kind::BadResult, state_, state_, render_data(line)});
            change(ListenerState::Unknown, out);
            return out;
          }
          result_len_ = *n;
          result_.clear();
        }
        size_t need = static_cast<size_t>(*result_len_) - result_.size();
        size_t take = std::min(need, buffer_.size());
        result_.append(buffer_, 0, take);
        buffer_.erase(0, take);
        if (result_.size() < static_cast<size_t>(*result_len_)) return out;
        result(out);  // an error clears the buffer: the loop ends
        break;
      }
    }
  }
  // "RESULT 0\n" with nothing after: complete at once (Supervisor waits for more bytes).
  if (state_ == ListenerState::Busy && result_len_ && *result_len_ == 0) result(out);
  return out;
}

// A complete RESULT body: the handler's verdict, then ACKNOWLEDGED (UNKNOWN on an error).
void ListenerParser::result(std::vector<ListenerOutcome>& out) {
  using Kind = ListenerOutcome::Kind;
  Verdict v = handler_(result_);
  Kind kind = v == Verdict::Processed  ? Kind::Processed
              : v == Verdict::Rejected ? Kind::Rejected
                                       : Kind::Error;
  out.push_back({kind, state_, state_, std::move(result_)});
  result_len_.reset();
  result_.clear();
  change(v == Verdict::Error ? ListenerState::Unknown : ListenerState::Acknowledged, out);
}

EventPool::EventPool(std::string name, std::vector<std::string> listeners,
                     std::vector<EventType> subscriptions, int buffer_size, std::string identifier,
                     Bus& bus, Io io, ResultHandler handler)
    : name_(std::move(name)),
      subscriptions_(std::move(subscriptions)),
      buffer_size_(static_cast<size_t>(std::max(buffer_size, 1))),
      identifier_(std::move(identifier)),
      bus_(bus),
      io_(std::move(io)) {
  for (auto& n : listeners)
    listeners_.push_back(Listener{std::move(n), ListenerParser(handler), nullptr});
}

EventPool::Listener* EventPool::find(const std::string& name) {
  for (auto& l : listeners_)
    if (l.name == name) return &l;
  return nullptr;
}

const EventPool::Listener* EventPool::find(const std::string& name) const {
  for (auto& l : listeners_)
    if (l.name == name) return &l;
  return nullptr;
}

void EventPool::accept(const EventPtr& e, bool head) {
  bus_.assign_serial(*e);
  if (!e->pool_serial(name_)) e->pool_serials.emplace_back(name_, next_pool_serial_++);
  if (buffer_.size() >= buffer_size_ && !buffer_.empty()) {
    EventPtr dropped = buffer_.front();
    buffer_.pop_front();
    ++dropped_;
    io_.log(40, "pool " + name_ + " event buffer overflowed, discarding event " +
                    std::to_string(*dropped->serial));
  }
  if (head)
    buffer_.push_front(e);
  else
    buffer_.push_back(e);
}

bool EventPool::dispatchable() const {
  if (buffer_.empty()) return false;
  for (const auto& l : listeners_)
    if (l.parser.state() == ListenerState::Ready && io_.running(l.name)) return true;
  return false;
}

void EventPool::dispatch() {
  while (!buffer_.empty()) {
    EventPtr e = buffer_.front();
    buffer_.pop_front();
    if (!send(e)) {
      buffer_.push_front(e);  // nobody can take it: keep it first and stop
      break;
    }
  }
}

bool EventPool::send(const EventPtr& e) {
  for (auto& l : listeners_) {
    if (l.parser.state() != ListenerState::Ready || !io_.running(l.name)) continue;
    const uint64_t* ps = e->pool_serial(name_);
    std::string bytes = envelope(identifier_, *e->serial, name_, ps ? *ps : 0, e->type, e->payload);
    if (!io_.write(l.name, bytes)) {
      io_.log(10, "epipe occurred while sending event " + std::to_string(*e->serial) +
                      " to listener " + l.name + ", listener state unchanged");
      continue;
    }
    l.parser.sent();
    l.in_flight = e;
    io_.log(10, "event " + std::to_string(*e->serial) + " sent to listener " + l.name);
    return true;
  }
  return false;
}

void EventPool::reject(Listener& l) {
  if (!l.in_flight) return;
  EventPtr e = std::move(l.in_flight);
  l.in_flight = nullptr;
  accept(e, true);
}

void EventPool::listener_spawned(const std::string& listener) {
  Listener* l = find(listener);
  if (!l) return;
  reject(*l);
  l->parser.reset();
}

void EventPool::restore_listener(const std::string& listener, ListenerState s) {
  if (Listener* l = find(listener)) l->parser.restore(s);
}

void EventPool::listener_exited(const std::string& listener) {
  Listener* l = find(listener);
  if (!l) return;
  reject(*l);  // it died before answering: the event goes back first in line
  l->parser.reset();
}

void EventPool::listener_output(const std::string& listener, std::string_view bytes) {
  Listener* l = find(listener);
  if (!l) return;
  for (const ListenerOutcome& o : l->parser.feed(bytes)) {
    switch (o.kind) {
      case ListenerOutcome::Kind::Transition:
        io_.log(10, l->name + ": " + std::string(listener_state_name(o.from)) + " -> " +
                        std::string(listener_state_name(o.to)));
        if (o.to == ListenerState::Unknown) {
          io_.log(30, l->name +
                          ": has entered the UNKNOWN state and will no longer receive "
                          "events, this usually indicates the process violated the "
                          "eventlistener protocol");
          reject(*l);
        }
        if (o.to == ListenerState::Ready) l->in_flight = nullptr;
        break;
      case ListenerOutcome::Kind::Processed:
        io_.log(10, l->name + ": event was processed");
        l->in_flight = nullptr;
        break;
      case ListenerOutcome::Kind::Rejected:
        io_.log(30, l->name + ": event was rejected");
        reject(*l);
        break;
      case ListenerOutcome::Kind::Error:
        // The UNKNOWN transition that follows re-queues the event.
        io_.log(30, l->name + ": event caused an error");
        break;
      case ListenerOutcome::Kind::BadResult:
        io_.log(30, l->name + ": bad result line: '" + o.text + "'");
        reject(*l);
        break;
    }
  }
}

ListenerState EventPool::listener_state(const std::string& listener) const {
  const Listener* l = find(listener);
  return l ? l->parser.state() : ListenerState::Unknown;
}

}  // namespace events
