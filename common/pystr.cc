#include "common/pystr.h"

#include <algorithm>
#include <iterator>

#include "common/utf8.h"

namespace pystr {
namespace {

constexpr char32_t kSurrogateEscapeBase = 0xDC00;

struct Range {
  char32_t first;
  char32_t last;
};

// Code points above Latin-1 that Python 3.11 (Unicode 14) does not print in repr():
// separators (Zs except ' ', Zl, Zp), format characters (Cf), surrogates (Cs), private use
// (Co), and the large unassigned stretches (Cn). Smaller unassigned gaps are not listed.
// Sorted, disjoint.
constexpr Range kNotPrintable[] = {
    {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
    {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x1680, 0x1680},   {0x180E, 0x180E},
    {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x206F},   {0x3000, 0x3000},
    {0xD7FC, 0xF8FF},   {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},   {0xFFF0, 0xFFFB},
    {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x12544, 0x12F8F}, {0x1342F, 0x143FF},
    {0x14647, 0x167FF}, {0x18D09, 0x1AFEF}, {0x1B2FC, 0x1BBFF}, {0x1BCA0, 0x1CEFF},
    {0x1D173, 0x1D17A}, {0x2EBE1, 0x2F7FF}, {0x3134B, 0xE00FF}, {0xE01F0, 0x10FFFF},
};

const char kHexDigits[] = "0123456789abcdef";

void append_hex(std::string& out, char32_t value, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += kHexDigits[(value >> shift) & 0xF];
}

// One code point of repr()/ascii(), inside quotes `quote`.
void append_escaped(std::string& out, char32_t cp, char quote, bool ascii_only) {
  if (cp == static_cast<char32_t>(quote) || cp == '\\') {
    out += '\\';
    out += static_cast<char>(cp);
  } else if (cp == '\t') {
    out += "\\t";
  } else if (cp == '\n') {
    out += "\\n";
  } else if (cp == '\r') {
    out += "\\r";
  } else if (cp < 0x80) {
    if (cp < 0x20 || cp == 0x7F) {
      out += "\\x";
      append_hex(out, cp, 2);
    } else {
      out += static_cast<char>(cp);
    }
  } else if (!ascii_only && is_printable(cp)) {
    append_utf8(out, cp);
  } else if (cp <= 0xFF) {
    out += "\\x";
    append_hex(out, cp, 2);
  } else if (cp <= 0xFFFF) {
    out += "\\u";
    append_hex(out, cp, 4);
  } else {
    out += "\\U";
    append_hex(out, cp, 8);
  }
}

std::string quoted(std::string_view text, bool ascii_only) {
  // Python prefers '…' and switches to "…" only when that avoids escaping.
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  out.reserve(text.size() + 2);
  out += quote;
  for (size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decode(text, pos);
    append_escaped(out, cp.value, quote, ascii_only);
    pos += cp.length;
  }
  out += quote;
  return out;
}

}  // namespace

CodePoint decode(std::string_view text, size_t pos) {
  const utf8::Step step = utf8::next(text, pos);
  if (step.valid) return {step.code_point, step.length};
  return {kSurrogateEscapeBase + static_cast<unsigned char>(text[pos]), 1};
}

size_t count_code_points(std::string_view text) {
  size_t ascii = 0;  // most texts are ASCII: one byte, one code point, nothing to decode
  while (ascii < text.size() && static_cast<unsigned char>(text[ascii]) < 0x80) ++ascii;
  size_t count = ascii;
  for (size_t pos = ascii; pos < text.size(); pos += decode(text, pos).length) ++count;
  return count;
}

std::string_view first_code_points(std::string_view text, size_t n) {
  size_t pos = 0;
  for (; pos < text.size() && n > 0; --n) pos += decode(text, pos).length;
  return text.substr(0, pos);
}

void append_utf8(std::string& out, char32_t cp) {
  utf8::append(out, cp);
}

bool is_printable(char32_t cp) {
  if (cp < 0x100) return (cp >= 0x20 && cp < 0x7F) || (cp > 0xA0 && cp != 0xAD);
  if (cp > 0x10FFFF) return false;
  // Noncharacters U+xxFFFE and U+xxFFFF in every plane.
  if ((cp & 0xFFFE) == 0xFFFE) return false;
  const auto* it = std::upper_bound(std::begin(kNotPrintable), std::end(kNotPrintable), cp,
                                    [](char32_t value, const Range& r) { return value < r.first; });
  if (it == std::begin(kNotPrintable)) return true;
  return cp > std::prev(it)->last;
}

std::string repr(std::string_view text) {
  return quoted(text, false);
}

std::string ascii(std::string_view text) {
  return quoted(text, true);
}

}  // namespace pystr
