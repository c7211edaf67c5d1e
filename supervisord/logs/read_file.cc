// read_file.cc — see read_file.h.
#include "supervisord/logs/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/utf8.h"

namespace logs {

namespace {

// Owns one read-only descriptor for the duration of a call.
class ReadFd {
 public:
  explicit ReadFd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~ReadFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool size(int64_t& out) const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return false;
    out = st.st_size;
    return true;
  }
  // Up to `length` bytes from `offset`; length < 0 means "to EOF".
  bool read(int64_t offset, int64_t length, std::string& out) const {
    out.clear();
    char buf[65536];
    for (;;) {
      size_t want = sizeof buf;
      if (length >= 0) {
        auto left = static_cast<size_t>(length) - out.size();
        if (left == 0) return true;
        want = std::min(want, left);
      }
      ssize_t n = ::pread(fd_, buf, want, offset + static_cast<int64_t>(out.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (n == 0) return true;
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
};

bool exists(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

ReadResult fault(Fault f, std::string message = {}) {
  return ReadResult{static_cast<int>(f), std::move(message), {}};
}

}  // namespace

ReadResult read_file(const std::string& path, int64_t offset, int64_t length) {
  if (!exists(path)) return fault(Fault::NoFile, path.empty() ? "None" : path);
  if (offset < 0 ? length != 0 : length < 0) return fault(Fault::BadArguments);
  ReadFd fd(path);
  int64_t size = 0;
  if (!fd.ok() || !fd.size(size)) return fault(Fault::Failed);
  int64_t from = offset;
  int64_t count = length == 0 ? -1 : length;
  if (offset < 0) {
    from = std::max<int64_t>(0, size + offset);
    count = -offset;
  }
  std::string bytes;
  if (from < size && !fd.read(from, count, bytes)) return fault(Fault::Failed);
  return ReadResult{0, {}, utf8::replace_invalid(bytes)};
}

TailResult tail_file(const std::string& path, int64_t offset, int64_t length) {
  if (!exists(path)) return {};
  ReadFd fd(path);
  int64_t size = 0;
  if (!fd.ok() || !fd.size(size)) return {"", offset, false};
  // Supervisor's arithmetic, kept exactly (the client relies on the returned offset and
  // overflow flag; the data may start before `offset`, see tailFile in read_file.h).
  bool overflow = size > offset + length;
  if (overflow) offset = size - 1;
  if (offset + length > size) {
    if (offset > size - 1) length = 0;
    offset = size - length;
  }
  offset = std::max<int64_t>(offset, 0);
  length = std::max<int64_t>(length, 0);
  std::string bytes;
  if (length > 0 && !fd.read(offset, length, bytes)) return {"", offset, false};
  return {utf8::replace_invalid(bytes), size, overflow};
}

}  // namespace logs
