// process.cc — the effectful driver of the fsm (the pure planner is fsm.cc; the effects
// live here). Every state change comes out of fsm::step; this file only performs actions.
#include "supervisord/process/process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <utility>

#include "common/invariant.h"
#include "supervisord/process/readiness.h"

extern char** environ;

namespace {

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr int kStdin = 0, kStdout = 1, kStderr = 2;

// A socket call failed: errno's text, after closing the socket.
Status close_failed(int fd) {
  Status st = Status::fail(strerror(errno));
  ::close(fd);
  return st;
}

}  // namespace

// One read buffer for every pipe: libuv hands the bytes to the read callback, which
// passes them on before returning, and the loop is single-threaded — so no pipe needs
// a buffer of its own (64 KiB x 3 pipes x 1000 processes would be 190 MiB of heap).
static char g_read_buffer[64 * 1024];

// One parent end of a child pipe (handle->data is the Pipe). Freed once its handle closed:
// a read callback may close the pipe while it still uses it.
struct Process::Pipe {
  uvx::Handle<uv_pipe_t> handle;
  Process* owner;
  int which;
  int fd;
  // Read pacing (see next_pause): bytes read since the pipe was last found empty, the
  // pipe's capacity, and the current pause.
  size_t burst = 0;
  size_t capacity = 65536;
  uint64_t pause_ms = kOutputPauseMs;
};

Process::Process(uv_loop_t* loop, Reaper& reaper,
                 std::shared_ptr<const config::ProcessConfig> config, spawn::SpawnContext context,
                 Hooks hooks)
    : loop_(loop),
      reaper_(reaper),
      config_(std::move(config)),
      context_(std::move(context)),
      hooks_(std::move(hooks)) {
  auto ready = config::parse_ready(config_->ready);  // validated by the loader
  if (ready) ready_ = *ready;
  if (!config_->listen_socket.empty())
    if (auto listen = config::parse_listen(config_->listen_socket)) listen_ = *listen;
  if (ready_.kind == config::Endpoint::Kind::Tcp || ready_.kind == config::Endpoint::Kind::Http) {
    probe_ = std::make_unique<Probe>(loop_, ready_, 1000);
    probe_timer_ = new_timer();
  }
  output_timer_ = new_timer();
}

Process::~Process() {
  auto none = [](const auto& handles) {
    return std::all_of(handles.begin(), handles.end(), [](const auto& h) { return !h; });
  };
  INVARIANT(pending_closes_ == 0 && none(timers_) && none(pipes_) && !notify_ && !probe_timer_ &&
                !output_timer_ && !probe_,
            name() + " destroyed before its close() completed");
}

// A timer of ours: its data is this Process.
uvx::Handle<uv_timer_t> Process::new_timer() {
  uvx::Handle<uv_timer_t> t;
  if (t.init(loop_, uv_timer_init)) t->data = this;  // uv_timer_init cannot fail
  return t;
}

// The fsm's timers are made on first use: most processes only ever arm one or two of the
// three, and a uv_timer_t is 152 bytes (numprocs=1000 kept 456 KB of them).
uv_timer_t* Process::fsm_timer(fsm::TimerId id) {
  uvx::Handle<uv_timer_t>& t = timers_[static_cast<int>(id)];
  if (!t && !closing_) t = new_timer();
  return t.get();
}

fsm::Event Process::event(fsm::EventKind kind) const {
  fsm::Event e;
  e.kind = kind;
  e.now_ms = wall_ms();
  return e;
}

// ---- commands --------------------------------------------------------------------------

