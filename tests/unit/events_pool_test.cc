// events_pool_test.cc — the pure parts of events/: type hierarchy and payloads (bus), the
// listener protocol parser and the pool's buffer/dispatch/reject rules (pool), with fake
// listeners in place of processes.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "supervisord/events/bus.h"
#include "supervisord/events/pool.h"

using namespace events;
using K = ListenerOutcome::Kind;

TEST_CASE("abstract types match their subtypes only") {
  CHECK(is_a(EventType::ProcessStateRunning, EventType::ProcessState));
  CHECK(is_a(EventType::Tick60, EventType::Event));
  CHECK_FALSE(is_a(EventType::Tick60, EventType::ProcessState));
  CHECK(parse_event_type("process_log_stderr") == EventType::ProcessLogStderr);
  CHECK_FALSE(parse_event_type("NOPE"));
}

TEST_CASE("payloads as Supervisor renders them") {
  CHECK(
      process_state_payload("a", "g", ProcessState::Running, ProcessState::Exited, 0, false, 42) ==
      "processname:a groupname:g from_state:RUNNING expected:0 pid:42");
  CHECK(process_state_payload("a", "g", ProcessState::Starting, ProcessState::Backoff, 2, false,
                              0) == "processname:a groupname:g from_state:STARTING tries:2");
  CHECK(process_state_payload("a", "g", ProcessState::Backoff, ProcessState::Fatal, 0, false, 0) ==
        "processname:a groupname:g from_state:BACKOFF");
  CHECK(render_data("\xff'a") == "Undecodable: b\"\\xff'a\"");
  // len counts characters, as Supervisor's str: "é" is one, "✓" is one.
  CHECK(envelope("supervisor", 3, "p", 1, EventType::Tick5, "\xc3\xa9") ==
        "ver:3.0 server:supervisor serial:3 pool:p poolserial:1 eventname:TICK_5 len:1\n\xc3\xa9");
  CHECK(envelope("s", 1, "p", 1, EventType::Tick5, "d\xc3\xa4t\xc3\xa4 \xe2\x9c\x93")
            .find(" len:6\n") != std::string::npos);
}

TEST_CASE("parser: READY split across reads, then RESULT with a FAIL body") {
  ListenerParser p;
  CHECK(p.feed("REA").empty());
  auto o = p.feed("DY\n");
  REQUIRE(o.size() == 1);
  CHECK(o[0].to == ListenerState::Ready);
  p.sent();
  CHECK(p.feed("RESULT 4\nFA").empty());
  o = p.feed("ILREADY\n");
  REQUIRE(o.size() == 3);
  CHECK(o[0].kind == K::Rejected);
  CHECK(o[1].to == ListenerState::Acknowledged);
  CHECK(o[2].to == ListenerState::Ready);
}

TEST_CASE("parser: garbage first, data while READY, bad result line -> UNKNOWN") {
  ListenerParser a;
  CHECK(a.feed("HELLO!").back().to == ListenerState::Unknown);
  CHECK(a.feed("READY\n").empty());  // stays UNKNOWN until respawned
  ListenerParser b;
  b.feed("READY\n");
  CHECK(b.feed("x").back().to == ListenerState::Unknown);
  ListenerParser c;
  c.feed("READY\n");
  c.sent();
  auto o = c.feed("RESULT x\n");
  REQUIRE(o.size() == 2);
  CHECK(o[0] ==
        ListenerOutcome{K::BadResult, ListenerState::Busy, ListenerState::Busy, "RESULT x"});
  CHECK(o[1].to == ListenerState::Unknown);
}

struct Fake {
  std::map<std::string, bool> running;
  std::map<std::string, std::string> written;
  std::vector<std::string> logs;
  EventPool::Io io() {
    EventPool::Io io;
    io.running = [this](const std::string& l) { return running[l]; };
    io.write = [this](const std::string& l, std::string_view b) {
      written[l] += std::string(b);
      return true;
    };
    io.log = [this](int, const std::string& t) { logs.push_back(t); };
    return io;
  }
};

