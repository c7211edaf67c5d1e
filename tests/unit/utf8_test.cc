// Tests for common/utf8.h. Expected texts, offsets and reasons were printed by
// /usr/bin/python3 (3.11): bytes.decode('utf-8', 'replace') and the UnicodeDecodeError of a
// strict decode (start, end - start, reason).
#include "common/utf8.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

using namespace std::string_view_literals;

struct Row {
  std::string_view bytes;
  std::string_view replaced;  // decode('utf-8', 'replace'), re-encoded
  size_t bad_at;              // UnicodeDecodeError.start, npos when valid
  size_t bad_length;          // end - start
  const char* reason;
};

constexpr size_t npos = std::string_view::npos;

const Row kRows[] = {
    {"ok"sv, "ok"sv, npos, 0, ""},
    {"\xe2\x82\xac"sv, "\xe2\x82\xac"sv, npos, 0, ""},          // €
    {"\xf0\x9f\x98\x80"sv, "\xf0\x9f\x98\x80"sv, npos, 0, ""},  // emoji
    {"\xef\xbf\xbe"sv, "\xef\xbf\xbe"sv, npos, 0, ""},          // U+FFFE is UTF-8
    {"a\xe2\x82z"sv, "a\xef\xbf\xbdz"sv, 1, 2, "invalid continuation byte"},
    {"\xc0\xaf"sv, "\xef\xbf\xbd\xef\xbf\xbd"sv, 0, 1, "invalid start byte"},  // overlong
    {"\xed\xa0\x80"sv, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"sv, 0, 1,
     "invalid continuation byte"},  // surrogate
    {"\xff"sv, "\xef\xbf\xbd"sv, 0, 1, "invalid start byte"},
    {"\xe2\x82"sv, "\xef\xbf\xbd"sv, 0, 2, "unexpected end of data"},
    {"\xe0\x80"sv, "\xef\xbf\xbd\xef\xbf\xbd"sv, 0, 1, "invalid continuation byte"},
    {"\xf4\x90\x80\x80"sv, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"sv, 0, 1,
     "invalid continuation byte"},  // > U+10FFFF
    {"\xf0\x9f\x98"sv, "\xef\xbf\xbd"sv, 0, 3, "unexpected end of data"},
    {"bad\xff\xfename"sv, "bad\xef\xbf\xbd\xef\xbf\xbdname"sv, 3, 1, "invalid start byte"},
    {"\x80\x80"sv, "\xef\xbf\xbd\xef\xbf\xbd"sv, 0, 1, "invalid start byte"},
    {"\xc2"sv, "\xef\xbf\xbd"sv, 0, 1, "unexpected end of data"},
    {"x\xf5y"sv, "x\xef\xbf\xbdy"sv, 1, 1, "invalid start byte"},
    {"nul\0ok"sv, "nul\0ok"sv, npos, 0, ""},  // NUL is UTF-8 (XML is what refuses it)
};

}  // namespace

TEST_CASE("decoding_matches_pythons_strict_and_replace_decoders") {
  for (const Row& row : kRows) {
    CAPTURE(row.bytes);
    CHECK(utf8::replace_invalid(row.bytes) == row.replaced);
    CHECK(utf8::first_invalid(row.bytes) == row.bad_at);
    CHECK(utf8::valid(row.bytes) == (row.bad_at == npos));
    if (row.bad_at != npos) {
      const utf8::Step step = utf8::next(row.bytes, row.bad_at);
      CHECK_FALSE(step.valid);
      CHECK(step.length == row.bad_length);
      CHECK(std::string_view(step.reason) == row.reason);
    }
  }
}

TEST_CASE("next_decodes_code_points") {
  CHECK(utf8::next("A", 0).code_point == U'A');
  CHECK(utf8::next("\xc3\xa9", 0).code_point == 0xE9);
  CHECK(utf8::next("\xe2\x89\x88", 0).length == 3);
  CHECK(utf8::next("\xf0\x9f\x98\x80", 0).code_point == 0x1F600);
  CHECK(utf8::next("\xf4\x8f\xbf\xbf", 0).code_point == 0x10FFFF);
}

TEST_CASE("xml_char_is_the_xml_1_0_char_production") {
  for (char32_t c : {U'\t', U'\n', U'\r', U' ', U'a', char32_t{0xD7FF}, char32_t{0xE000},
                     char32_t{0xFFFD}, char32_t{0x10000}, char32_t{0x10FFFF}}) {
    CHECK(utf8::is_xml_char(c));
  }
  for (char32_t c :
       {char32_t{0}, char32_t{1}, char32_t{0x8}, char32_t{0xB}, char32_t{0x1F}, char32_t{0xD800},
        char32_t{0xDFFF}, char32_t{0xFFFE}, char32_t{0xFFFF}, char32_t{0x110000}}) {
    CHECK_FALSE(utf8::is_xml_char(c));
  }
}