CommandStatus Process::start() {
  auto plan = spawn::prepare(*config_, context_, environ);
  if (!plan.ok()) return {spawn::precheck_fault(plan.error()), plan.error()};
  fsm::Step s;
  ProcessState before = facts_.state;
  // The spawn this start causes (in run, at once) uses this plan: the command is split
  // and searched once per start, not twice (Supervisor does both).
  prepared_ = std::move(*plan);
  run(event(fsm::EventKind::Start), &s);
  prepared_.reset();
  switch (s.refusal) {
    case fsm::Refusal::AlreadyStarted:
      // Supervisor tries to spawn over a STOPPING process and ends in ABNORMAL_TERMINATION.
      return {before == ProcessState::Stopping ? Fault::AbnormalTermination : Fault::AlreadyStarted,
              ""};
    case fsm::Refusal::UnknownState:
      return {Fault::Failed, name() + " is in an unknown process state"};
    case fsm::Refusal::NotRunning:
      return {Fault::NotRunning, ""};
    case fsm::Refusal::None:
      break;
  }
  if (facts_.state == ProcessState::Backoff || facts_.state == ProcessState::Fatal)
    return {Fault::SpawnError, ""};
  return CommandStatus::success();
}

CommandStatus Process::stop() {
  fsm::Step s;
  run(event(fsm::EventKind::Stop), &s);
  if (s.refusal != fsm::Refusal::None) return {Fault::NotRunning, ""};
  if (facts_.state == ProcessState::Unknown) return {Fault::Failed, "kill failed"};
  return CommandStatus::success();
}

CommandStatus Process::signal(int sig) {
  fsm::Event e = event(fsm::EventKind::Signal);
  e.signal = sig;
  fsm::Step s;
  run(std::move(e), &s);
  if (s.refusal != fsm::Refusal::None) return {Fault::NotRunning, ""};
  if (facts_.state == ProcessState::Unknown) return {Fault::Failed, "kill failed"};
  return CommandStatus::success();
}

CommandStatus Process::write_stdin(std::string_view bytes) {
  if (facts_.pid == 0 || facts_.killing) return {Fault::NotRunning, ""};
  if (!pipes_[kStdin] && !closing_) {
    if (stdin_fd_ >= 0) {
      attach_pipe(stdin_fd_, kStdin);
      stdin_fd_ = -1;
    } else if (stdin_ino_ != 0) {  // stdin on demand: open the child's pipe now
      int fd = spawn::open_stdin_of(facts_.pid, stdin_ino_);
      if (fd == -ENOENT || fd == -ENXIO) return {Fault::NoFile, "Process' stdin channel is closed"};
      if (fd < 0)
        return {Fault::Failed,
                std::string("cannot open the stdin of ") + name() + ": " + strerror(-fd)};
      attach_pipe(fd, kStdin);
    }
  }
  Pipe* in = pipes_[kStdin];
  if (!in) return {Fault::NoFile, "Process' stdin channel is closed"};
  auto* stream = reinterpret_cast<uv_stream_t*>(in->handle.get());
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  int n = uv_try_write(stream, &buf, 1);
  if (n == UV_EPIPE) return {Fault::NoFile, "Process' stdin channel is closed"};
  size_t sent = n > 0 ? static_cast<size_t>(n) : 0;
  if (n < 0 && n != UV_EAGAIN) return {Fault::Failed, uv_strerror(n)};
  if (sent < bytes.size()) {
    // The pipe is full: queue the rest; the request owns a copy of the bytes.
    struct Req {
      uv_write_t req;
      std::string data;
    };
    auto* r = new Req{{}, std::string(bytes.substr(sent))};
    uv_buf_t rest = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
    int rc = uv_write(&r->req, stream, &rest, 1,
                      [](uv_write_t* req, int) { delete reinterpret_cast<Req*>(req); });
    if (rc != 0) {
      delete r;
      return {rc == UV_EPIPE ? Fault::NoFile : Fault::Failed, uv_strerror(rc)};
    }
  }
  return CommandStatus::success();
}

void Process::autostart() {
  run(event(fsm::EventKind::Autostart));
}
void Process::shutdown() {
  run(event(fsm::EventKind::Shutdown));
}

// ---- the driver ------------------------------------------------------------------------

