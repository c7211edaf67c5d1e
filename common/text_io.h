// text_io.h — what the daemon needs of iostreams without them: a string builder with
// `<<`, splitting into words, whole-file reads and writes to a descriptor.
// <iostream>/<sstream>/<fstream> pull libstdc++'s locale machinery (~0.4 MB of code, all of it
// resident) into a static binary.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace textio {

// The runs of text between C whitespace (isspace in the C locale), as `istream >> word`.
inline std::vector<std::string> words(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  std::vector<std::string> out;
  for (size_t at = text.find_first_not_of(kSpace); at != std::string_view::npos;
       at = text.find_first_not_of(kSpace, at)) {
    size_t end = std::min(text.find_first_of(kSpace, at), text.size());
    out.emplace_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

// ostringstream's `<<` for the types our renderers print: text, chars and integers.
class Out {
 public:
  Out& operator<<(std::string_view text) {
    s_.append(text);
    return *this;
  }
  Out& operator<<(const char* text) { return *this << std::string_view(text); }
  Out& operator<<(const std::string& text) { return *this << std::string_view(text); }
  Out& operator<<(char c) {
    s_.push_back(c);
    return *this;
  }
  template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>) Out& operator<<(T v) {
    s_.append(std::to_string(v));
    return *this;
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// The whole file, or nullopt (errno set) when it cannot be opened or read.
inline std::optional<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      errno = e;
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// Writes all of `text` to fd (stdout/stderr), retrying short writes.
inline void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace textio
