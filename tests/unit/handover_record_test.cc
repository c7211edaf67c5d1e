// The re-exec hand-over record (supervisord/run/handover_record.h): round trip, and every
// way a record can be refused (bad magic, another version, truncation, damage).
#include "supervisord/run/handover_record.h"

#include <doctest/doctest.h>

namespace {

handover::Record sample() {
  handover::Record r;
  r.written_ms = 123456789;
  r.cgroup_root = "/sys/fs/cgroup/x/supervisord.42";
  r.server_fds = {5, 6};
  handover::InstanceState s;
  s.group = "web";
  s.name = "web_00";
  fsm::Facts& f = s.process.facts;
  f.state = ProcessState::Starting;
  f.pid = 4242;
  f.pgid = 4242;
  f.run_pid = 4242;
  f.backoff = 2;
  f.laststart_ms = 1700000000123;
  f.laststop_ms = 1700000000001;
  f.spawnerr = "none";
  f.exitstatus = -1;
  f.expected = false;
  f.draining = true;
  f.drain_from = ProcessState::Running;
  f.stop_deadline_ms = 1700000009000;
  f.last_exit.kind = fsm::ExitInfo::Kind::FailedStart;
  f.last_exit.wait_status = 9;
  f.last_exit.started_ms = 1;
  f.last_exit.ended_ms = 2;
  s.process.deadline_ms = {5000, 0, 7000};
  s.process.stdin_fd = 7;
  s.process.stdin_ino = 99;
  s.process.stdout_fd = 8;
  s.process.stderr_fd = 9;
  s.process.notify_fd = 10;
  s.process.listen_fd = 11;
  s.process.notify_path = "@supervisord/42/1/web_00";
  s.process.status_text = "warming up";
  s.process.cgroup_dir = r.cgroup_root + "/web.web_00";
  s.process.oom_base = 3;
  s.spawns = 5;
  diagnosis::ExitRecord e;
  e.exit.kind = fsm::ExitInfo::Kind::Exited;
  e.exit.wait_status = 3 << 8;
  e.meaning = "gunicorn: worker failed to boot";
  s.exits = {e, e};
  s.tail = {"line one", "", "partial"};
  s.listener_state = 10;
  r.instances.push_back(s);
  handover::InstanceState stopped;
  stopped.group = "g";
  stopped.name = "n";
  r.instances.push_back(stopped);
  return r;
}

bool same(const handover::Record& a, const handover::Record& b) {
  if (a.written_ms != b.written_ms || a.cgroup_root != b.cgroup_root ||
      a.server_fds != b.server_fds || a.instances.size() != b.instances.size())
    return false;
  for (size_t i = 0; i < a.instances.size(); ++i) {
    const auto &x = a.instances[i], &y = b.instances[i];
    const Adoption &p = x.process, &q = y.process;
    if (x.group != y.group || x.name != y.name || !(p.facts == q.facts) ||
        p.deadline_ms != q.deadline_ms || p.stdin_fd != q.stdin_fd || p.stdin_ino != q.stdin_ino ||
        p.stdout_fd != q.stdout_fd || p.stderr_fd != q.stderr_fd || p.notify_fd != q.notify_fd ||
        p.listen_fd != q.listen_fd || p.notify_path != q.notify_path ||
        p.status_text != q.status_text || p.cgroup_dir != q.cgroup_dir ||
        p.oom_base != q.oom_base || x.spawns != y.spawns || x.tail != y.tail ||
        x.listener_state != y.listener_state || x.exits.size() != y.exits.size())
      return false;
    for (size_t j = 0; j < x.exits.size(); ++j)
      if (!(x.exits[j].exit == y.exits[j].exit) || x.exits[j].meaning != y.exits[j].meaning)
        return false;
  }
  return true;
}

}  // namespace

TEST_CASE("a_record_round_trips") {
  handover::Record r = sample();
  auto back = handover::decode(handover::encode(r));
  REQUIRE(back);
  CHECK(same(r, *back));
  auto empty = handover::decode(handover::encode(handover::Record{}));
  REQUIRE(empty);
  CHECK(empty->instances.empty());
}

TEST_CASE("bad_magic_is_refused") {
  std::string bytes = handover::encode(sample());
  bytes[0] = 'X';
  auto r = handover::decode(bytes);
  REQUIRE_FALSE(r);
  CHECK(r.error() == "not a hand-over record");
  CHECK_FALSE(handover::decode(""));
}

TEST_CASE("an_unknown_version_is_refused_by_number") {
  std::string bytes = handover::encode(sample());
  bytes[8] = static_cast<char>(handover::kVersion + 1);  // the version's low byte
  auto r = handover::decode(bytes);
  REQUIRE_FALSE(r);
  CHECK(r.error() == "hand-over record version 2 is not 1");
}

TEST_CASE("every_truncation_is_refused") {
  std::string bytes = handover::encode(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = handover::decode(std::string_view(bytes).substr(0, n));
    CHECK_FALSE(r);
  }
  auto r = handover::decode(std::string_view(bytes).substr(0, bytes.size() - 1));
  CHECK(r.error() == "hand-over record truncated");
  CHECK_FALSE(handover::decode(bytes + "x"));
}

TEST_CASE("a_damaged_payload_fails_the_checksum") {
  std::string bytes = handover::encode(sample());
  bytes[bytes.size() - 10] ^= 0x40;
  auto r = handover::decode(bytes);
  REQUIRE_FALSE(r);
  CHECK(r.error() == "hand-over record checksum mismatch");
}
