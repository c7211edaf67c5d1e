// utf8.h — strict UTF-8 as Python's bytes.decode('utf-8') reads it (no overlong forms, no
// encoded surrogates, nothing past U+10FFFF), and the XML 1.0 Char production. One decoder
// for every place that must tell text from bytes: the config reader refuses what Python's
// refuses, the XML-RPC codec never writes or accepts what an XML parser would reject, and log
// reads hand back text as Python's errors='replace' would. Standard library only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace utf8 {

struct Step {
  char32_t code_point = 0;  // meaningful when valid
  size_t length = 1;        // bytes consumed, >= 1; for an invalid step, the maximal subpart
  bool valid = false;
  // Why an invalid step is invalid, in the words of Python's UnicodeDecodeError:
  // "invalid start byte", "invalid continuation byte" or "unexpected end of data".
  const char* reason = "";
};

// Decodes the sequence starting at text[pos] (pos < text.size()). An invalid step covers
// the maximal subpart of an ill-formed sequence (Unicode's "U+FFFD substitution of maximal
// subparts"), which is how CPython counts replacement characters.
Step next(std::string_view text, size_t pos);

// Byte offset of the first invalid sequence, or npos when `text` is all valid UTF-8.
size_t first_invalid(std::string_view text);
inline bool valid(std::string_view text) {
  return first_invalid(text) == std::string_view::npos;
}

// len(bytes.decode('utf-8', 'replace')): code points, each maximal invalid subpart one.
size_t length(std::string_view text);

// bytes.decode('utf-8', 'replace'): each maximal invalid subpart becomes U+FFFD.
std::string replace_invalid(std::string_view bytes);

// Appends code point cp as UTF-8 (any value up to U+10FFFF, surrogates included: Python's
// str can hold them, and callers that must not write them check first).
void append(std::string& out, char32_t cp);

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// XML 1.0 (Fifth Edition) production [2] Char: #x9 | #xA | #xD | [#x20-#xD7FF] |
// [#xE000-#xFFFD] | [#x10000-#x10FFFF]. A document holding anything else, raw or as a
// character reference such as &#0;, is not well-formed; no XML parser accepts it.
constexpr bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace utf8
