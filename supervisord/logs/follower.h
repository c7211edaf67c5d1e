// follower.h — `tail -f` of a log file for the HTTP /logtail/<name> and /mainlogtail pages:
// the last `head` bytes, then what is appended, across rotation (the path gets a new inode)
// and truncation (`==> File truncated <==\n`). Woken by inotify through libuv's uv_fs_event_t
// on the file's directory (the file itself may be renamed away and recreated), so an idle
// follower costs nothing. Must not depend on HTTP or the RPC layer: data goes to a callback.
//
// Handle ownership: the Follower owns one uv_fs_event_t (a uvx::Handle). close() (also run
// by the destructor) closes it; its memory is freed in the close callback, after the
// Follower may already be gone — so a Follower can be destroyed at any
// time on the loop thread, and no callback reaches it after close(). The loop must run once
// more after close() for the handle memory to be released.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "supervisord/uvx/handle.h"

namespace logs {

inline constexpr std::string_view kTruncatedNotice = "==> File truncated <==\n";

class Follower {
 public:
  // Returns false to pause the follower (a reader slower than the file grows): nothing
  // more is read until resume().
  using DataCallback = std::function<bool(std::string_view data)>;

  // on_data may call close() but must not destroy the Follower from inside the callback.
  // Opens `path` (it must exist: the caller answers 404 otherwise), delivers the last
  // `head` bytes through `on_data` before returning, then watches. Raw bytes, unlike
  // read_file: the HTTP page is text/plain, not XML.
  static Result<std::unique_ptr<Follower>> start(uv_loop_t* loop, const std::string& path,
                                                 DataCallback on_data, int64_t head = 1024);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  void close();
  // Back-pressure (on_data returned false): while paused nothing is read (the bytes wait
  // in the file, the position is kept); resume() reads what came meanwhile. A rotation
  // while paused loses what the old file got after the pause, as `tail -F` would.
  void resume();
  // Looks at the file now (what an inotify event triggers); public for callers that know
  // better, e.g. right after writing it themselves.
  void check();

 private:
  Follower(std::string path, DataCallback on_data)
      : path_(std::move(path)), on_data_(std::move(on_data)) {}
  bool open_file();
  void read_new(int fd);
  static void on_fs_event(uv_fs_event_t* handle, const char* filename, int events, int status);

  std::string path_;
  std::string dir_;
  std::string base_;
  DataCallback on_data_;
  int fd_ = -1;
  uint64_t dev_ = 0;
  uint64_t ino_ = 0;
  int64_t pos_ = 0;  // bytes of the current inode already delivered
  bool paused_ = false;
  uvx::Handle<uv_fs_event_t> watch_;
};

}  // namespace logs
