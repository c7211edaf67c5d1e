// db.cc — sqlite3 calls behind db.h.
#include "supervisord/store/db.h"

#include <sqlite3.h>

#include <utility>

// SQLite's built-in extensions, as Debian's static libsqlite3.a has them: full-text search
// (FTS3/4, FTS5), R*Tree and the dbstat table. sqlite3_open_v2 registers each on every
// connection, so all their code was linked (~340 KiB, an eighth of the daemon's text) and
// its registration ran at open (~200 KiB more resident, counting the heap). The state file
// uses none of them. These definitions come first in the link (this object is pulled in
// before the library is searched), so the library's objects that define the same names
// are left out; a SQLite built another way (a shared library, or one object) keeps its
// own and never calls these. Each is what the extension's registration returns on success.
extern "C" {
int sqlite3Fts3Init(sqlite3*) {
  return SQLITE_OK;
}
int sqlite3Fts5Init(sqlite3*) {
  return SQLITE_OK;
}
int sqlite3RtreeInit(sqlite3*) {
  return SQLITE_OK;
}
int sqlite3DbstatRegister(sqlite3*) {
  return SQLITE_OK;
}
}

namespace store {

bool DbError::busy() const {
  int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool DbError::corrupt() const {
  int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

bool DbError::transient() const {
  int primary = code & 0xff;
  return busy() || primary == SQLITE_FULL || primary == SQLITE_IOERR;
}

// ---- Stmt ------------------------------------------------------------------------------

Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), status_(other.status_) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    status_ = other.status_;
  }
  return *this;
}

Stmt& Stmt::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE)
    status_ = DbStatus::fail({sqlite3_extended_errcode(db_), sqlite3_errmsg(db_)});
  return false;
}

DbStatus Stmt::run() {
  status_ = DbStatus::success();
  while (step()) {
  }
  DbStatus st = status_;
  reset();
  return st;
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::int_at(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Stmt::text_at(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Stmt::null_at(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

namespace {

// Process-wide settings, before SQLite's first use (sqlite3_config is refused afterwards).
// The store's file is small and written in short transactions, so SQLite's defaults for a
// busy database only cost resident memory here:
//  - no page-cache "bulk": by default the first page fetched preallocates 20 pages
//    (~90 KiB) and threads a free list through them, so every page of it is touched;
//    pages are now allocated as the file needs them (a fresh state file has 6);
//  - no lookaside: each connection's 48 KiB pool of small-allocation slots is linked into
//    free lists at open, touching all of it; those few allocations go to malloc instead;
//  - no memory-usage statistics (a global counter updated under a mutex on every malloc).
void configure_sqlite_once() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

// ---- Db ----------------------------------------------------------------------------

Db::~Db() {
  close();
}

DbError Db::last_error(int rc) const {
  if (!db_) return {rc, sqlite3_errstr(rc)};
  return {sqlite3_extended_errcode(db_), sqlite3_errmsg(db_)};
}

DbStatus Db::open(const std::string& path, bool create) {
  close();
  configure_sqlite_once();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    DbError e = last_error(rc);
    close();
    return DbStatus::fail(e);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 0);
  return DbStatus::success();
}

void Db::close() {
  if (!db_) return;
  // Statements are owned by their Stmt objects, finalized first by the Store;
  // sqlite3_close_v2 defers the close until the last one is gone in any case.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

DbStatus Db::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return DbStatus::success();
  DbError e{sqlite3_extended_errcode(db_), message ? message : sqlite3_errstr(rc)};
  sqlite3_free(message);
  return DbStatus::fail(e);
}

DbStatus Db::prepare(const std::string& sql, Stmt& out) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return DbStatus::fail(last_error(rc));
  out = Stmt(stmt, db_);
  return DbStatus::success();
}

DbStatus Db::query_int(const std::string& sql, int64_t& out) {
  Stmt s;
  if (DbStatus st = prepare(sql, s); !st) return st;
  out = 0;
  if (s.step()) out = s.int_at(0);
  return s.status();
}

int64_t Db::changes() const {
  return db_ ? sqlite3_changes64(db_) : 0;
}

}  // namespace store
