// schema.h — the statefile's versioned schema: PRAGMA user_version holds the version, and
// migration i takes a file from version i to i+1 inside one transaction (a failed step
// leaves the file as it was). A file newer than this binary is refused, never downgraded.
// Must not depend on: uv.h, the Supervisor; only db.h.
#pragma once

#include <cstdint>
#include <string>

#include "supervisord/store/db.h"

namespace store {

int64_t schema_version();  // the version this binary writes

struct MigrationResult {
  int64_t from = 0;
  int64_t to = 0;
};

// Brings the open database to schema_version(). Fails with SQLITE_BUSY when locked, with
// the file's own error when it is not a database, and with code -1 ("newer") when the
// file's version is above ours.
DbStatus migrate(Db& db, MigrationResult& out);

}  // namespace store
