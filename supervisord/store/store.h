// store.h — the state that outlives the daemon (statefile=): an SQLite file (WAL, versioned
// schema with migrations, prepared statements) holding process state history, the live
// instances (for crash recovery) and remembered admin state. Writes are queued in memory
// and committed as one transaction from a uv_prepare_t, i.e. just before the loop sleeps.
// Failure policy: a corrupt file (not a database, malformed) is renamed
// `<path>.corrupt-<time>` with its -wal/-shm, kept, and a fresh file is created in its place
// (logged; reset_info() tells). An otherwise unusable file (unwritable, locked, newer
// schema, in use by a live supervisord) is logged and the Store runs disabled — every call stays
// valid and cheap, and nothing here ever blocks or aborts supervision (busy_timeout 0; a busy
// commit is retried from a timer, with a bounded queue). Owns: the sqlite connection, one
// uv_prepare_t and one uv_timer_t (closed in close()). Must not depend on: process/, the
// Supervisor, rpc/ (store/observer.* adapts those).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "supervisord/store/db.h"
#include "supervisord/store/records.h"
#include "supervisord/uvx/handle.h"

namespace store {

// Levels as the daemon log's: CRIT 50 ERRO 40 WARN 30 INFO 20 DEBG 10.
using LogFn = std::function<void(int level, const std::string& text)>;

inline constexpr int64_t kDefaultHistoryMaxRows = 100000;
inline constexpr int64_t kDefaultHistoryMaxAgeSeconds = 30 * 24 * 3600;

struct Options {
  std::string path;             // resolved (see resolve_statefile); "" = disabled
  bool remember_state = false;  // false: remembered admin state is cleared at open
  int64_t history_max_rows = kDefaultHistoryMaxRows;         // <= 0: unbounded
  int64_t history_max_age_s = kDefaultHistoryMaxAgeSeconds;  // <= 0: unbounded
  LogFn log;
};

// [supervisord] statefile: "none" -> "" (off); "" -> next to the pidfile, named after it
// ("/run/supervisord.pid" -> "/run/supervisord.state"); anything else as given.
std::string resolve_statefile(const std::string& option, const std::string& pidfile);

int64_t wall_clock_ms();

class Store {
 public:
  explicit Store(uv_loop_t* loop);
  ~Store();  // close() must have completed if open() was called
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Opens or creates the file, migrates it, records this run, loads the previous run's
  // instances and the remembered state. Call after daemonizing (sqlite locks do not
  // survive fork). On failure logs why and returns the reason; the Store stays disabled.
  Status open(Options options);
  bool enabled() const { return db_ != nullptr; }
  const std::string& disabled_reason() const { return disabled_reason_; }
  const std::string& path() const { return options_.path; }
  // Set when open() found the file corrupt and moved it aside: the store is a fresh one,
  // with no history of earlier runs and no record for crash recovery.
  struct ResetInfo {
    std::string reason;    // sqlite's message ("file is not a database")
    std::string moved_to;  // where the corrupt file is now
  };
  const std::optional<ResetInfo>& reset_info() const { return reset_; }

  // ---- the previous run (read at open) ----
  const PreviousRun& previous_run() const { return previous_run_; }
  // Instances the previous run recorded, for store::Recovery (empty after a reboot).
  const std::vector<InstanceRecord>& previous_instances() const { return previous_instances_; }
  // Recovery is done: the previous run's instance rows are deleted.
  void clear_previous_instances();

  // ---- writes: queued, committed before the loop sleeps ----
  void record_history(HistoryEntry entry);
  void record_instance(InstanceRecord record);  // replaces the row of (group, name)
  void forget_instance(const std::string& group, const std::string& name);
  void set_admin_stopped(const std::string& group, const std::string& name, bool stopped);
  void forget_group(const std::string& group);  // its remembered admin state
  void set_instance_count(const std::string& program, int count);
  void forget_instance_count(const std::string& program);
  // Runs at the start of every flush, so an adapter can add what it resolved late
  // (a STARTING process's pid is known only once the fork happened).
  void set_before_flush(std::function<void()> fn) { before_flush_ = std::move(fn); }
  // Told the seconds each committed write transaction took (metrics).
  void set_on_commit(std::function<void(double seconds)> fn) { on_commit_ = std::move(fn); }
  // Arms the flush for this loop iteration (record_* do it themselves).
  void request_flush();
  // Commits the queue now. false if something stays queued (busy) or the store is off.
  bool flush();

  // ---- reads ----
  // The last `limit` entries (oldest first) matching `namespec`: "" = all, "g:*" or "g:"
  // = group g, "g:n" = that process, "x" = process x in any group or group x.
  Result<std::vector<HistoryEntry>> history(const std::string& namespec, int limit);
  bool admin_stopped(const std::string& group, const std::string& name) const;
  const std::set<std::pair<std::string, std::string>>& admin_stopped_set() const {
    return admin_stopped_;
  }
  std::optional<int> instance_count(const std::string& program) const;
  const std::map<std::string, int>& instance_counts() const { return counts_; }

  // Commits what is queued, marks the run ended cleanly if `clean`, closes the handles
  // and the file; `done` runs from the last close callback.
  void close(bool clean, std::function<void()> done);

 private:
  struct Statements;
  Status open_file();
  Status fail_open(const std::string& reason);
  Status fail_open(const DbError& error);
  std::string move_aside();
  void disable(const std::string& why);
  void log(int level, const std::string& text) const;
  bool commit_queue();
  void arm_retry();
  bool prune();

  uv_loop_t* loop_;
  Options options_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<Statements> stmts_;
  std::string disabled_reason_ = "not opened";
  bool open_corrupt_ = false;  // the last open_file() failed on a corrupt file
  std::optional<ResetInfo> reset_;
  int64_t run_id_ = 0;
  PreviousRun previous_run_;
  std::vector<InstanceRecord> previous_instances_;

  // Queued writes. Keyed ones keep the last write per key (nullopt = delete).
  std::vector<HistoryEntry> history_queue_;
  std::map<std::pair<std::string, std::string>, std::optional<InstanceRecord>> instance_queue_;
  std::map<std::pair<std::string, std::string>, bool> admin_queue_;
  std::map<std::string, std::optional<int>> count_queue_;
  bool clear_previous_queued_ = false;
  bool end_run_queued_ = false;
  int64_t inserted_since_prune_ = 0;
  bool busy_logged_ = false;
  size_t dropped_history_ = 0;

  // In-memory mirrors (read without touching the file).
  std::set<std::pair<std::string, std::string>> admin_stopped_;
  std::map<std::string, int> counts_;

  std::function<void()> before_flush_;
  std::function<void(double)> on_commit_;
  bool in_flush_ = false;
  uvx::Handle<uv_prepare_t> prepare_;
  uvx::Handle<uv_timer_t> retry_;
};

}  // namespace store
