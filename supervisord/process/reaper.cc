// reaper.cc — SIGCHLD -> waitpid(-1, WNOHANG) until nothing is left -> dispatch.
#include "supervisord/process/reaper.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <utility>

Reaper::Reaper(uv_loop_t* loop) : loop_(loop) {}

Reaper::~Reaper() = default;

Status Reaper::start() {
  if (signal_) return Status::success();
  if (Status st = signal_.init(loop_, uv_signal_init); !st)
    return Status::fail("cannot watch SIGCHLD: " + st.error());
  signal_->data = this;
  int rc = uv_signal_start(signal_.get(), &Reaper::on_signal, SIGCHLD);
  if (rc != 0) return Status::fail(std::string("cannot watch SIGCHLD: ") + uv_strerror(rc));
  // Children that exited before we started watching would otherwise wait for the next one.
  reap();
  return Status::success();
}

void Reaper::close(std::function<void()> done) {
  if (!signal_) {
    if (done) done();
    return;
  }
  signal_.close(std::move(done));
}

void Reaper::watch(pid_t pid, ExitFn on_exit) {
  owners_[pid] = std::move(on_exit);
}
void Reaper::unwatch(pid_t pid) {
  owners_.erase(pid);
}

uint64_t Reaper::add_group_watcher(WatcherFn fn) {
  uint64_t id = next_watcher_++;
  watchers_.emplace(id, std::move(fn));
  return id;
}
void Reaper::remove_group_watcher(uint64_t id) {
  watchers_.erase(id);
}

void Reaper::on_signal(uv_signal_t* handle, int) {
  static_cast<Reaper*>(handle->data)->reap();
}

void Reaper::reap() {
  // Collect first, dispatch after: an owner's callback may spawn (and so fork) again.
  std::vector<std::pair<pid_t, int>> reaped;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      reaped.emplace_back(pid, status);
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    break;  // 0: children left but none exited; ECHILD: no children at all
  }
  if (!reaped.empty()) dispatch(reaped);
}

void Reaper::deliver(pid_t pid, int wait_status) {
  dispatch({{pid, wait_status}});
}

void Reaper::dispatch(const std::vector<std::pair<pid_t, int>>& reaped) {
  for (auto [pid, status] : reaped) {
    auto it = owners_.find(pid);
    if (it != owners_.end()) {
      ExitFn fn = std::move(it->second);
      owners_.erase(it);
      fn(pid, status);
    } else if (unknown_) {
      unknown_(pid, status);
    }
  }
  // A watcher may remove itself (group now empty): iterate over a snapshot of the ids.
  std::vector<uint64_t> ids;
  for (const auto& [id, fn] : watchers_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = watchers_.find(id);
    if (it != watchers_.end()) {
      WatcherFn fn = it->second;
      fn();
    }
  }
}

Status Reaper::become_subreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return Status::fail(std::string("prctl(PR_SET_CHILD_SUBREAPER): ") + strerror(errno));
  return Status::success();
}
