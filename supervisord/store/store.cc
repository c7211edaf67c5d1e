// store.cc — open/migrate, the write queue and its flush, reads. See store.h for policy.
#include "supervisord/store/store.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "supervisord/store/proc_stat.h"
#include "supervisord/store/schema.h"

namespace store {
namespace {

constexpr int kError = 40;
constexpr int kWarn = 30;
constexpr int kInfo = 20;
constexpr int kDebug = 10;
// A locked file must not grow the queue without end: beyond this, while commits fail, the
// oldest history entries are dropped, a quarter at a time (instances and admin state are
// keyed, so they cannot pile up). A burst on a writable file is committed whole, however
// big: startAllProcesses of 10,000 queues 20,000 entries before the loop can flush.
constexpr size_t kMaxQueuedHistory = 10000;
// The history queue keeps its buffer across commits up to this many entries (see flush).
constexpr size_t kKeptHistoryCapacity = 64;
constexpr uint64_t kRetryMs = 1000;
constexpr int64_t kPruneEvery = 1000;  // inserts between two prunes
constexpr int64_t kKeepRuns = 100;

}  // namespace

struct Store::Statements {
  Stmt insert_history;
  Stmt upsert_instance;
  Stmt delete_instance;
  Stmt clear_previous;
  Stmt insert_admin;
  Stmt delete_admin;
  Stmt upsert_count;
  Stmt delete_count;
  Stmt end_run;
  Stmt prune_age;
  Stmt prune_rows;
  Stmt history_all;
  Stmt history_group;
  Stmt history_process;
  Stmt history_bare;
};

std::string resolve_statefile(const std::string& option, const std::string& pidfile) {
  if (option == "none") return {};
  if (!option.empty()) return option;
  std::string base = pidfile;
  static constexpr std::string_view kPid = ".pid";
  if (base.size() > kPid.size() && base.compare(base.size() - kPid.size(), kPid.size(), kPid) == 0)
    base.resize(base.size() - kPid.size());
  return base + ".state";
}

int64_t wall_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Store::Store(uv_loop_t* loop) : loop_(loop) {}

Store::~Store() {
  stmts_.reset();  // statements before the connection
  db_.reset();
}

void Store::log(int level, const std::string& text) const {
  if (options_.log) options_.log(level, text);
}

// Why opening failed; open() logs it (or moves a corrupt file aside and tries again).
Status Store::fail_open(const std::string& reason) {
  stmts_.reset();
  db_.reset();
  disabled_reason_ = reason;
  return Status::fail(reason);
}

Status Store::fail_open(const DbError& error) {
  open_corrupt_ = error.corrupt();
  return fail_open(error.message);
}

// `path` -> `path.corrupt-YYYYmmdd-HHMMSS` (then -2, -3... if taken), its -wal and -shm
// with the same suffix: kept for inspection, never deleted. The new name, or "" and errno.
std::string Store::move_aside() {
  const std::string& path = options_.path;
  char stamp[32];
  time_t now = ::time(nullptr);
  struct tm tm;
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::string base = path + ".corrupt-" + stamp;
  std::string target = base;
  for (int n = 2; ::access(target.c_str(), F_OK) == 0 && n < 100; ++n)
    target = base + "-" + std::to_string(n);
  if (::rename(path.c_str(), target.c_str()) != 0) return {};
  for (const char* side : {"-wal", "-shm"}) {
    std::string from = path + side;
    if (::access(from.c_str(), F_OK) == 0) (void)::rename(from.c_str(), (target + side).c_str());
  }
  return target;
}

void Store::disable(const std::string& why) {
  stmts_.reset();
  db_.reset();
  disabled_reason_ = why;
  history_queue_.clear();
  instance_queue_.clear();
  admin_queue_.clear();
  count_queue_.clear();
  log(kError, "statefile " + options_.path + ": " + why + "; persistent state disabled");
}

Status Store::open(Options options) {
  options_ = std::move(options);
  if (options_.path.empty()) {
    disabled_reason_ = "statefile=none";
    return Status::success();
  }
  Status st = open_file();
  if (!st.ok() && open_corrupt_) {
    // A corrupt file would otherwise turn history and crash recovery off for good. Keep
    // it for inspection under another name and start afresh: what it held is lost to
    // this daemon, which says so (here, and in `supervisorctl why` through reset_info()).
    std::string reason = disabled_reason_;
    std::string moved = move_aside();
    if (moved.empty()) {
      std::string err = strerror(errno);
      st = fail_open(reason + "; cannot move it aside: " + err);
    } else {
      reset_ = ResetInfo{reason, moved};
      log(kError, "statefile " + options_.path + " is corrupt (" + reason + "): moved to " + moved +
                      " (kept for inspection) and started a fresh one; "
                      "the history before now and the previous run's instances are not "
                      "known, so crash recovery has no record to act on");
      previous_run_ = PreviousRun{};
      previous_instances_.clear();
      admin_stopped_.clear();
      counts_.clear();
      open_corrupt_ = false;
      st = open_file();
    }
  }
  if (!st.ok())
    log(kError, "statefile " + options_.path + ": " + disabled_reason_ +
                    "; supervising without persistent state (no history, no crash recovery)");
  return st;
}

Status Store::open_file() {
  open_corrupt_ = false;
  db_ = std::make_unique<Db>();
  if (DbStatus st = db_->open(options_.path, true); !st)
    return fail_open("cannot open: " + st.error.message);
  // WAL: readers never wait for the writer; synchronous=NORMAL is durable against a crash
  // of this process (SIGKILL), which is the crash that matters here.
  int64_t ignored = 0;
  if (DbStatus st = db_->query_int("PRAGMA journal_mode=WAL", ignored); !st) {
    if (st.error.busy()) return fail_open("locked by another process (" + st.error.message + ")");
    return fail_open(st.error);
  }
  (void)db_->exec("PRAGMA synchronous=NORMAL");
  // The page cache would grow to SQLite's default 2 MiB as the history table does; the
  // store writes far more than it reads, and the OS caches the file anyway.
  (void)db_->exec("PRAGMA cache_size=-256");
  MigrationResult mr;
  if (DbStatus st = migrate(*db_, mr); !st) {
    if (st.error.busy()) return fail_open("locked by another process (" + st.error.message + ")");
    return fail_open(st.error);
  }
  if (mr.from != mr.to)
    log(kInfo, "statefile " + options_.path + ": schema " + std::to_string(mr.from) + " -> " +
                   std::to_string(mr.to));

  auto stmts = std::make_unique<Statements>();
  struct Sql {
    Stmt* stmt;
    const char* text;
  };
  const char* kColumns =
      "time_ms, grp, name, from_state, to_state, pid, exitstatus, signal, spawnerr, tries, "
      "oom_kills";
  std::string select = std::string("SELECT ") + kColumns + " FROM history ";
  std::string history_all = select + "ORDER BY id DESC LIMIT ?1";
  std::string history_group = select + "WHERE grp = ?2 ORDER BY id DESC LIMIT ?1";
  std::string history_process = select + "WHERE grp = ?2 AND name = ?3 ORDER BY id DESC LIMIT ?1";
  std::string history_bare = select + "WHERE name = ?2 OR grp = ?2 ORDER BY id DESC LIMIT ?1";
  const Sql sqls[] = {
      {&stmts->insert_history,
       "INSERT INTO history (time_ms, grp, name, from_state, to_state, pid, exitstatus, signal, "
       "spawnerr, tries, oom_kills) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
      {&stmts->upsert_instance,
       "INSERT OR REPLACE INTO instances (grp, name, run_id, pid, pgid, start_ticks, stopsignal, "
       "stopwaitsecs, stopasgroup) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
      {&stmts->delete_instance, "DELETE FROM instances WHERE grp = ?1 AND name = ?2"},
      {&stmts->clear_previous, "DELETE FROM instances WHERE run_id < ?1"},
      {&stmts->insert_admin, "INSERT OR IGNORE INTO admin_stopped (grp, name) VALUES (?1, ?2)"},
      {&stmts->delete_admin, "DELETE FROM admin_stopped WHERE grp = ?1 AND name = ?2"},
      {&stmts->upsert_count,
       "INSERT OR REPLACE INTO instance_counts (program, count) VALUES (?1, ?2)"},
      {&stmts->delete_count, "DELETE FROM instance_counts WHERE program = ?1"},
      {&stmts->end_run, "UPDATE runs SET ended_ms = ?2 WHERE id = ?1"},
      {&stmts->prune_age, "DELETE FROM history WHERE time_ms < ?1"},
      {&stmts->prune_rows, "DELETE FROM history WHERE id <= (SELECT MAX(id) FROM history) - ?1"},
      {&stmts->history_all, history_all.c_str()},
      {&stmts->history_group, history_group.c_str()},
      {&stmts->history_process, history_process.c_str()},
      {&stmts->history_bare, history_bare.c_str()},
  };
  for (const Sql& s : sqls)
    if (DbStatus st = db_->prepare(s.text, *s.stmt); !st) return fail_open(st.error);

  // The previous run, and whether its supervisord is still alive (two daemons on one file
  // would kill each other's processes as "leftovers").
  std::string boot = boot_id();
  uint64_t my_ticks = 0;
  if (auto me = read_proc_stat(::getpid())) my_ticks = me->start_ticks;
  {
    Stmt q;
    if (DbStatus st = db_->prepare("SELECT pid, start_ticks, boot_id, started_ms, ended_ms FROM "
                                   "runs ORDER BY id DESC LIMIT 1",
                                   q);
        !st)
      return fail_open(st.error);
    if (q.step()) {
      previous_run_.found = true;
      previous_run_.pid = static_cast<pid_t>(q.int_at(0));
      uint64_t ticks = static_cast<uint64_t>(q.int_at(1));
      previous_run_.same_boot = q.text_at(2) == boot;
      previous_run_.started_ms = q.int_at(3);
      previous_run_.clean = !q.null_at(4);
      if (!previous_run_.clean && previous_run_.same_boot && previous_run_.pid != ::getpid()) {
        auto other = read_proc_stat(previous_run_.pid);
        if (other && other->alive() && other->start_ticks == ticks)
          return fail_open("in use by supervisord pid " + std::to_string(previous_run_.pid));
      }
    }
    if (!q.status()) return fail_open(q.status().error);
  }
  if (previous_run_.same_boot) {
    Stmt q;
    if (DbStatus st = db_->prepare(
            "SELECT grp, name, pid, pgid, start_ticks, stopsignal, stopwaitsecs, stopasgroup "
            "FROM instances ORDER BY rowid",
            q);
        !st)
      return fail_open(st.error);
    while (q.step()) {
      InstanceRecord r;
      r.group = q.text_at(0);
      r.name = q.text_at(1);
      r.pid = static_cast<pid_t>(q.int_at(2));
      r.pgid = static_cast<pid_t>(q.int_at(3));
      r.start_ticks = static_cast<uint64_t>(q.int_at(4));
      r.stopsignal = static_cast<int>(q.int_at(5));
      r.stopwaitsecs = static_cast<int>(q.int_at(6));
      r.stopasgroup = q.int_at(7) != 0;
      previous_instances_.push_back(std::move(r));
    }
    if (!q.status()) return fail_open(q.status().error);
  }
  {
    Stmt q;
    if (DbStatus st = db_->prepare("SELECT grp, name FROM admin_stopped", q); !st)
      return fail_open(st.error);
    while (q.step()) admin_stopped_.emplace(q.text_at(0), q.text_at(1));
    Stmt c;
    if (DbStatus st = db_->prepare("SELECT program, count FROM instance_counts", c); !st)
      return fail_open(st.error);
    while (c.step()) counts_[c.text_at(0)] = static_cast<int>(c.int_at(1));
  }

  // Record this run; remembered state is dropped when the option is off, so that turning
  // it on later does not resurrect old decisions.
  if (DbStatus st = db_->exec("BEGIN IMMEDIATE"); !st) {
    if (st.error.busy()) return fail_open("locked by another process (" + st.error.message + ")");
    return fail_open(st.error);
  }
  Stmt add_run;
  DbStatus st = db_->prepare(
      "INSERT INTO runs (pid, start_ticks, boot_id, started_ms) VALUES (?1, ?2, ?3, ?4)", add_run);
  if (st) {
    add_run.bind(1, int64_t{::getpid()}).bind(2, static_cast<int64_t>(my_ticks)).bind(3, boot);
    add_run.bind(4, wall_clock_ms());
    st = add_run.run();
  }
  if (st) {
    int64_t id = 0;
    st = db_->query_int("SELECT last_insert_rowid()", id);
    run_id_ = id;
  }
  if (st) st = db_->exec("DELETE FROM runs WHERE id <= " + std::to_string(run_id_ - kKeepRuns));
  if (st && !previous_run_.same_boot) st = db_->exec("DELETE FROM instances");
  if (st && !options_.remember_state) {
    st = db_->exec("DELETE FROM admin_stopped");
    if (st) st = db_->exec("DELETE FROM instance_counts");
    admin_stopped_.clear();
    counts_.clear();
  }
  if (st) st = db_->exec("COMMIT");
  if (!st) {
    (void)db_->exec("ROLLBACK");
    return fail_open(st.error);
  }
  stmts_ = std::move(stmts);
  disabled_reason_.clear();
  (void)prune();

  // Neither init can fail. Unreferenced: pending writes alone must not keep the loop
  // running (close() flushes).
  if (prepare_.init(loop_, uv_prepare_init)) {
    prepare_->data = this;
    uv_unref(prepare_.handle());
  }
  if (retry_.init(loop_, uv_timer_init)) {
    retry_->data = this;
    uv_unref(retry_.handle());
  }

  std::string prev =
      reset_                 ? "new file"
      : !previous_run_.found ? "first run"
      : previous_run_.clean
          ? "previous run (pid " + std::to_string(previous_run_.pid) + ") ended cleanly"
          : "previous run (pid " + std::to_string(previous_run_.pid) +
                ") did not shut down cleanly";
  log(kInfo, "statefile " + options_.path + " opened (schema " + std::to_string(mr.to) + "; " +
                 prev + "; " + std::to_string(previous_instances_.size()) +
                 " recorded instance(s))");
  return Status::success();
}

// ---- the queue -------------------------------------------------------------------------

void Store::request_flush() {
  if (!prepare_ || uv_is_active(prepare_.handle()) || !enabled()) return;
  uv_prepare_start(prepare_.get(), [](uv_prepare_t* h) { static_cast<Store*>(h->data)->flush(); });
}

void Store::record_history(HistoryEntry entry) {
  if (!enabled()) return;
  if (busy_logged_ && history_queue_.size() >= kMaxQueuedHistory) {
    // At once, not one by one: each erase at the front moves the whole queue.
    constexpr size_t kDrop = kMaxQueuedHistory / 4;
    history_queue_.erase(history_queue_.begin(),
                         history_queue_.begin() + static_cast<std::ptrdiff_t>(kDrop));
    dropped_history_ += kDrop;
  }
  history_queue_.push_back(std::move(entry));
  request_flush();
}

void Store::record_instance(InstanceRecord record) {
  if (!enabled()) return;
  auto key = std::make_pair(record.group, record.name);
  instance_queue_[key] = std::move(record);
  request_flush();
}

void Store::forget_instance(const std::string& group, const std::string& name) {
  if (!enabled()) return;
  instance_queue_[{group, name}] = std::nullopt;
  request_flush();
}

void Store::clear_previous_instances() {
  previous_instances_.clear();
  if (!enabled()) return;
  clear_previous_queued_ = true;
  request_flush();
}

void Store::set_admin_stopped(const std::string& group, const std::string& name, bool stopped) {
  auto key = std::make_pair(group, name);
  if (stopped == (admin_stopped_.count(key) != 0)) return;
  if (stopped)
    admin_stopped_.insert(key);
  else
    admin_stopped_.erase(key);
  if (!enabled()) return;
  admin_queue_[key] = stopped;
  request_flush();
}

void Store::forget_group(const std::string& group) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& k : admin_stopped_)
    if (k.first == group) keys.push_back(k);
  for (const auto& k : keys) set_admin_stopped(k.first, k.second, false);
}

void Store::set_instance_count(const std::string& program, int count) {
  counts_[program] = count;
  if (!enabled()) return;
  count_queue_[program] = count;
  request_flush();
}

void Store::forget_instance_count(const std::string& program) {
  counts_.erase(program);
  if (!enabled()) return;
  count_queue_[program] = std::nullopt;
  request_flush();
}

bool Store::admin_stopped(const std::string& group, const std::string& name) const {
  return admin_stopped_.count({group, name}) != 0;
}

std::optional<int> Store::instance_count(const std::string& program) const {
  auto it = counts_.find(program);
  if (it == counts_.end()) return std::nullopt;
  return it->second;
}

bool Store::flush() {
  if (in_flush_) return false;
  in_flush_ = true;
  if (before_flush_ && enabled()) before_flush_();
  bool done = !enabled() || commit_queue();
  in_flush_ = false;
  if (done && prepare_) uv_prepare_stop(prepare_.get());
  return done && enabled();
}

void Store::arm_retry() {
  if (prepare_) uv_prepare_stop(prepare_.get());
  if (retry_ && !uv_is_active(retry_.handle()))
    uv_timer_start(
        retry_.get(), [](uv_timer_t* h) { static_cast<Store*>(h->data)->flush(); }, kRetryMs, 0);
}

bool Store::commit_queue() {
  bool empty = history_queue_.empty() && instance_queue_.empty() && admin_queue_.empty() &&
               count_queue_.empty() && !clear_previous_queued_ && !end_run_queued_;
  if (empty) return true;
  Statements& s = *stmts_;
  auto began = std::chrono::steady_clock::now();
  DbStatus st = db_->exec("BEGIN IMMEDIATE");
  if (st) {
    for (const HistoryEntry& h : history_queue_) {
      s.insert_history.bind(1, h.time_ms).bind(2, h.group).bind(3, h.name);
      s.insert_history.bind(4, int64_t{static_cast<int>(h.from)})
          .bind(5, int64_t{static_cast<int>(h.to)});
      s.insert_history.bind(6, int64_t{h.pid})
          .bind(7, int64_t{h.exitstatus})
          .bind(8, int64_t{h.signal});
      s.insert_history.bind(9, h.spawnerr).bind(10, int64_t{h.tries}).bind(11, h.oom_kills);
      if (st = s.insert_history.run(); !st) break;
    }
  }
  if (st) {
    for (const auto& [key, rec] : instance_queue_) {
      if (rec) {
        s.upsert_instance.bind(1, rec->group).bind(2, rec->name).bind(3, run_id_);
        s.upsert_instance.bind(4, int64_t{rec->pid}).bind(5, int64_t{rec->pgid});
        s.upsert_instance.bind(6, static_cast<int64_t>(rec->start_ticks));
        s.upsert_instance.bind(7, int64_t{rec->stopsignal}).bind(8, int64_t{rec->stopwaitsecs});
        s.upsert_instance.bind(9, int64_t{rec->stopasgroup ? 1 : 0});
        st = s.upsert_instance.run();
      } else {
        st = s.delete_instance.bind(1, key.first).bind(2, key.second).run();
      }
      if (!st) break;
    }
  }
  if (st && clear_previous_queued_) st = s.clear_previous.bind(1, run_id_).run();
  if (st) {
    for (const auto& [key, stopped] : admin_queue_) {
      Stmt& q = stopped ? s.insert_admin : s.delete_admin;
      if (st = q.bind(1, key.first).bind(2, key.second).run(); !st) break;
    }
  }
  if (st) {
    for (const auto& [program, count] : count_queue_) {
      st = count ? s.upsert_count.bind(1, program).bind(2, int64_t{*count}).run()
                 : s.delete_count.bind(1, program).run();
      if (!st) break;
    }
  }
  if (st && end_run_queued_) st = s.end_run.bind(1, run_id_).bind(2, wall_clock_ms()).run();
  if (st) st = db_->exec("COMMIT");
  if (!st) {
    (void)db_->exec("ROLLBACK");
    if (st.error.transient()) {
      if (!busy_logged_)
        log(kWarn, "statefile " + options_.path + ": cannot write now (" + st.error.message +
                       "); " + std::to_string(history_queue_.size()) +
                       " history entries queued, retrying");
      busy_logged_ = true;
      arm_retry();
      return false;
    }
    disable(st.error.message);
    return true;
  }
  if (on_commit_)
    on_commit_(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  if (busy_logged_) log(kInfo, "statefile " + options_.path + ": writes resumed");
  if (dropped_history_ > 0)
    log(kWarn, "statefile " + options_.path + ": " + std::to_string(dropped_history_) +
                   " history entries were dropped while it could not be written");
  busy_logged_ = false;
  dropped_history_ = 0;
  inserted_since_prune_ += static_cast<int64_t>(history_queue_.size());
  // A burst (startAllProcesses of 1000: two entries each) grows the queue to thousands of
  // entries (~150 bytes each) for one commit; let that capacity go rather than keep it
  // for the daemon's lifetime. A usual commit holds a few entries and keeps its buffer.
  if (history_queue_.capacity() > kKeptHistoryCapacity)
    std::vector<HistoryEntry>().swap(history_queue_);
  else
    history_queue_.clear();
  instance_queue_.clear();
  admin_queue_.clear();
  count_queue_.clear();
  clear_previous_queued_ = false;
  end_run_queued_ = false;
  if (inserted_since_prune_ >= kPruneEvery) (void)prune();
  return true;
}

bool Store::prune() {
  if (!enabled()) return false;
  inserted_since_prune_ = 0;
  Statements& s = *stmts_;
  DbStatus st = DbStatus::success();
  if (options_.history_max_age_s > 0)
    st = s.prune_age.bind(1, wall_clock_ms() - options_.history_max_age_s * 1000).run();
  if (st && options_.history_max_rows > 0)
    st = s.prune_rows.bind(1, options_.history_max_rows).run();
  if (!st) log(kDebug, "statefile " + options_.path + ": prune failed: " + st.error.message);
  return static_cast<bool>(st);
}

// ---- reads -----------------------------------------------------------------------------

Result<std::vector<HistoryEntry>> Store::history(const std::string& namespec, int limit) {
  using R = Result<std::vector<HistoryEntry>>;
  if (!enabled()) return R::fail("state store unavailable: " + disabled_reason_);
  flush();  // what happened up to now is part of the answer
  if (!enabled()) return R::fail("state store unavailable: " + disabled_reason_);
  Statements& s = *stmts_;
  Stmt* q = &s.history_all;
  auto colon = namespec.find(':');
  if (namespec.empty()) {
    q = &s.history_all;
  } else if (colon == std::string::npos) {
    q = &s.history_bare;
    q->bind(2, namespec);
  } else {
    std::string group = namespec.substr(0, colon);
    std::string name = namespec.substr(colon + 1);
    if (name.empty() || name == "*") {
      q = &s.history_group;
      q->bind(2, group);
    } else {
      q = &s.history_process;
      q->bind(2, group).bind(3, name);
    }
  }
  q->bind(1, int64_t{std::max(limit, 0)});
  std::vector<HistoryEntry> out;
  while (q->step()) {
    HistoryEntry h;
    h.time_ms = q->int_at(0);
    h.group = q->text_at(1);
    h.name = q->text_at(2);
    h.from =
        process_state_from_code(static_cast<int>(q->int_at(3))).value_or(ProcessState::Unknown);
    h.to = process_state_from_code(static_cast<int>(q->int_at(4))).value_or(ProcessState::Unknown);
    h.pid = static_cast<pid_t>(q->int_at(5));
    h.exitstatus = static_cast<int>(q->int_at(6));
    h.signal = static_cast<int>(q->int_at(7));
    h.spawnerr = q->text_at(8);
    h.tries = static_cast<int>(q->int_at(9));
    h.oom_kills = q->int_at(10);
    out.push_back(std::move(h));
  }
  DbStatus st = q->status();
  q->reset();
  if (!st) return R::fail("cannot read history: " + st.error.message);
  std::reverse(out.begin(), out.end());
  return out;
}

// ---- close -----------------------------------------------------------------------------

void Store::close(bool clean, std::function<void()> done) {
  if (enabled()) {
    if (clean) end_run_queued_ = true;
    if (!flush() && clean)
      log(kWarn, "statefile " + options_.path + ": the last writes could not be committed");
  }
  stmts_.reset();
  db_.reset();
  if (disabled_reason_.empty()) disabled_reason_ = "closed";
  uvx::close_all(std::move(done), prepare_, retry_);
}

}  // namespace store