void Process::run(fsm::Event e, fsm::Step* out) {
  fsm::Step s = fsm::step(facts_, e, *config_);
  facts_ = s.facts;
  bool outer = !running_;
  running_ = true;
  for (const fsm::Action& a : s.actions) perform(a);
  if (out) *out = std::move(s);
  if (!outer) return;
  // Outcomes of actions (Spawned, SpawnFailed, GroupEmpty, KillFailed) run after the step
  // that caused them, in order.
  for (size_t i = 0; i < queue_.size(); ++i) {  // actions may append while this runs
    fsm::Event next = std::move(queue_[i]);
    fsm::Step t = fsm::step(facts_, next, *config_);
    facts_ = t.facts;
    for (const fsm::Action& a : t.actions) perform(a);
  }
  std::vector<fsm::Event>().swap(queue_);  // an idle process holds no queue memory
  running_ = false;
  sync_group_watcher();
  sync_probe();
}

void Process::perform(const fsm::Action& a) {
  switch (a.kind) {
    case fsm::Action::Kind::Spawn:
      do_spawn();
      break;
    case fsm::Action::Kind::Signal:
      do_signal(a.target, a.signal);
      break;
    case fsm::Action::Kind::ArmTimer: {
      // One callback per timer id: the timer's identity is the event it becomes.
      uv_timer_cb cb = nullptr;
      switch (a.timer) {
        case fsm::TimerId::Startsecs:
          cb = [](uv_timer_t* h) {
            auto* p = static_cast<Process*>(h->data);
            p->run(p->event(fsm::EventKind::StartsecsTimer));
          };
          break;
        case fsm::TimerId::Backoff:
          cb = [](uv_timer_t* h) {
            auto* p = static_cast<Process*>(h->data);
            p->run(p->event(fsm::EventKind::BackoffTimer));
          };
          break;
        case fsm::TimerId::Stopwait:
          cb = [](uv_timer_t* h) {
            auto* p = static_cast<Process*>(h->data);
            // A drained group that died without a SIGCHLD reaching us (we are not a
            // subreaper) is noticed here at the latest.
            p->check_group();
            if (p->facts_.state == ProcessState::Stopping)
              p->run(p->event(fsm::EventKind::StopwaitTimer));
          };
          break;
      }
      // The loop's cached time can be a whole wake-up old (e.g. many spawns in one
      // iteration): refresh it so "startsecs" counts from the spawn, never less.
      uv_update_time(loop_);
      if (uv_timer_t* t = fsm_timer(a.timer))
        uv_timer_start(t, cb, static_cast<uint64_t>(a.delay_ms), 0);
      break;
    }
    case fsm::Action::Kind::CancelTimer:
      if (uv_timer_t* t = timers_[static_cast<int>(a.timer)].get()) uv_timer_stop(t);
      break;
    case fsm::Action::Kind::Log:
      if (hooks_.on_log) hooks_.on_log(a.level, a.text);
      break;
    case fsm::Action::Kind::StateChange:
      // The master is gone and so is its group: as Supervisor at a process's exit, read
      // what is left and let go of every pipe (a process that is not running holds no fd).
      if (facts_.pid == 0 && !facts_.draining) {
        drain_pipes();
        for (int i = 0; i < 3; ++i) close_pipe(i);
        stdin_ino_ = 0;
      }
      if (hooks_.on_state_change) hooks_.on_state_change(*this, a.from, a.to);
      break;
    case fsm::Action::Kind::Exit:
      if (hooks_.on_exit) hooks_.on_exit(*this, facts_.last_exit);
      break;
  }
}

