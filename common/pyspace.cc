// pyspace.cc — Python's whitespace over UTF-8 bytes.
#include "common/pyspace.h"

namespace pyspace {

size_t space_at(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  if (c < 0xc2) return 0;
  auto byte = [&](size_t i) -> unsigned {
    return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : 0;
  };
  if (c == 0xc2) return (byte(1) == 0x85 || byte(1) == 0xa0) ? 2 : 0;  // NEL, NBSP
  if (c == 0xe1) return (byte(1) == 0x9a && byte(2) == 0x80) ? 3 : 0;  // U+1680
  if (c == 0xe2 && byte(1) == 0x80) {
    const unsigned b = byte(2);  // U+2000-200A, U+2028, U+2029, U+202F
    return ((b >= 0x80 && b <= 0x8a) || b == 0xa8 || b == 0xa9 || b == 0xaf) ? 3 : 0;
  }
  if (c == 0xe2 && byte(1) == 0x81 && byte(2) == 0x9f) return 3;  // U+205F
  if (c == 0xe3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;  // U+3000
  return 0;
}

size_t space_before(std::string_view s, size_t end) {
  for (size_t len = 1; len <= 3 && len <= end; ++len) {
    if (space_at(s, end - len) == len) return len;
  }
  return 0;
}

std::string_view lstrip(std::string_view s) {
  size_t pos = 0;
  while (size_t n = space_at(s, pos)) pos += n;
  return s.substr(pos);
}

std::string_view rstrip(std::string_view s) {
  size_t end = s.size();
  while (size_t n = space_before(s, end)) end -= n;
  return s.substr(0, end);
}

std::string_view strip(std::string_view s) {
  return rstrip(lstrip(s));
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < s.size()) {
    while (size_t n = space_at(s, pos)) pos += n;
    const size_t start = pos;
    while (pos < s.size() && space_at(s, pos) == 0) ++pos;
    if (pos > start) out.push_back(s.substr(start, pos - start));
  }
  return out;
}

}  // namespace pyspace
