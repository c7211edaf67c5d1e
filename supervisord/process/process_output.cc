// process_output.cc — the parent ends of a child's pipes: reading stdout/stderr with
// pacing (a short pause after a read that emptied the pipe, so a chatty child's small
// writes are read as one chunk), the drain at exit, and stdin (opened on the first write).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "supervisord/process/process.h"

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

void Process::open_pipe(int fd, int which) {
  if (which == kStdin) {  // a libuv handle (304 bytes) only once sendProcessStdin is used
    stdin_fd_ = fd;
    return;
  }
  Pipe* p = attach_pipe(fd, which);
  // The pause timer, made with the first pipe: a process whose output goes nowhere (no
  // pipes, /dev/null) never has one (a uv_timer_t is 152 bytes).
  if (!output_timer_ && !closing_) output_timer_ = new_timer();
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

int Process::pipe_fd(int which) const {
  if (which == kStdin && stdin_fd_ >= 0) return stdin_fd_;
  const Pipe* p = pipes_[which];
  return p ? p->fd : -1;
}