void Process::do_spawn() {
  // Output the previous master left in its pipes belongs to it: read it, then let go.
  drain_pipes();
  for (int i = 0; i < 3; ++i) close_pipe(i);
  fsm::Event result = event(fsm::EventKind::SpawnFailed);
  auto plan = prepared_ ? Result<spawn::ExecPlan>(std::move(*prepared_))
                        : spawn::prepare(*config_, context_, environ);
  prepared_.reset();
  if (!plan.ok()) {
    result.error = plan.error();
    queue_.push_back(std::move(result));
    return;
  }
  status_text_.clear();
  if (ready_.kind == config::Endpoint::Kind::Notify) {
    Status st = notify_ ? Status::success() : open_notify();
    if (!st) {
      result.error = "cannot create NOTIFY_SOCKET for '" + name() + "': " + st.error();
      queue_.push_back(std::move(result));
      return;
    }
    spawn::set_env(*plan, "NOTIFY_SOCKET", notify_path_);
  }
  if (!config_->listen_socket.empty()) {
    Status st = listen_fd_ >= 0 ? Status::success() : open_listen();
    if (!st) {
      result.error =
          "cannot listen on " + config_->listen_socket + " for '" + name() + "': " + st.error();
      queue_.push_back(std::move(result));
      return;
    }
    plan->listen_fd = listen_fd_;
  }
  auto child = spawner().spawn(*plan);
  if (!child.ok()) {
    result.error = child.error();
    queue_.push_back(std::move(result));
    return;
  }
  stdin_ino_ = child->stdin_ino;
  if (child->stdin_fd >= 0) open_pipe(child->stdin_fd, kStdin);
  if (child->stdout_fd >= 0) open_pipe(child->stdout_fd, kStdout);
  if (child->stderr_fd >= 0) open_pipe(child->stderr_fd, kStderr);
  pid_t pid = child->pid;
  reaper_.watch(pid, [this](pid_t p, int st) { on_exit(p, st); });
  result.kind = fsm::EventKind::Spawned;
  result.pid = pid;
  queue_.push_back(std::move(result));
}

void Process::do_signal(pid_t target, int sig) {
  // kill(0) or kill(-1) would signal the daemon's own group or every process.
  INVARIANT(target != 0 && target != -1, name() + " in " + std::string(state_name(facts_.state)) +
                                             ": signal " + std::to_string(sig) + " to " +
                                             std::to_string(target));
  if (spawner().kill(target, sig) == 0) return;
  int e = errno;
  if (e == ESRCH) {
    // The master already exited on its own: the reaper will tell (Supervisor does the
    // same). For the drained group this means it is empty.
    if (facts_.draining && target == -facts_.pgid)
      queue_.push_back(event(fsm::EventKind::GroupEmpty));
    return;
  }
  fsm::Event failed = event(fsm::EventKind::KillFailed);
  failed.error = std::string(strerrorname_np(e) ? strerrorname_np(e) : "") + " " + strerror(e);
  queue_.push_back(std::move(failed));
}

void Process::on_exit(pid_t pid, int wait_status) {
  // Output written just before the exit is reported before the exit, as Supervisor drains.
  drain_pipes();
  fsm::Event e = event(fsm::EventKind::Exit);
  e.pid = pid;
  e.wait_status = wait_status;
  if (config_->reap_group && pid == facts_.pid)
    e.group_alive = spawner().kill(-pid, 0) == 0 || errno == EPERM;
  run(std::move(e));
}

void Process::check_group() {
  if (!facts_.draining || facts_.pgid <= 0) return;
  if (spawner().kill(-facts_.pgid, 0) != 0 && errno == ESRCH)
    run(event(fsm::EventKind::GroupEmpty));
}

void Process::sync_group_watcher() {
  if (facts_.draining && group_watcher_ == 0) {
    group_watcher_ = reaper_.add_group_watcher([this] { check_group(); });
  } else if (!facts_.draining && group_watcher_ != 0) {
    reaper_.remove_group_watcher(group_watcher_);
    group_watcher_ = 0;
  }
}

// ---- pipes -----------------------------------------------------------------------------

void Process::open_pipe(int fd, int which) {
  if (which == kStdin) {  // a libuv handle (304 bytes) only once sendProcessStdin is used
    stdin_fd_ = fd;
    return;
  }
  Pipe* p = attach_pipe(fd, which);
  // A bigger pipe lets a fast writer go on while reading pauses (see output_timer_).
  // Root only: pipe pages count against a per-user budget for everyone else.
  if (::geteuid() == 0) (void)::fcntl(fd, F_SETPIPE_SZ, kOutputPipeBytes);
  int capacity = ::fcntl(fd, F_GETPIPE_SZ);
  if (capacity > 0) p->capacity = static_cast<size_t>(capacity);
  start_reading(p);
}

