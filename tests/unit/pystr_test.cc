// Tests for common/pystr.h. Expected repr()/ascii() texts were printed by /usr/bin/python3
// (3.11) for the same strings; byte strings that are not UTF-8 were decoded there with
// 'surrogateescape', which is what pystr::decode mirrors.
#include "common/pystr.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "common/pyspace.h"

namespace {

using namespace std::string_view_literals;

struct Quoted {
  std::string_view text;  // string_view: one row holds a NUL
  const char* repr;
  const char* ascii;
};

const Quoted kQuoted[] = {
    {"", "''", "''"},
    {"x", "'x'", "'x'"},
    {"it's", "\"it's\"", "\"it's\""},
    {"say \"hi\"", "'say \"hi\"'", "'say \"hi\"'"},
    {"it's \"x\"", "'it\\'s \"x\"'", "'it\\'s \"x\"'"},
    {"a\tb\\c\n\r", "'a\\tb\\\\c\\n\\r'", "'a\\tb\\\\c\\n\\r'"},
    {"\x00\x1b\x7f"sv, "'\\x00\\x1b\\x7f'", "'\\x00\\x1b\\x7f'"},
    {"h\xc3\xa9llo", "'h\xc3\xa9llo'", "'h\\xe9llo'"},
    {"\xc2\x80\xc2\xa0\xc2\xad\xc3\xbf", "'\\x80\\xa0\\xad\xc3\xbf'", "'\\x80\\xa0\\xad\\xff'"},
    {"\xe2\x80\xa8\xe2\x80\x8b\xef\xbb\xbf\xee\x80\x80", "'\\u2028\\u200b\\ufeff\\ue000'",
     "'\\u2028\\u200b\\ufeff\\ue000'"},
    {"\xf0\x9f\x98\x80", "'\xf0\x9f\x98\x80'", "'\\U0001f600'"},
    {"\xce\xa9\xe2\x89\x88\xc3\xa7\xe2\x88\x9a", "'\xce\xa9\xe2\x89\x88\xc3\xa7\xe2\x88\x9a'",
     "'\\u03a9\\u2248\\xe7\\u221a'"},
    // Not UTF-8: b'a\xffb' and overlong / encoded-surrogate / past-U+10FFFF sequences.
    {"a\xff"
     "b",
     "'a\\udcffb'", "'a\\udcffb'"},
    {"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80",
     "'\\udcc0\\udcaf\\udced\\udca0\\udc80\\udcf4\\udc90\\udc80\\udc80'",
     "'\\udcc0\\udcaf\\udced\\udca0\\udc80\\udcf4\\udc90\\udc80\\udc80'"},
};

}  // namespace

TEST_CASE("repr_and_ascii_quote_and_escape_like_python") {
  for (const Quoted& row : kQuoted) {
    CAPTURE(row.repr);
    CHECK(pystr::repr(row.text) == row.repr);
    CHECK(pystr::ascii(row.text) == row.ascii);
  }
}

TEST_CASE("code_points_are_counted_and_cut_on_character_boundaries") {
  const std::string text = "h\xc3\xa9\xf0\x9f\x98\x80!";  // h é 😀 !
  CHECK(pystr::count_code_points(text) == 4);
  CHECK(pystr::first_code_points(text, 0) == "");
  CHECK(pystr::first_code_points(text, 2) == "h\xc3\xa9");
  CHECK(pystr::first_code_points(text, 3) == "h\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(pystr::first_code_points(text, 99) == text);
  // A truncated sequence is one code point per byte, as surrogateescape makes it.
  CHECK(pystr::count_code_points("\xf0\x9f\x98") == 3);
}

TEST_CASE("decode_reads_each_utf8_length_and_escapes_bad_bytes") {
  CHECK(pystr::decode("A", 0).value == U'A');
  CHECK(pystr::decode("\xc3\xa9", 0).value == 0xE9);
  CHECK(pystr::decode("\xe2\x89\x88", 0).length == 3);
  CHECK(pystr::decode("\xf0\x9f\x98\x80", 0).value == 0x1F600);
  CHECK(pystr::decode("\x80", 0).value == 0xDC80);
  CHECK(pystr::decode("\xc3(", 0).value == 0xDCC3);
  CHECK(pystr::decode("\xc3(", 0).length == 1);
}

TEST_CASE("append_utf8_inverts_decode_for_every_length") {
  for (char32_t cp : {U'\0', U'~', char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF}, char32_t{0x800},
                      char32_t{0xFFFF}, char32_t{0x10000}, char32_t{0x10FFFF}}) {
    std::string out;
    pystr::append_utf8(out, cp);
    CAPTURE(static_cast<unsigned>(cp));
    const pystr::CodePoint back = pystr::decode(out, 0);
    CHECK(back.value == cp);
    CHECK(back.length == out.size());
  }
}

TEST_CASE("printable_matches_python_on_latin1_and_the_usual_invisible_characters") {
  // [c for c in range(256) if chr(c).isprintable()] == 32..126 and 161..255 except 173
  for (char32_t cp = 0; cp < 0x100; ++cp) {
    const bool python = (cp >= 32 && cp <= 126) || (cp >= 161 && cp != 173);
    CAPTURE(static_cast<unsigned>(cp));
    CHECK(pystr::is_printable(cp) == python);
  }
  for (char32_t cp : {0x2028, 0x2029, 0x200B, 0x202F, 0x3000, 0xFEFF, 0xD800, 0xE000, 0xFFFF,
                      0x1FFFE, 0xE0001, 0x10FFFD}) {
    CAPTURE(static_cast<unsigned>(cp));
    CHECK_FALSE(pystr::is_printable(cp));
  }
  for (char32_t cp : {0x3A9, 0x4E2D, 0x1F600, 0x20000, 0xE0100}) {
    CAPTURE(static_cast<unsigned>(cp));
    CHECK(pystr::is_printable(cp));
  }
}

TEST_CASE("pyspace::split is str.split(): runs between Python's whitespace") {
  using V = std::vector<std::string_view>;
  CHECK(pyspace::split("") == V{});
  CHECK(pyspace::split(" \t\n ") == V{});
  CHECK(pyspace::split("  start  web:*\tdb ") == V{"start", "web:*", "db"});
  // NBSP and U+3000 are whitespace to Python; U+00E9 is not.
  CHECK(pyspace::split("a\xC2\xA0"
                       "b\xE3\x80\x80"
                       "caf\xC3\xA9") == V{"a", "b", "caf\xC3\xA9"});
}
