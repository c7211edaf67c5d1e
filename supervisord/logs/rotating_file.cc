// rotating_file.cc — see rotating_file.h.
#include "supervisord/logs/rotating_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace logs {

namespace {

// How long one write waits for a non-blocking pipe (an inherited O_NONBLOCK description,
// a stalled log collector) to drain before the rest of the chunk is dropped and reported.
// Supervisor blocks forever here; a daemon that stops reaping because `docker logs` is
// stuck is worse than a lost chunk.
constexpr int kPipeStallMs = 100;

std::string backup_name(const std::string& path, int n) {
  return path + "." + std::to_string(n);
}

}  // namespace

RotatingFile::RotatingFile(std::string path, int64_t maxbytes, int backups, ErrorCallback on_error)
    : path_(std::move(path)),
      maxbytes_(maxbytes > 0 ? maxbytes : 0),
      backups_(backups > 0 ? backups : 0),
      on_error_(std::move(on_error)) {}

RotatingFile::~RotatingFile() {
  close();
}

void RotatingFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RotatingFile::report(const std::string& what, int err) {
  failed_ = true;
  if (error_reported_) return;
  error_reported_ = true;
  if (on_error_) on_error_(path_, what + " '" + path_ + "': " + std::strerror(err));
}

Status RotatingFile::open_fd() {
  close();
  // O_NONBLOCK only for the open itself: a FIFO without a reader would otherwise hang the
  // daemon inside open(2). It is cleared right after, so writes block like Supervisor's.
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                  0666);
  if (fd < 0) {
    int err = errno;
    report("cannot open", err);
    return Status::fail("cannot open '" + path_ + "': " + std::strerror(err));
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    regular_ = S_ISREG(st.st_mode);
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  fd_ = fd;
  return Status::success();
}

Status RotatingFile::open() {
  failed_ = false;
  Status s = open_fd();
  if (s.ok()) error_reported_ = false;
  return s;
}

Status RotatingFile::reopen() {
  return open();
}

Status RotatingFile::clear() {
  close();
  // Only the current file goes; backups stay (clearLog / clearProcessLogs). A pipe or a
  // device has nothing to delete.
  if (regular_ && ::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    int err = errno;
    open_fd();
    return Status::fail("cannot remove '" + path_ + "': " + std::strerror(err));
  }
  return open();
}

size_t RotatingFile::write(std::string_view bytes) {
  if (bytes.empty()) return 0;
  failed_ = false;
  if (fd_ < 0 && !open_fd().ok()) return bytes.size();
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n >= 0) {
      p += n;
      left -= static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd pfd {
        fd_, POLLOUT, 0
      };
      if (::poll(&pfd, 1, kPipeStallMs) > 0) continue;
      report("write stalled, output dropped:", EAGAIN);
      break;
    }
    report("cannot write", errno);
    break;
  }
  maybe_rotate();
  // A clean write ends the error episode: the next failure is worth a new message.
  if (!failed_) error_reported_ = false;
  return left;
}

void RotatingFile::maybe_rotate() {
  if (!regular_ || maxbytes_ == 0 || fd_ < 0) return;
  // A sibling writer of the same path (numprocs sharing one log) or logrotate may have
  // moved the file away: follow the path instead of rotating (and growing) the old inode.
  struct stat by_path {};
  if (::stat(path_.c_str(), &by_path) != 0 || by_path.st_dev != dev_ || by_path.st_ino != ino_) {
    open_fd();
    return;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    report("cannot stat", errno);
    return;
  }
  if (st.st_size >= maxbytes_) rotate();
}

void RotatingFile::rotate() {
  if (backups_ == 0) {
    // Supervisor reopens with "wb"; truncating in place is the same file, without a window
    // in which the path is missing.
    if (::ftruncate(fd_, 0) != 0) report("cannot truncate", errno);
    return;
  }
  close();
  for (int i = backups_ - 1; i >= 1; --i) {
    if (::rename(backup_name(path_, i).c_str(), backup_name(path_, i + 1).c_str()) != 0 &&
        errno != ENOENT)
      report("cannot rotate", errno);
  }
  if (::rename(path_.c_str(), backup_name(path_, 1).c_str()) != 0 && errno != ENOENT)
    report("cannot rotate", errno);
  open_fd();
}

}  // namespace logs