void Process::resume_output() {
  for (int which : {kStdout, kStderr})
    if (Pipe* p = pipes_[which]) start_reading(p);
}

void Process::start_reading(Pipe* p) {
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(p->handle.get()),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* pipe = static_cast<Pipe*>(h->data);
        (void)pipe;
        *buf = uv_buf_init(g_read_buffer, sizeof g_read_buffer);
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* pipe = static_cast<Pipe*>(s->data);
        Process* self = pipe->owner;
        if (n > 0) {
          if (self->hooks_.on_output)
            self->hooks_.on_output(*self, pipe->which == kStderr,
                                   std::string_view(buf->base, static_cast<size_t>(n)));
          pipe->burst += static_cast<size_t>(n);
          // A short read emptied the pipe: pause until more has piled up. A full buffer
          // means the child is ahead of us, so keep reading.
          if (static_cast<size_t>(n) < sizeof g_read_buffer && self->output_timer_ &&
              self->pipes_[pipe->which] == pipe) {
            uint64_t pause = self->next_pause(*pipe);
            if (pause > 0) {
              uv_read_stop(s);
              if (!uv_is_active(self->output_timer_.handle()))
                uv_timer_start(
                    self->output_timer_.get(),
                    [](uv_timer_t* t) { static_cast<Process*>(t->data)->resume_output(); }, pause,
                    0);
            }
          }
        } else if (n < 0) {  // EOF or error: this end is done
          self->close_pipe(pipe->which);
        }
      });
}

// Called when a read found the pipe empty: how long to pause before reading again.
// kOutputPauseMs gathers a chatty child's small writes into one read, but a pause carries
// at most one pipeful (1 MiB as root, 64 KiB otherwise: 32 MB/s at 2 ms). When a pause
// nearly filled the pipe the writer was (about to be) blocked by us: shorten the pause,
// down to none (read as data arrives); when it gathered little, lengthen it again.
uint64_t Process::next_pause(Pipe& p) {
  const size_t burst = p.burst;
  p.burst = 0;
  if (burst >= p.capacity / 4 * 3) {
    if (p.pause_ms > 0) --p.pause_ms;
  } else if (burst < p.capacity / 4 && p.pause_ms < kOutputPauseMs) {
    ++p.pause_ms;
  }
  return p.pause_ms;
}

void Process::drain_pipes() {
  for (int which : {kStdout, kStderr}) {
    Pipe* p = pipes_[which];
    if (!p) continue;
    for (;;) {
      ssize_t n = read(p->fd, g_read_buffer, sizeof g_read_buffer);
      if (n <= 0) break;  // EAGAIN (more may come) or EOF (the read callback closes)
      if (hooks_.on_output)
        hooks_.on_output(*this, which == kStderr,
                         std::string_view(g_read_buffer, static_cast<size_t>(n)));
    }
  }
}

Process::Pipe* Process::attach_pipe(int fd, int which) {
  auto* p = new Pipe;
  p->owner = this;
  p->which = which;
  p->fd = fd;
  if (p->handle.init(loop_, uv_pipe_init, 0)) {  // uv_pipe_init cannot fail
    p->handle->data = p;
    uv_pipe_open(p->handle.get(), fd);
  }
  pipes_[which] = p;
  return p;
}

