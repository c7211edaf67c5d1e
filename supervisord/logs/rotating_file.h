// rotating_file.h — one append-only log file with Supervisor's size rotation:
// after a write that leaves the file at >= maxbytes, x.log.(n-1) -> x.log.n … x.log -> x.log.1
// (the oldest falls off), or a plain truncate when backups == 0. Used by child logs and the
// daemon log. Owns the file descriptor and the "report an error once" bookkeeping.
// Must not depend on libuv, spdlog or the config model: callers pass plain values.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logs {

class RotatingFile {
 public:
  // Called with (path, message) when writing, opening or rotating starts failing. Called
  // again only after a write has succeeded in between: a full disk logs one line, not one
  // per chunk of output.
  using ErrorCallback = std::function<void(const std::string& path, const std::string& message)>;

  // maxbytes <= 0: never rotate. backups < 0 is treated as 0.
  RotatingFile(std::string path, int64_t maxbytes, int backups, ErrorCallback on_error = {});
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Opens (creating with 0666 & ~umask) in append mode. A failure is also reported through
  // the error callback; write() keeps retrying the open, so a later mkdir fixes logging.
  Status open();

  // Writes all of `bytes` with one write(2) per attempt on an O_APPEND descriptor, so
  // several writers sharing the path (numprocs) never interleave inside a chunk. A short
  // write loops. Rotates afterwards when due. Never throws, never gives up for good.
  // Returns how many of the bytes were not written (the file cannot be opened, a write
  // failed, or a pipe stalled): lost, as the error callback said.
  size_t write(std::string_view bytes);

  // Closes and opens the path again (SIGUSR2 after logrotate moved the file away).
  Status reopen();

  // Deletes the current file (not the backups) and opens a fresh one (clearLog).
  Status clear();

  void close();

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  // False for pipes, ttys and character devices (/dev/stdout): never sought, never rotated.
  bool is_regular() const { return regular_; }
  int64_t maxbytes() const { return maxbytes_; }
  int backups() const { return backups_; }

 private:
  Status open_fd();
  void rotate();
  void maybe_rotate();
  void report(const std::string& what, int err);

  std::string path_;
  int64_t maxbytes_;
  int backups_;
  ErrorCallback on_error_;
  int fd_ = -1;
  bool regular_ = true;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool error_reported_ = false;  // one message per failure episode
  bool failed_ = false;          // something failed during the current call
};

}  // namespace logs