TEST_CASE("pool: overflow drops the oldest; rejected and orphaned events come back first") {
  Bus bus;
  Fake f;
  EventPool pool("p", {"l0", "l1"}, {EventType::RemoteCommunication}, 2, "supervisor", bus, f.io());
  bus.subscribe({EventType::RemoteCommunication}, [&](const EventPtr& e) { pool.accept(e); });
  for (int i = 0; i < 3; ++i)
    bus.publish(EventType::RemoteCommunication, "type:t\n" + std::to_string(i));
  CHECK(f.logs.back() == "pool p event buffer overflowed, discarding event 0");
  pool.dispatch();  // nobody READY and RUNNING
  CHECK(pool.buffered() == 2);
  f.running["l0"] = true;
  pool.listener_output("l0", "READY\n");
  pool.dispatch();
  CHECK(f.written["l0"] ==
        "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:REMOTE_COMMUNICATION "
        "len:8\ntype:t\n1");
  CHECK(pool.listener_state("l0") == ListenerState::Busy);
  pool.listener_output("l0", "RESULT 4\nFAIL");  // rejected: back at the head
  CHECK(pool.buffered() == 2);
  f.written.clear();
  pool.listener_output("l0", "READY\n");
  pool.dispatch();
  CHECK(f.written["l0"].find("serial:1 pool:p poolserial:1") != std::string::npos);
  pool.listener_exited("l0");  // died while BUSY: event 1 is first again
  f.running["l0"] = false;
  f.running["l1"] = true;
  pool.listener_output("l1", "READY\n");
  pool.dispatch();
  CHECK(f.written["l1"].find("serial:1 ") != std::string::npos);
  pool.listener_output("l1", "RESULT 2\nOKREADY\n");
  pool.dispatch();
  CHECK(f.written["l1"].find("serial:2 ") != std::string::npos);
  CHECK(pool.buffered() == 0);
}

TEST_CASE("supervisor_stdout:event_handler text, byte for byte as the plugin prints it") {
  // Every '\n'-separated piece, the empty one after the final LF included.
  CHECK(stdout_relay_text(
            "processname:web groupname:web pid:7 channel:stdout\nhello\nw\xc3\xb6rld\n") ==
        "web stdout | hello\nweb stdout | w\xc3\xb6rld\nweb stdout | \n");
  CHECK(stdout_relay_text("processname:w channel:stderr\nno newline") == "w stderr | no newline\n");
  CHECK(stdout_relay_text("channel:stdout\tprocessname:a\n") == "a stdout | \n");
  // Where the plugin raises: no LF, a token without exactly one ':', a missing key, bytes
  // that are not UTF-8 (its response.decode()).
  CHECK_FALSE(stdout_relay_text("processname:a groupname:a from_state:STARTING pid:1"));
  CHECK_FALSE(stdout_relay_text("processname:a channel:stdout junk\nx\n"));
  CHECK_FALSE(stdout_relay_text("processname:a:b channel:stdout\nx\n"));
  CHECK_FALSE(stdout_relay_text("processname:a pid:1\nx\n"));
  CHECK_FALSE(stdout_relay_text("processname:a channel:stdout\n\x88\n"));
  CHECK_FALSE(stdout_relay_text(""));
}

TEST_CASE("pool: a custom result handler processes, and its error makes the listener UNKNOWN") {
  Bus bus;
  Fake f;
  std::vector<std::string> bodies;
  ResultHandler handler = [&](std::string_view body) {
    bodies.emplace_back(body);
    return body == "boom" ? Verdict::Error : Verdict::Processed;
  };
  EventPool pool("p", {"l0"}, {EventType::RemoteCommunication}, 5, "supervisor", bus, f.io(),
                 handler);
  bus.subscribe({EventType::RemoteCommunication}, [&](const EventPtr& e) { pool.accept(e); });
  bus.publish(EventType::RemoteCommunication, "type:t\n0");
  bus.publish(EventType::RemoteCommunication, "type:t\n1");
  f.running["l0"] = true;
  pool.listener_output("l0", "READY\n");
  pool.dispatch();
  pool.listener_output("l0", "RESULT 4\nFAILREADY\n");  // not "OK", yet processed
  CHECK(f.logs[f.logs.size() - 3] == "l0: event was processed");
  CHECK(pool.listener_state("l0") == ListenerState::Ready);
  pool.dispatch();
  CHECK(pool.buffered() == 0);
  pool.listener_output("l0", "RESULT 4\nboomREADY\n");
  CHECK(bodies == std::vector<std::string>{"FAIL", "boom"});
  CHECK(pool.listener_state("l0") == ListenerState::Unknown);
  CHECK(std::find(f.logs.begin(), f.logs.end(), "l0: event caused an error") != f.logs.end());
  CHECK(pool.buffered() == 1);  // event 1 is back in line
}
