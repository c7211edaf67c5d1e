// schema.cc — the migrations, oldest first. Never edit a shipped step: add the next one.
#include "supervisord/store/schema.h"

#include <array>

namespace store {
namespace {

constexpr std::array<const char*, 2> kMigrations = {
    // 0 -> 1: runs, history, live instances, remembered admin state.
    R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  pid INTEGER NOT NULL,
  start_ticks INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER
);
CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  from_state INTEGER NOT NULL,
  to_state INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  exitstatus INTEGER NOT NULL,
  signal INTEGER NOT NULL,
  spawnerr TEXT NOT NULL,
  tries INTEGER NOT NULL
);
CREATE INDEX history_by_time ON history (time_ms);
CREATE INDEX history_by_process ON history (grp, name, id);
CREATE TABLE instances (
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  pgid INTEGER NOT NULL,
  start_ticks INTEGER NOT NULL,
  stopsignal INTEGER NOT NULL,
  stopwaitsecs INTEGER NOT NULL,
  stopasgroup INTEGER NOT NULL,
  PRIMARY KEY (grp, name)
);
CREATE TABLE admin_stopped (
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (grp, name)
);
CREATE TABLE instance_counts (
  program TEXT PRIMARY KEY,
  count INTEGER NOT NULL
);
)sql",
    // 1 -> 2: the OOM kills of the run a history entry ended (cgroups extension).
    R"sql(
ALTER TABLE history ADD COLUMN oom_kills INTEGER NOT NULL DEFAULT 0;
)sql",
};

}  // namespace

int64_t schema_version() {
  return static_cast<int64_t>(kMigrations.size());
}

DbStatus migrate(Db& db, MigrationResult& out) {
  // IMMEDIATE: take the write lock before reading the version, so two daemons racing on
  // one new file cannot both run step 0.
  if (DbStatus st = db.exec("BEGIN IMMEDIATE"); !st) return st;
  auto rollback = [&db](DbStatus st) {
    (void)db.exec("ROLLBACK");
    return st;
  };
  int64_t version = 0;
  if (DbStatus st = db.query_int("PRAGMA user_version", version); !st) return rollback(st);
  out.from = out.to = version;
  if (version > schema_version())
    return rollback(DbStatus::fail({-1, "statefile schema version " + std::to_string(version) +
                                            " is newer than this supervisord's (" +
                                            std::to_string(schema_version()) + ")"}));
  for (int64_t v = version; v < schema_version(); ++v)
    if (DbStatus st = db.exec(kMigrations[static_cast<size_t>(v)]); !st) return rollback(st);
  if (version != schema_version()) {
    if (DbStatus st = db.exec("PRAGMA user_version = " + std::to_string(schema_version())); !st)
      return rollback(st);
  }
  if (DbStatus st = db.exec("COMMIT"); !st) return rollback(st);
  out.to = schema_version();
  return DbStatus::success();
}

}  // namespace store
