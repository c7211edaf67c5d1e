// process_notify.cc — the zero-downtime extensions of a Process, each only when configured:
// the instance's NOTIFY_SOCKET (READY=1 and STATUS= from its process group), the listening
// socket= bound once and passed to every start, and the readiness/liveness probe's timer.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <string>

#include "supervisord/process/process.h"
#include "supervisord/zero_downtime/readiness.h"

namespace {

// A socket call failed: errno's text, after closing the socket.
Status close_failed(int fd) {
  Status st = Status::fail(strerror(errno));
  ::close(fd);
  return st;
}

}  // namespace

Status Process::open_notify() {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::fail(strerror(errno));
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);  // SCM_CREDENTIALS on each datagram
  // An abstract name (no file to clean up), unique per supervisord and instance.
  // The serial starts from the monotonic clock: a daemon re-executed in place (same pid)
  // must not pick a name its previous image bound for an instance it handed over.
  static uint64_t serial = static_cast<uint64_t>(uv_now(loop_));
  std::string name = "supervisord/" + std::to_string(getpid()) + "/" + std::to_string(++serial) +
                     "/" + config_->name.substr(0, 48);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  addr.sun_path[0] = '\0';
  memcpy(addr.sun_path + 1, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) return close_failed(fd);
  if (Status st = watch_notify(fd); !st) {
    ::close(fd);
    return st;
  }
  set_text(&Texts::notify_path, "@" + name);
  return Status::success();
}

// Reads the NOTIFY_SOCKET `fd` (bound by open_notify, or by the previous image: adopt).
Status Process::watch_notify(int fd) {
  if (Status st = notify_.init(loop_, uv_poll_init, fd); !st) return st;
  notify_fd_ = fd;
  notify_->data = this;
  uv_poll_start(notify_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    if (status == 0) static_cast<Process*>(h->data)->on_notify();
  });
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
    if (m.status) set_text(&Texts::status_text, *m.status);
    if (m.ready) run(event(fsm::EventKind::Ready));
  }
}

Status Process::open_listen() {
  if (!listen_) return Status::fail(config::parse_listen(config_->listen_socket).error());
  const config::Endpoint* ep = listen_.get();
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
