// pystr.h — Python `str` semantics over UTF-8 bytes: code points (Python counts
// widths, precisions and error indexes in code points, not bytes), repr() and ascii().
// Used by expand (%r, %a, the bare-%s mapping repr) and by error texts that Supervisor
// builds with %r (e.g. "Format string '<repr>' for ..."). Depends on the standard library only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pystr {

struct CodePoint {
  char32_t value;
  size_t length;  // bytes consumed, >= 1
};

// Decodes the code point starting at text[pos] (pos < text.size()). A byte that does not
// start a valid UTF-8 sequence decodes, as Python's surrogateescape does, to U+DC00+byte
// with length 1, so every byte string is a sequence of code points and nothing is lost.
CodePoint decode(std::string_view text, size_t pos);

size_t count_code_points(std::string_view text);
// The longest prefix of text holding at most n code points.
std::string_view first_code_points(std::string_view text, size_t n);

// Appends cp as UTF-8 (surrogates too: Python's str can hold them).
void append_utf8(std::string& out, char32_t cp);

// Python 3.11's str.isprintable() for one code point. Exact for ASCII and Latin-1; above
// that it knows separators, format characters, surrogates, private use, noncharacters and the
// large unassigned stretches of Unicode 14; small unassigned gaps count as printable here.
bool is_printable(char32_t cp);

// repr(s) and ascii(s) of the Python str whose UTF-8 text is `text`: the quote is ' unless
// the text holds ' and no ", escapes are \\ \' \t \n \r \xhh \uhhhh \Uhhhhhhhh.
std::string repr(std::string_view text);
std::string ascii(std::string_view text);

}  // namespace pystr
