// pyspace.h — what Python calls whitespace (str.isspace, str.strip, re's \s),
// over UTF-8 bytes: ASCII 0x09-0x0d, 0x1c-0x1f, space and the Unicode spaces
// (NEL, NBSP, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000). The INI
// reader and the value types strip exactly what Supervisor's Python strips.
// Complements pystr (repr, code points); depends on the standard library only.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace pyspace {

// Byte length of the whitespace code point starting at s[pos], or 0.
size_t space_at(std::string_view s, size_t pos);
// Byte length of a whitespace code point ending right before s[end], or 0.
size_t space_before(std::string_view s, size_t end);

std::string_view strip(std::string_view s);   // str.strip()
std::string_view lstrip(std::string_view s);  // str.lstrip()
std::string_view rstrip(std::string_view s);  // str.rstrip()

// str.split() with no separator: the runs between whitespace, none empty.
std::vector<std::string_view> split(std::string_view s);

}  // namespace pyspace
