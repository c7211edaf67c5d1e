// handover_record.cc — see handover_record.h. Little-endian fixed-width integers,
// strings as a u32 length and bytes, lists as a u32 count; every read is bounds-checked
// and every count is checked against the bytes left before anything is allocated.
#include "supervisord/run/handover_record.h"

#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace handover {
namespace {

constexpr char kMagic[8] = {'S', 'V', 'D', 'R', 'E', 'X', 'E', 'C'};
constexpr size_t kHeader = sizeof kMagic + 4 + 4 + 8;  // magic, version, length, checksum

uint32_t fnv1a(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) h = (h ^ c) * 16777619u;
  return h;
}

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void flag(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string& out() { return out_; }

  // One overload per type: a single list of fields (for_each_field below) writes a struct
  // here and reads it back in Reader::field. Enums travel as i32.
  void field(int32_t v) { i32(v); }
  void field(int64_t v) { i64(v); }
  void field(bool v) { flag(v); }
  void field(const std::string& v) { str(v); }
  template <class E>
  requires std::is_enum_v<E>
  void field(E v) { i32(static_cast<int32_t>(v)); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  size_t left() const { return in_.size() - pos_; }
  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  uint64_t u64() { return take(8); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  bool flag() {
    uint8_t v = u8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  std::string str() {
    uint32_t n = u32();
    if (!ok_ || n > left()) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A list count: each element takes at least `min_bytes`, so a count the bytes left
  // cannot hold fails here, before anything is reserved.
  uint32_t count(size_t min_bytes) {
    uint32_t n = u32();
    if (ok_ && static_cast<uint64_t>(n) * min_bytes > left()) ok_ = false;
    return ok_ ? n : 0;
  }

  void field(int32_t& v) { v = i32(); }
  void field(int64_t& v) { v = i64(); }
  void field(bool& v) { v = flag(); }
  void field(std::string& v) { v = str(); }
  template <class E>
  requires std::is_enum_v<E>
  void field(E& v) {
    using U = std::underlying_type_t<E>;
    const int32_t raw = i32();
    if (!std::in_range<U>(raw)) ok_ = false;
    v = static_cast<E>(static_cast<U>(raw));
  }

 private:
  uint64_t take(size_t n) {
    if (!ok_ || n > left()) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The fields of an exit record and of the fsm's facts, in wire order, for both directions
// (`E`/`F` const when writing).
template <class IO, class E>
void exit_fields(IO& io, E& e) {
  io.field(e.kind);
  io.field(e.wait_status);
  io.field(e.expected);
  io.field(e.started_ms);
  io.field(e.ended_ms);
}

void put_exit(Writer& w, const fsm::ExitInfo& e) {
  exit_fields(w, e);
}

bool valid_exit(const fsm::ExitInfo& e) {
  return static_cast<int>(e.kind) <= static_cast<int>(fsm::ExitInfo::Kind::Unhealthy);
}

bool get_exit(Reader& r, fsm::ExitInfo& e) {
  exit_fields(r, e);
  return valid_exit(e);
}

bool valid_state(int32_t s) {
  switch (static_cast<ProcessState>(s)) {
    case ProcessState::Stopped:
    case ProcessState::Starting:
    case ProcessState::Running:
    case ProcessState::Backoff:
    case ProcessState::Stopping:
    case ProcessState::Exited:
    case ProcessState::Fatal:
    case ProcessState::Unknown:
      return true;
  }
  return false;
}

template <class IO, class F>
void facts_fields(IO& io, F& f) {
  io.field(f.state);
  io.field(f.pid);
  io.field(f.pgid);
  io.field(f.run_pid);
  io.field(f.backoff);
  io.field(f.laststart_ms);
  io.field(f.laststop_ms);
  io.field(f.spawnerr);
  io.field(f.exitstatus);
  io.field(f.expected);
  io.field(f.killing);
  io.field(f.administrative_stop);
  io.field(f.shutting_down);
  io.field(f.draining);
  io.field(f.drain_wait_status);
  io.field(f.drain_exit_ms);
  io.field(f.drain_from);
  io.field(f.stop_deadline_ms);
  io.field(f.ready_failed);
  io.field(f.unhealthy);
  exit_fields(io, f.last_exit);
}

void put_facts(Writer& w, const fsm::Facts& f) {
  facts_fields(w, f);
}

bool get_facts(Reader& r, fsm::Facts& f) {
  facts_fields(r, f);
  return valid_exit(f.last_exit) && valid_state(static_cast<int32_t>(f.state)) &&
         valid_state(static_cast<int32_t>(f.drain_from)) && f.pid >= 0 && f.pgid >= 0 &&
         f.run_pid >= 0;
}

bool valid_fd(int32_t fd) {
  return fd >= -1;
}

void put_instance(Writer& w, const InstanceState& s) {
  w.str(s.group);
  w.str(s.name);
  const Adoption& a = s.process;
  put_facts(w, a.facts);
  for (int64_t d : a.deadline_ms) w.i64(d);
  w.i32(a.stdin_fd);
  w.u64(a.stdin_ino);
  w.i32(a.stdout_fd);
  w.i32(a.stderr_fd);
  w.i32(a.notify_fd);
  w.i32(a.listen_fd);
  w.str(a.notify_path);
  w.str(a.status_text);
  w.str(a.cgroup_dir);
  w.i64(a.oom_base);
  w.i32(s.spawns);
  w.u32(static_cast<uint32_t>(s.exits.size()));
  for (const auto& e : s.exits) {
    put_exit(w, e.exit);
    w.str(e.meaning);
  }
  w.u32(static_cast<uint32_t>(s.tail.size()));
  for (const auto& line : s.tail) w.str(line);
  w.i32(s.listener_state);
}

bool get_instance(Reader& r, InstanceState& s) {
  s.group = r.str();
  s.name = r.str();
  Adoption& a = s.process;
  bool ok = get_facts(r, a.facts);
  for (int64_t& d : a.deadline_ms) {
    d = r.i64();
    ok = ok && d >= 0;
  }
  a.stdin_fd = r.i32();
  a.stdin_ino = r.u64();
  a.stdout_fd = r.i32();
  a.stderr_fd = r.i32();
  a.notify_fd = r.i32();
  a.listen_fd = r.i32();
  for (int fd : {a.stdin_fd, a.stdout_fd, a.stderr_fd, a.notify_fd, a.listen_fd})
    ok = ok && valid_fd(fd);
  a.notify_path = r.str();
  a.status_text = r.str();
  a.cgroup_dir = r.str();
  a.oom_base = r.i64();
  s.spawns = r.i32();
  ok = ok && s.spawns >= 0;
  uint32_t exits = r.count(22);
  for (uint32_t i = 0; i < exits && r.ok(); ++i) {
    diagnosis::ExitRecord e;
    ok = get_exit(r, e.exit) && ok;
    e.meaning = r.str();
    s.exits.push_back(std::move(e));
  }
  uint32_t lines = r.count(4);
  for (uint32_t i = 0; i < lines && r.ok(); ++i) s.tail.push_back(r.str());
  s.listener_state = r.i32();
  ok = ok && s.listener_state >= 0 && !s.group.empty() && !s.name.empty();
  return ok;
}

}  // namespace

std::string encode(const Record& record) {
  Writer p;
  p.i64(record.written_ms);
  p.str(record.cgroup_root);
  p.u32(static_cast<uint32_t>(record.server_fds.size()));
  for (int fd : record.server_fds) p.i32(fd);
  p.u32(static_cast<uint32_t>(record.instances.size()));
  for (const auto& s : record.instances) put_instance(p, s);
  Writer h;
  h.out().append(kMagic, sizeof kMagic);
  h.u32(kVersion);
  h.u32(fnv1a(p.out()));
  h.u64(p.out().size());
  return h.out() + p.out();
}

Result<Record> decode(std::string_view bytes) {
  using R = Result<Record>;
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return R::fail("not a hand-over record");
  Reader h(bytes.substr(sizeof kMagic));
  uint32_t version = h.u32();
  uint32_t sum = h.u32();
  uint64_t length = h.u64();
  if (!h.ok()) return R::fail("hand-over record truncated");
  if (version != kVersion)
    return R::fail("hand-over record version " + std::to_string(version) + " is not " +
                   std::to_string(kVersion));
  std::string_view payload = bytes.substr(kHeader);
  if (payload.size() < length) return R::fail("hand-over record truncated");
  if (payload.size() > length) return R::fail("hand-over record: bad length");
  if (fnv1a(payload) != sum) return R::fail("hand-over record checksum mismatch");
  Reader r(payload);
  Record rec;
  rec.written_ms = r.i64();
  rec.cgroup_root = r.str();
  uint32_t fds = r.count(4);
  for (uint32_t i = 0; i < fds && r.ok(); ++i) {
    int32_t fd = r.i32();
    if (fd < 0) return R::fail("hand-over record: bad server fd");
    rec.server_fds.push_back(fd);
  }
  uint32_t n = r.count(8);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    InstanceState s;
    if (!get_instance(r, s) && r.ok()) return R::fail("hand-over record: bad instance");
    rec.instances.push_back(std::move(s));
  }
  if (!r.ok()) return R::fail("hand-over record truncated");
  if (r.left() != 0) return R::fail("hand-over record: bad length");
  return rec;
}

}  // namespace handover