void Process::close_pipe(int which) {
  if (which == kStdin && stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  Pipe* p = std::exchange(pipes_[which], nullptr);
  if (p) close_handle(p->handle, [p] { delete p; });
}

void Process::handle_closed() {
  if (--pending_closes_ == 0 && closing_ && close_done_) {
    auto done = std::move(close_done_);
    done();
  }
}

void Process::close(std::function<void()> done) {
  closing_ = true;
  close_done_ = std::move(done);
  if (facts_.pid > 0) reaper_.unwatch(facts_.pid);
  if (group_watcher_) reaper_.remove_group_watcher(group_watcher_);
  group_watcher_ = 0;
  for (auto& t : timers_) close_handle(t);
  for (int i = 0; i < 3; ++i) close_pipe(i);
  close_handle(notify_, [fd = std::exchange(notify_fd_, -1)] { ::close(fd); });
  close_handle(probe_timer_);
  close_handle(output_timer_);
  if (probe_) {
    ++pending_closes_;
    probe_->close([this]() {
      probe_.reset();
      handle_closed();
    });
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    if (listen_ && listen_->kind == config::Endpoint::Kind::Unix) ::unlink(listen_->path.c_str());
  }
  if (pending_closes_ == 0 && close_done_) {
    auto cb = std::move(close_done_);
    cb();
  }
}

// ---- description -----------------------------------------------------------------------

std::string Process::description(int64_t now_s) const {
  std::string d = process_description(facts_.state, facts_.pid, start_time(), stop_time(), now_s,
                                      facts_.spawnerr, name());
  // Readiness extension: what the instance said (STATUS=), while it runs.
  bool live = facts_.state == ProcessState::Starting || facts_.state == ProcessState::Running;
  if (live && !status_text_.empty()) d += d.empty() ? status_text_ : ", " + status_text_;
  return d;
}

// ---- zero-downtime extensions: notify socket, probes, held listening socket ------------

Status Process::open_notify() {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::fail(strerror(errno));
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);  // SCM_CREDENTIALS on each datagram
  // An abstract name (no file to clean up), unique per supervisord and instance.
  static unsigned serial = 0;
  std::string name = "supervisord/" + std::to_string(getpid()) + "/" + std::to_string(++serial) +
                     "/" + config_->name.substr(0, 48);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  addr.sun_path[0] = '\0';
  memcpy(addr.sun_path + 1, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) return close_failed(fd);
  if (Status st = notify_.init(loop_, uv_poll_init, fd); !st) {
    ::close(fd);
    return st;
  }
  notify_fd_ = fd;
  notify_->data = this;
  uv_poll_start(notify_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    if (status == 0) static_cast<Process*>(h->data)->on_notify();
  });
  notify_path_ = "@" + name;
  return Status::success();
}

bool Process::from_instance(pid_t sender) const {
  if (facts_.pid == 0 || sender <= 0) return false;
  if (sender == facts_.pid) return true;
  return facts_.pgid > 0 && getpgid(sender) == facts_.pgid;  // a worker of the instance
}

void Process::on_notify() {
  // Bounded: a flood of datagrams cannot hold the loop; the rest wait for the next wake.
  for (int i = 0; i < 64 && notify_; ++i) {
    char buf[readiness::kMaxNotifyBytes];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 16)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(notify_fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) break;
    const ucred* cred = nullptr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS) cred = reinterpret_cast<const ucred*>(CMSG_DATA(c));
      if (c->cmsg_type == SCM_RIGHTS) {  // never wanted: do not leak them
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < count; ++k) {
          int fd;
          memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
          ::close(fd);
        }
      }
    }
    pid_t sender = cred ? cred->pid : 0;
    if (!from_instance(sender)) {
      if (hooks_.on_log)
        hooks_.on_log(fsm::kDebug, "ignored a notify datagram for " + name() + " from pid " +
                                       std::to_string(sender) + " (not its process group)");
      continue;
    }
    readiness::NotifyMessage m =
        readiness::parse_notify(std::string_view(buf, static_cast<size_t>(n)));
    if (m.status) status_text_ = *m.status;
    if (m.ready) run(event(fsm::EventKind::Ready));
  }
}

