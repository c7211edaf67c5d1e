// read_file.cc — see read_file.h.
#include "supervisord/logs/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace logs {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";   // U+FFFD

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

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Sequence length and the allowed range of the second byte (rules out overlongs,
    // surrogates and code points above U+10FFFF).
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) need = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) need = 2;
    else if (c == 0xED) need = 2, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) need = 2;
    else if (c == 0xF0) need = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) need = 3, hi = 0x8F;
    size_t j = i + 1;
    bool valid = need > 0;
    for (size_t k = 0; valid && k < need; ++k, ++j) {
      if (j >= s.size()) {
        valid = false;
        break;
      }
      auto b = static_cast<unsigned char>(s[j]);
      bool in_range = k == 0 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
      if (!in_range) valid = false;
      if (!valid) break;
    }
    if (valid) {
      out.append(s.substr(i, need + 1));
      i += need + 1;
    } else {
      // One U+FFFD for the lead byte and the continuation bytes that were still valid.
      out.append(kReplacement);
      i = std::max(j, i + 1);
    }
  }
  return out;
}

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
  return ReadResult{0, {}, to_valid_utf8(bytes)};
}

TailResult tail_file(const std::string& path, int64_t offset, int64_t length) {
  if (!exists(path)) return {};
  ReadFd fd(path);
  int64_t size = 0;
  if (!fd.ok() || !fd.size(size)) return {"", offset, false};
  // Supervisor's arithmetic, kept exactly (the client relies on the returned offset and
  // overflow flag; the data may start before `offset`, see reference §6.4).
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
  return {to_valid_utf8(bytes), size, overflow};
}

}  // namespace logs
