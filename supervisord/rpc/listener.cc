// listener.cc — see listener.h. Startup-time code: blocking system calls are fine here.
#include "supervisord/rpc/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rpc {
namespace {

std::string errno_text(int err) {
  return std::string(strerrordesc_np(err) ? strerrordesc_np(err) : "unknown error") + " (" +
         (strerrorname_np(err) ? strerrorname_np(err) : "?") + ")";
}

bool fill_unix_address(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof addr->sun_path) return false;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

// A socket file is "in use" when something accepts connections on it. A refused connect
// means its owner died without unlinking it (or it is not a socket at all).
bool socket_in_use(const std::string& path) {
  sockaddr_un addr;
  if (!fill_unix_address(path, &addr)) return false;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool used = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return used;
}

class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

Result<int> open_unix_listener(const config::UnixServerConfig& cfg, const LogLine& log) {
  const std::string& path = cfg.file;
  // Bind under a private name first: a hard link is atomic and fails if the public name
  // exists, so two daemons racing for one path cannot both win.
  const std::string temp = path + "." + std::to_string(::getpid());
  sockaddr_un addr;
  if (!fill_unix_address(temp, &addr))
    return Result<int>::fail("Cannot open an HTTP server: socket path too long: " + temp);
  FdGuard fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0)
    return Result<int>::fail("Cannot open an HTTP server: socket: " + errno_text(errno));
  ::unlink(temp.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Result<int>::fail("Cannot open an HTTP server: cannot bind " + temp + ": " +
                             errno_text(errno));
  // The temporary name is never useful after this function, whatever happens.
  struct TempUnlink {
    const std::string& name;
    ~TempUnlink() { ::unlink(name.c_str()); }
  } temp_unlink{temp};

  if (::chmod(temp.c_str(), cfg.chmod) != 0)
    return Result<int>::fail("Cannot open an HTTP server: cannot chmod " + temp + ": " +
                             errno_text(errno));
  // A stale file is unlinked and the link retried; bounded so a pathological race (another
  // process recreating the file each time) ends in an error rather than a spin.
  for (int attempt = 0;; ++attempt) {
    if (::link(temp.c_str(), path.c_str()) == 0) break;
    int err = errno;
    if (err != EEXIST || attempt >= 10)
      return Result<int>::fail("Cannot open an HTTP server: cannot link " + path + ": " +
                               errno_text(err));
    if (socket_in_use(path)) return Result<int>::fail(std::string(kAddressInUse));
    if (log) log("Unlinking stale socket " + path);
    ::unlink(path.c_str());
  }
  if (cfg.chown) {
    if (::chown(path.c_str(), cfg.chown->uid, cfg.chown->gid) != 0) {
      int err = errno;
      ::unlink(path.c_str());
      if (err == EPERM)
        return Result<int>::fail(
            "Not permitted to chown " + path + " to uid/gid " + std::to_string(cfg.chown->uid) +
            "/" + std::to_string(cfg.chown->gid) + "; adjust \"chown\" in [" + cfg.section + "]");
      return Result<int>::fail("Cannot open an HTTP server: cannot chown " + path + ": " +
                               errno_text(err));
    }
  }
  if (::listen(fd.get(), kListenBacklog) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return Result<int>::fail("Cannot open an HTTP server: cannot listen on " + path + ": " +
                             errno_text(err));
  }
  return fd.release();
}

Result<int> open_tcp_listener(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = host.empty() ? AF_INET : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || !found)
    return Result<int>::fail("Cannot open an HTTP server: cannot resolve host '" + host +
                             "': " + ::gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    FdGuard fd(
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (fd.get() < 0) {
      last_error = errno_text(errno);
      continue;
    }
    // A restarted daemon must rebind while old connections sit in TIME_WAIT.
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 ||
        ::listen(fd.get(), kListenBacklog) != 0) {
      int err = errno;
      if (err == EADDRINUSE) {
        ::freeaddrinfo(found);
        return Result<int>::fail(std::string(kAddressInUse));
      }
      last_error = errno_text(err);
      continue;
    }
    ::freeaddrinfo(found);
    return fd.release();
  }
  ::freeaddrinfo(found);
  return Result<int>::fail("Cannot open an HTTP server: " + host + ":" + service + ": " +
                           last_error);
}

int bound_tcp_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return -1;
}

}  // namespace rpc