Status Process::open_listen() {
  if (!listen_) return Status::fail(config::parse_listen(config_->listen_socket).error());
  const std::optional<config::Endpoint>& ep = listen_;
  int fd = -1;
  if (ep->kind == config::Endpoint::Kind::Unix) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::fail(strerror(errno));
    struct stat st;
    if (lstat(ep->path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(ep->path.c_str());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, ep->path.data(), ep->path.size());
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return close_failed(fd);
  } else {
    sockaddr_storage ss{};
    socklen_t len = 0;
    std::string host = ep->host == "localhost" ? "127.0.0.1"
                       : ep->host == "*"       ? "0.0.0.0"
                                               : ep->host;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(ep->port));
      len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(ep->port));
      len = sizeof *v6;
    } else {
      return Status::fail("not a numeric address: " + ep->host);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::fail(strerror(errno));
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return close_failed(fd);
  }
  if (listen(fd, SOMAXCONN) != 0) return close_failed(fd);
  listen_fd_ = fd;
  return Status::success();
}

// Probing follows the state: readiness attempts every 250 ms while STARTING, liveness
// attempts every liveness_interval while RUNNING, nothing otherwise.
void Process::sync_probe() {
  if (!probe_ || closing_) return;
  int phase = 0;
  if (facts_.state == ProcessState::Starting && facts_.pid != 0 && !facts_.ready_failed)
    phase = 1;
  else if (facts_.state == ProcessState::Running && config_->liveness_interval > 0)
    phase = 2;
  if (phase == probe_phase_) return;
  probe_phase_ = phase;
  probe_failures_ = 0;
  probe_->cancel();
  uv_timer_stop(probe_timer_.get());
  uv_timer_cb cb = [](uv_timer_t* h) { static_cast<Process*>(h->data)->probe_tick(); };
  if (phase == 1) uv_timer_start(probe_timer_.get(), cb, 100, 250);
  if (phase == 2) {
    auto ms = static_cast<uint64_t>(config_->liveness_interval) * 1000;
    uv_timer_start(probe_timer_.get(), cb, ms, ms);
  }
}

void Process::probe_tick() {
  if (!probe_ || probe_->running()) return;
  int phase = probe_phase_;
  probe_->run([this, phase](bool ok, const std::string& why) {
    if (phase != probe_phase_) return;
    if (phase == 1) {
      if (ok) run(event(fsm::EventKind::Ready));
      return;
    }
    if (ok) {
      probe_failures_ = 0;
      return;
    }
    ++probe_failures_;
    if (hooks_.on_log)
      hooks_.on_log(fsm::kInfo, "liveness probe of " + name() + " failed (" +
                                    std::to_string(probe_failures_) + "/" +
                                    std::to_string(config_->liveness_failures) + "): " + why);
    if (probe_failures_ >= config_->liveness_failures) {
      probe_failures_ = 0;
      run(event(fsm::EventKind::Unhealthy));
    }
  });
}

std::string format_uptime(int64_t s) {
  if (s < 0) s = 0;
  int64_t days = s / 86400, rest = s % 86400;
  char hms[32];
  snprintf(hms, sizeof hms, "%lld:%02lld:%02lld", static_cast<long long>(rest / 3600),
           static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  if (days == 0) return hms;
  return std::to_string(days) + (days == 1 ? " day, " : " days, ") + hms;
}

std::string process_description(ProcessState state, pid_t pid, int64_t start_s, int64_t stop_s,
                                int64_t now_s, const std::string& spawnerr,
                                const std::string& name) {
  switch (state) {
    case ProcessState::Running:
      return "pid " + std::to_string(pid) + ", uptime " + format_uptime(now_s - start_s);
    case ProcessState::Backoff:
    case ProcessState::Fatal:
      return spawnerr.empty() ? "unknown error (try \"tail " + name + "\")" : spawnerr;
    case ProcessState::Stopped:
    case ProcessState::Exited: {
      if (start_s == 0) return "Not started";
      time_t t = static_cast<time_t>(stop_s);
      struct tm tm;
      localtime_r(&t, &tm);
      char buf[64];
      strftime(buf, sizeof buf, "%b %d %I:%M %p", &tm);
      return buf;
    }
    default:
      return "";
  }
}
