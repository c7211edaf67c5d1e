// fake_spawner.h — test support: a spawn::Spawner that forks nothing. Its children are pids
// no real process can have, every signal sent to them is recorded, and their exits reach
// the Reaper exactly as reaped ones do (Reaper::deliver). stdout and stderr are real pipes,
// so a test can write a child's output. Shared by the unit tests of Process and of what
// drives it (the Supervisor facade).
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisord/process/reaper.h"
#include "supervisord/process/spawn.h"
#include "supervisord/uvx/handle.h"

// Runs turns of `loop` until pred() holds: at most `turns` of them, and a deadline timer
// makes sure no turn waits longer than `deadline_ms` in all. Returns pred().
template <class Pred>
bool turn_until(uv_loop_t* loop, Pred pred, int turns, uint64_t deadline_ms) {
  uvx::Handle<uv_timer_t> deadline;
  if (!deadline.init(loop, uv_timer_init)) return pred();
  uv_timer_start(
      deadline.get(), [](uv_timer_t*) {}, deadline_ms, 0);
  for (int i = 0; i < turns && !pred() && uv_is_active(deadline.handle()); ++i)
    uv_run(loop, UV_RUN_ONCE);
  return pred();
}

// The end of a test's loop: closes the Reaper (its children's spawner already gone), runs
// the close callbacks (a bounded number of turns) and closes the loop; false if a handle
// was left open.
inline bool close_reaper_and_loop(uv_loop_t* loop, Reaper& reaper) {
  bool reaped = false;
  reaper.close([&] { reaped = true; });
  for (int i = 0; i < 10 && !reaped; ++i) uv_run(loop, UV_RUN_NOWAIT);
  uv_run(loop, UV_RUN_NOWAIT);
  return uv_loop_close(loop) == 0;
}

class FakeSpawner : public spawn::Spawner {
 public:
  // Linux's pid_max cannot exceed 4194304 (PID_MAX_LIMIT): no real process has these pids.
  static constexpr pid_t kFirstPid = 5'000'000;

  // Wait statuses, as waitpid(2) reports them.
  static int exited(int code) { return (code & 0xff) << 8; }
  static int killed_by(int sig) { return sig & 0x7f; }

  struct Sent {
    pid_t target;  // as given: -pgid for a process group
    int sig;
  };

  FakeSpawner(uv_loop_t* loop, Reaper& reaper) : loop_(loop), reaper_(reaper) {}
  ~FakeSpawner() override {
    timer_.close();
    for (auto& [pid, c] : children_) close_ends(c);
  }
  FakeSpawner(const FakeSpawner&) = delete;
  FakeSpawner& operator=(const FakeSpawner&) = delete;

  // When true (the default), SIGTERM or SIGKILL to a live child (or its group) ends it:
  // its exit, killed by that signal, is delivered on the next loop turn. SIGKILL always
  // does; set false for a child that ignores SIGTERM.
  bool term_kills = true;
  // The next spawn fails with this error (as fork_exec's parent-side errors do).
  std::optional<std::string> fail_next;

  std::vector<Sent> sent;                // every signal but 0, in order
  std::vector<spawn::ExecPlan> spawned;  // every plan that made a child, in order

  Result<spawn::Child> spawn(const spawn::ExecPlan& plan) override {
    if (fail_next) {
      std::string error = std::move(*fail_next);
      fail_next.reset();
      return Result<spawn::Child>::fail(std::move(error));
    }
    spawn::Child child;
    child.pid = next_pid_++;
    Ends ends;
    if (!plan.stdout_null) child.stdout_fd = make_pipe(&ends.out);
    if (!plan.redirect_stderr && !plan.stderr_null) child.stderr_fd = make_pipe(&ends.err);
    if (plan.redirect_stderr) ends.err = -1;  // stderr goes where stdout goes
    children_[child.pid] = ends;
    spawned.push_back(plan);
    return child;
  }

  int kill(pid_t target, int sig) override {
    pid_t pid = target < 0 ? -target : target;  // every fake child leads its own group
    auto it = children_.find(pid);
    if (it == children_.end() || !it->second.alive) {
      errno = ESRCH;
      return -1;
    }
    if (sig == 0) return 0;
    sent.push_back({target, sig});
    if (sig == SIGKILL || (sig == SIGTERM && term_kills)) exit_soon(pid, killed_by(sig));
    return 0;
  }

  // The child exits now: its write ends close (EOF on the pipes), then the Reaper hands
  // (pid, wait_status) to its owner.
  void exit(pid_t pid, int wait_status) {
    auto it = children_.find(pid);
    if (it == children_.end() || !it->second.alive) return;
    it->second.alive = false;
    close_ends(it->second);
    reaper_.deliver(pid, wait_status);
  }

  // The child exits on the next loop turn (as a real exit arrives: later, from the loop).
  void exit_soon(pid_t pid, int wait_status) {
    pending_.emplace_back(pid, wait_status);
    if (!timer_) {
      if (!timer_.init(loop_, uv_timer_init)) return;
      timer_->data = this;
    }
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* t) {
          auto* self = static_cast<FakeSpawner*>(t->data);
          auto due = std::exchange(self->pending_, {});
          for (auto [pid, status] : due) self->exit(pid, status);
        },
        0, 0);
  }

  bool alive(pid_t pid) const {
    auto it = children_.find(pid);
    return it != children_.end() && it->second.alive;
  }
  // The child's end of its stdout (or stderr) pipe: what a test writes there, the Process
  // reads. -1 once the child exited, or for a channel without a pipe.
  int output_fd(pid_t pid, bool is_stderr) const {
    auto it = children_.find(pid);
    if (it == children_.end()) return -1;
    return is_stderr ? it->second.err : it->second.out;
  }
  // Signals sent with this number, in order.
  std::vector<pid_t> targets_of(int sig) const {
    std::vector<pid_t> t;
    for (const Sent& s : sent)
      if (s.sig == sig) t.push_back(s.target);
    return t;
  }

 private:
  struct Ends {
    int out = -1;
    int err = -1;
    bool alive = true;
  };
  // A pipe: returns the parent's end (non-blocking, as fork_exec gives), keeps the child's.
  static int make_pipe(int* child_end) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    *child_end = fds[1];
    return fds[0];
  }
  static void close_ends(Ends& e) {
    for (int* fd : {&e.out, &e.err})
      if (*fd >= 0) ::close(std::exchange(*fd, -1));
  }

  uv_loop_t* loop_;
  Reaper& reaper_;
  pid_t next_pid_ = kFirstPid;
  std::map<pid_t, Ends> children_;
  std::vector<std::pair<pid_t, int>> pending_;
  uvx::Handle<uv_timer_t> timer_;
};
