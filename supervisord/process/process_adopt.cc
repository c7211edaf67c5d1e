// process_adopt.cc — re-exec in place (process/adoption.h): a live Process as data for
// the next image of the daemon, and a Process built from that data instead of a spawn.
#include <fcntl.h>

#include <algorithm>

#include "supervisord/process/process.h"

namespace {

// The new image owns the descriptor again: closed at its own next exec.
int keep(int fd) {
  if (fd >= 0) (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

}  // namespace

Adoption Process::handover() const {
  Adoption a;
  a.facts = facts_;
  uint64_t now = uv_now(loop_);
  for (int i = 0; i < fsm::kTimerCount; ++i) {
    const uv_timer_t* t = timers_[static_cast<size_t>(i)].get();
    if (t && uv_is_active(reinterpret_cast<const uv_handle_t*>(t)))
      a.deadline_ms[static_cast<size_t>(i)] = static_cast<int64_t>(now + uv_timer_get_due_in(t));
  }
  a.stdin_fd = pipe_fd(kStdin);
  a.stdin_ino = stdin_ino_;
  a.stdout_fd = pipe_fd(kStdout);
  a.stderr_fd = pipe_fd(kStderr);
  a.notify_fd = notify_fd_;
  a.listen_fd = listen_fd_;
  a.notify_path = text(&Texts::notify_path);
  a.status_text = text(&Texts::status_text);
  a.cgroup_dir = cgroup_dir_;
  a.oom_base = oom_base_;
  return a;
}

void Process::adopt(const Adoption& a) {
  facts_ = a.facts;
  if (a.stdin_fd >= 0) open_pipe(keep(a.stdin_fd), kStdin);
  stdin_ino_ = a.stdin_ino;
  if (a.stdout_fd >= 0) open_pipe(keep(a.stdout_fd), kStdout);
  if (a.stderr_fd >= 0) open_pipe(keep(a.stderr_fd), kStderr);
  if (a.notify_fd >= 0 && watch_notify(keep(a.notify_fd)))
    set_text(&Texts::notify_path, a.notify_path);
  listen_fd_ = keep(a.listen_fd);
  set_text(&Texts::status_text, a.status_text);
  cgroup_dir_ = a.cgroup_dir;
  oom_base_ = a.oom_base;
  if (facts_.pid > 0) reaper_.watch(facts_.pid, [this](pid_t p, int st) { on_exit(p, st); });
  uv_update_time(loop_);
  auto now = static_cast<int64_t>(uv_now(loop_));
  for (int i = 0; i < fsm::kTimerCount; ++i) {
    int64_t due = a.deadline_ms[static_cast<size_t>(i)];
    if (due == 0) continue;
    auto id = static_cast<fsm::TimerId>(i);
    if (uv_timer_t* t = fsm_timer(id))
      uv_timer_start(t, timer_callback(id), static_cast<uint64_t>(std::max<int64_t>(0, due - now)),
                     0);
  }
  sync_group_watcher();
  sync_probe();
}
