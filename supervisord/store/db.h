// db.h — a thin RAII layer over one sqlite3 connection and its prepared statements:
// open with flags, exec, prepare/bind/step/column, and errors as values (the sqlite
// result code plus sqlite's message). The only header of the project that names sqlite
// types, and it only forward-declares them: sqlite3.h stays inside store/*.cc.
// Must not depend on: uv.h, the Supervisor, process/, rpc/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace store {

// A failed sqlite call: its primary result code (SQLITE_BUSY, SQLITE_NOTADB, ...) and text.
struct DbError {
  int code = 0;
  std::string message;
  bool busy() const;       // locked by another connection: worth retrying later
  bool transient() const;  // busy, disk full or I/O error: keep the batch, retry later
  bool corrupt() const;    // not a database, or a malformed one
};

// Success, or the error of the first failing call.
struct DbStatus {
  DbError error;
  bool failed = false;
  static DbStatus success() { return {}; }
  static DbStatus fail(DbError e) { return {std::move(e), true}; }
  explicit operator bool() const { return !failed; }
};

class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based, as sqlite's.
  Stmt& bind(int index, int64_t value);
  Stmt& bind(int index, std::string_view value);
  Stmt& bind_null(int index);
  // One step: true when a row is available, false when done (or failed: see status()).
  bool step();
  // Runs to completion (for statements without rows) and resets.
  DbStatus run();
  void reset();  // resets and clears bindings, ready for the next use

  int64_t int_at(int column) const;
  std::string text_at(int column) const;
  bool null_at(int column) const;
  const DbStatus& status() const { return status_; }
  bool valid() const { return stmt_ != nullptr; }

 private:
  friend class Db;
  Stmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  DbStatus status_;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens (creating the file if `create`). busy_timeout 0: a locked database answers
  // SQLITE_BUSY at once, it never blocks the loop.
  DbStatus open(const std::string& path, bool create);
  void close();
  bool is_open() const { return db_ != nullptr; }

  DbStatus exec(const std::string& sql);
  // Prepared once, kept for the connection's life (SQLITE_PREPARE_PERSISTENT).
  DbStatus prepare(const std::string& sql, Stmt& out);
  // The single integer of a query such as "PRAGMA user_version".
  DbStatus query_int(const std::string& sql, int64_t& out);
  int64_t changes() const;

 private:
  DbError last_error(int rc) const;
  sqlite3* db_ = nullptr;
};

}  // namespace store
