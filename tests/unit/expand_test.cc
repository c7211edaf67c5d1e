// Tests for common/expand.h: Python's `format % mapping` as Supervisor uses it for %(name)s.
// Every expected string in the two tables was printed by /usr/bin/python3 (3.11) evaluating
// the same format against the same dict as kScope below: `fmt % {'a': 'x', 'n': 3, ...}`.
#include "common/expand.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace {

using expand::ExpandError;
using expand::Format;
using expand::Scope;
using Kind = ExpandError::Kind;

// Python: {'a': 'x', 'n': 3, 'neg': -42, 'q': "it's", 'u': 'héllo', 'e': '',
//          'big': 2**63-1, 'mneg': -2**63}
Scope make_scope() {
  Scope s;
  s.set("a", std::string("x"));
  s.set("n", int64_t{3});
  s.set("neg", int64_t{-42});
  s.set("q", std::string("it's"));
  s.set("u", std::string("h\xc3\xa9llo"));
  s.set("e", std::string(""));
  s.set("big", int64_t{INT64_MAX});
  s.set("mneg", int64_t{INT64_MIN});
  return s;
}

struct Renders {
  const char* format;
  const char* python;
};

const Renders kRenders[] = {
    {"/bin/sleep %(n)d", "/bin/sleep 3"},
    {"%(n)02d", "03"},
    {"%(n)03d", "003"},
    {"%(n)5d|", "    3|"},
    {"%(n)-5d|", "3    |"},
    {"%(n)-05d|", "3    |"},
    {"%(neg)05d", "-0042"},
    {"%(neg)+5d", "  -42"},
    {"%(n)+d", "+3"},
    {"%(n) d", " 3"},
    {"%(n) 05d", " 0003"},
    {"%(n)#x", "0x3"},
    {"%(n)#o", "0o3"},
    {"%(neg)#X", "-0X2A"},
    {"%(neg)#010x", "-0x000002a"},
    {"%(neg)#10x", "     -0x2a"},
    {"%(neg)-#10x|", "-0x2a     |"},
    {"%(n).5d", "00003"},
    {"%(neg)08.5d", "-0000042"},
    {"%(n)#.5o", "0o00003"},
    {"%(n)#d", "3"},
    {"%(n)i", "3"},
    {"%(n)u", "3"},
    {"%(big)x", "7fffffffffffffff"},
    {"%(big)d", "9223372036854775807"},
    {"%(mneg)d", "-9223372036854775808"},
    {"%(mneg)#x", "-0x8000000000000000"},
    {"%(n)e", "3.000000e+00"},
    {"%(n)E", "3.000000E+00"},
    {"%(n)f", "3.000000"},
    {"%(n)F", "3.000000"},
    {"%(n)g", "3"},
    {"%(big)G", "9.22337E+18"},
    {"%(big)e", "9.223372e+18"},
    {"%(big)f", "9223372036854775808.000000"},
    {"%(n)#.0e", "3.e+00"},
    {"%(n)#g", "3.00000"},
    {"%(neg)+010.2f", "-000042.00"},
    {"%(n).0f", "3"},
    {"%(n)#.0f", "3."},
    {"%(n)10.3e", " 3.000e+00"},
    {"%(n)#.3g", "3.00"},
    {"%(a)s", "x"},
    {"%(a)5s|", "    x|"},
    {"%(a)-5s|", "x    |"},
    {"%(a)05s|", "    x|"},
    {"%(a)+s", "x"},
    {"%(a).0s|", "|"},
    {"%(e)s|", "|"},
    {"%(n)s", "3"},
    {"%(n)5s|", "    3|"},
    {"%(n)05s|", "    3|"},
    {"%(n).1s", "3"},
    {"%(a)r", "'x'"},
    {"%(n)r", "3"},
    {"%(q)r", "\"it's\""},
    {"%(q)a", "\"it's\""},
    {"%(a)5r|", "  'x'|"},
    {"%(a)c", "x"},
    {"%(a)5c|", "    x|"},
    {"%(n)c", "\x03"},
    {"%(n)5c|",
     "    \x03"
     "|"},
    {"%(n)ld", "3"},
    {"%(n)hi", "3"},
    {"%(n)Lu", "3"},
    {"date +%%s", "date +%s"},
    {"100%% %(a)s", "100% x"},
    {"%%(a)s", "%(a)s"},
    {"%%", "%"},
    {"no percent here", "no percent here"},
    {"", ""},
    {"%(u)s",
     "h\xc3"
     "\xa9"
     "llo"},
    {"%(u).2s|",
     "h\xc3"
     "\xa9"
     "|"},
    {"%(u)7s|",
     "  h\xc3"
     "\xa9"
     "llo|"},
    {"%(u)-7s|",
     "h\xc3"
     "\xa9"
     "llo  |"},
    {"%(u)r",
     "'h\xc3"
     "\xa9"
     "llo'"},
    {"%(u)a", "'h\\xe9llo'"},
    {"%s",
     "{'a': 'x', 'n': 3, 'neg': -42, 'q': \"it's\", 'u': 'h\xc3"
     "\xa9"
     "llo', 'e': '', 'big': 9223372036854775807, 'mneg': -9223372036854775808}"},
    {"%r",
     "{'a': 'x', 'n': 3, 'neg': -42, 'q': \"it's\", 'u': 'h\xc3"
     "\xa9"
     "llo', 'e': '', 'big': 9223372036854775807, 'mneg': -9223372036854775808}"},
    {"%a",
     "{'a': 'x', 'n': 3, 'neg': -42, 'q': \"it's\", 'u': 'h\\xe9llo', 'e': '', 'big': "
     "9223372036854775807, 'mneg': -9223372036854775808}"},
    {"%.9s", "{'a': 'x'"},
    {"%s %(a)s",
     "{'a': 'x', 'n': 3, 'neg': -42, 'q': \"it's\", 'u': 'h\xc3"
     "\xa9"
     "llo', 'e': '', 'big': 9223372036854775807, 'mneg': -9223372036854775808} x"},
    {"%(a)s%(n)d%(a)s", "x3x"},
};

struct Fails {
  const char* format;
  Kind kind;
  const char* python;  // UnknownName: the KeyError's key; BadFormat: str(exception)
};

const Fails kFails[] = {
    {"%(nosuch)s", Kind::UnknownName, "nosuch"},
    {"%(process_num+1)d", Kind::UnknownName, "process_num+1"},
    {"%()s", Kind::UnknownName, ""},
    {"%(a(b)c)s", Kind::UnknownName, "a(b)c"},
    {"%(nosuch)5001", Kind::UnknownName, "nosuch"},
    {"%(nosuch)*d", Kind::UnknownName, "nosuch"},
    {"%(nosuch)s %(a)b", Kind::UnknownName, "nosuch"},
    {"/bin/sleep %(n)5001", Kind::BadFormat, "incomplete format"},
    {"abc%", Kind::BadFormat, "incomplete format"},
    {"%(n)", Kind::BadFormat, "incomplete format"},
    {"%(n)-", Kind::BadFormat, "incomplete format"},
    {"%(n).", Kind::BadFormat, "incomplete format"},
    {"%(n)5.", Kind::BadFormat, "incomplete format"},
    {"%(n)l", Kind::BadFormat, "incomplete format"},
    {"%(n)*", Kind::BadFormat, "incomplete format"},
    {"%(a", Kind::BadFormat, "incomplete format key"},
    {"%((a)s", Kind::BadFormat, "incomplete format key"},
    {"%(a)b", Kind::BadFormat, "unsupported format character 'b' (0x62) at index 4"},
    {"/bin/sleep %(n)b", Kind::BadFormat, "unsupported format character 'b' (0x62) at index 15"},
    {"\xc3"
     "\xa9"
     "%(a)\xc3"
     "\xa9",
     Kind::BadFormat, "unsupported format character '?' (0xe9) at index 5"},
    {"%\x1f", Kind::BadFormat,
     "unsupported format character '\x1f"
     "' (0x1f) at index 1"},
    {"%\x7f", Kind::BadFormat, "unsupported format character '?' (0x7f) at index 1"},
    {"%(a)%", Kind::BadFormat, "unsupported format character '%' (0x25) at index 4"},
    {"%(n)hh", Kind::BadFormat, "unsupported format character 'h' (0x68) at index 5"},
    {"%-(a)s", Kind::BadFormat, "unsupported format character '(' (0x28) at index 2"},
    {"%(a)b %(nosuch)s", Kind::BadFormat, "unsupported format character 'b' (0x62) at index 4"},
    {"%s %s", Kind::BadFormat, "not enough arguments for format string"},
    {"%(a)s %s", Kind::BadFormat, "not enough arguments for format string"},
    {"%s%s%(nosuch)s", Kind::BadFormat, "not enough arguments for format string"},
    {"%(a)d", Kind::BadFormat, "%d format: a real number is required, not str"},
    {"%(a)i", Kind::BadFormat, "%i format: a real number is required, not str"},
    {"%(a)u", Kind::BadFormat, "%u format: a real number is required, not str"},
    {"%(a)x", Kind::BadFormat, "%x format: an integer is required, not str"},
    {"%(a)o", Kind::BadFormat, "%o format: an integer is required, not str"},
    {"%(a)X", Kind::BadFormat, "%X format: an integer is required, not str"},
    {"%d", Kind::BadFormat, "%d format: a real number is required, not dict"},
    {"%x", Kind::BadFormat, "%x format: an integer is required, not dict"},
    {"%(a)f", Kind::BadFormat, "must be real number, not str"},
    {"%(a)e", Kind::BadFormat, "must be real number, not str"},
    {"%(a)g", Kind::BadFormat, "must be real number, not str"},
    {"%e", Kind::BadFormat, "must be real number, not dict"},
    {"%(q)c", Kind::BadFormat, "%c requires int or char"},
    {"%(e)c", Kind::BadFormat, "%c requires int or char"},
    {"%c", Kind::BadFormat, "%c requires int or char"},
    {"%(neg)c", Kind::BadFormat, "%c arg not in range(0x110000)"},
    {"%(big)c", Kind::BadFormat, "%c arg not in range(0x110000)"},
    {"%(a)d%(a)b", Kind::BadFormat, "%d format: a real number is required, not str"},
    {"%*d", Kind::BadFormat, "* wants int"},
    {"%.*d", Kind::BadFormat, "* wants int"},
    {"%(a)*d", Kind::BadFormat, "* wants int"},
    {"%(a).*d", Kind::BadFormat, "* wants int"},
    {"%(n)*d", Kind::BadFormat, "not enough arguments for format string"},
    {"%(n).*d", Kind::BadFormat, "not enough arguments for format string"},
    {"%(n)*.*d", Kind::BadFormat, "not enough arguments for format string"},
    {"%(big).*d", Kind::BadFormat, "Python int too large to convert to C int"},
    {"%(mneg).*d", Kind::BadFormat, "Python int too large to convert to C int"},
    {"%(n)*5", Kind::BadFormat, "not enough arguments for format string"},
    {"%(n).2147483648s", Kind::BadFormat, "precision too big"},
    {"%(n)9223372036854775808s", Kind::BadFormat, "width too big"},
    {"%(nosuch)9223372036854775808s", Kind::UnknownName, "nosuch"},
};

std::string rendered(std::string_view format, const Scope& scope) {
  auto result = expand::expand(format, scope);
  if (auto* error = std::get_if<ExpandError>(&result)) return "<error: " + error->detail + ">";
  return std::get<std::string>(result);
}

ExpandError failure(std::string_view format, const Scope& scope) {
  auto result = expand::expand(format, scope);
  if (auto* error = std::get_if<ExpandError>(&result)) return *error;
  return ExpandError{Kind::BadFormat, "<rendered: " + std::get<std::string>(result) + ">", 0};
}

}  // namespace

// ---- Python's output, case by case -------------------------------------------------------

TEST_CASE("renders_like_python_percent_mapping") {
  const Scope scope = make_scope();
  for (const Renders& row : kRenders) {
    CAPTURE(row.format);
    CHECK(rendered(row.format, scope) == row.python);
  }
}

TEST_CASE("fails_like_python_with_the_first_error_met_left_to_right") {
  const Scope scope = make_scope();
  for (const Fails& row : kFails) {
    CAPTURE(row.format);
    const ExpandError error = failure(row.format, scope);
    CHECK(error.kind == row.kind);
    CHECK(error.detail == row.python);
  }
}

// ---- error positions and syntax errors -----------------------------------------------------

TEST_CASE("error_offset_is_the_byte_offset_of_the_offending_percent") {
  const Scope scope = make_scope();
  CHECK(failure("ab %(nosuch)s", scope).offset == 3);
  CHECK(failure("%(a)s %(n)5001", scope).offset == 6);
  CHECK(failure("%(a)s %s", scope).offset == 6);
  // 'é' is two bytes: the '%' is byte 2 although Python's message says index 5 for the 'é'.
  const ExpandError error = failure("\xc3\xa9%(a)\xc3\xa9", scope);
  CHECK(error.offset == 2);
  CHECK(error.detail == "unsupported format character '?' (0xe9) at index 5");
}

TEST_CASE("syntax_error_is_known_without_a_scope") {
  const Format bad = Format::parse("/bin/sleep %(process_num)5001");
  REQUIRE(bad.syntax_error() != nullptr);
  CHECK(bad.syntax_error()->kind == Kind::BadFormat);
  CHECK(bad.syntax_error()->detail == "incomplete format");
  CHECK(bad.syntax_error()->offset == 11);

  CHECK(Format::parse("%(a)b").syntax_error()->detail ==
        "unsupported format character 'b' (0x62) at index 4");
  CHECK(Format::parse("%s %s").syntax_error()->detail == "not enough arguments for format string");
  CHECK(Format::parse("%(a").syntax_error()->detail == "incomplete format key");
}

TEST_CASE("valid_text_has_no_syntax_error_even_when_its_names_are_unknown") {
  // A bare %s takes the whole mapping, and only before any %(name) has taken a value.
  CHECK(Format::parse("%s %(process_num)02d %(nosuch)s %%").syntax_error() == nullptr);
  CHECK(Format::parse("").syntax_error() == nullptr);
  // Whether the value is an int is up to the scope: %(a)d is not a syntax error.
  CHECK(Format::parse("%(a)d").syntax_error() == nullptr);
}

TEST_CASE("unknown_name_before_a_syntax_error_is_reported_as_the_unknown_name") {
  const Format format = Format::parse("%(nosuch)s %(n)5001");
  REQUIRE(format.syntax_error() != nullptr);
  const auto result = format.evaluate(make_scope());
  REQUIRE(std::holds_alternative<ExpandError>(result));
  CHECK(std::get<ExpandError>(result).kind == Kind::UnknownName);
  CHECK(std::get<ExpandError>(result).detail == "nosuch");
}

TEST_CASE("huge_widths_and_precisions_are_refused_before_allocating") {
  // Deliberate limit (Python would try to build the string): above 2^20 we answer with
  // Python's overflow text.
  const Scope scope = make_scope();
  CHECK(failure("%(n)1048577d", scope).detail == "width too big");
  CHECK(failure("%(n).1048577d", scope).detail == "precision too big");
  CHECK(rendered("%(n)1048576d", scope).size() == 1048576);
}

// ---- names -----------------------------------------------------------------------------------

TEST_CASE("names_lists_keys_in_order_of_appearance") {
  const Format format = Format::parse("%s %(here)s/%(program_name)s_%(process_num)02d %% %(here)s");
  CHECK(format.names() == std::vector<std::string>{"here", "program_name", "process_num", "here"});
  CHECK(format.references("process_num"));
  CHECK_FALSE(format.references("process"));
  CHECK_FALSE(Format::parse("%%(here)s").references("here"));
}

TEST_CASE("names_after_a_syntax_error_are_never_looked_up") {
  const Format format = Format::parse("%(a)s %(b)5001 %(c)s");
  CHECK(format.names() == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(format.references("c"));
}

// ---- one parse, many scopes ---------------------------------------------------------------

TEST_CASE("a_parsed_format_evaluates_in_each_scope_of_a_numprocs_fan_out") {
  const Format format = Format::parse("%(program_name)s_%(process_num)02d");
  const char* expected[] = {"web_00", "web_01", "web_02", "web_03"};
  for (int64_t n = 0; n < 4; ++n) {
    Scope scope;
    scope.set("program_name", std::string("web"));
    scope.set("process_num", n);
    const auto result = format.evaluate(scope);
    REQUIRE(std::holds_alternative<std::string>(result));
    CHECK(std::get<std::string>(result) == expected[n]);
  }
}

TEST_CASE("copied_and_moved_formats_evaluate_alike") {
  const Scope scope = make_scope();
  Format original = Format::parse("[%(n)03d|%(a)-3s]");
  Format copy = original;
  Format moved = std::move(copy);
  Format assigned;
  assigned = moved;
  CHECK(std::get<std::string>(moved.evaluate(scope)) == "[003|x  ]");
  CHECK(std::get<std::string>(assigned.evaluate(scope)) == "[003|x  ]");
  CHECK(std::get<std::string>(original.evaluate(scope)) == "[003|x  ]");
}

// ---- Scope -----------------------------------------------------------------------------------

TEST_CASE("scope_set_replaces_in_place_and_keeps_insertion_order") {
  Scope scope;
  scope.set("z", std::string("1"));
  scope.set("a", int64_t{2});
  scope.set("z", int64_t{3});
  REQUIRE(scope.items().size() == 2);
  CHECK(scope.items()[0].first == "z");
  CHECK(rendered("%s", scope) == "{'z': 3, 'a': 2}");
  CHECK(scope.sorted_names() == std::vector<std::string>{"a", "z"});
  CHECK(scope.find("missing") == nullptr);
  REQUIRE(scope.find("a") != nullptr);
  CHECK(std::get<int64_t>(*scope.find("a")) == 2);
}

TEST_CASE("bare_percent_s_of_an_empty_scope_is_empty_braces") {
  CHECK(rendered("%s", Scope{}) == "{}");
}

TEST_CASE("sorted_names_sort_by_code_point_like_python") {
  Scope scope;
  for (const char* name : {"here", "ENV_HOME", "\xc3\xa9t\xc3\xa9", "ENV_A", "process_num"}) {
    scope.set(name, std::string());
  }
  // sorted(['here', 'ENV_HOME', 'été', 'ENV_A', 'process_num']) in Python:
  CHECK(scope.sorted_names() ==
        std::vector<std::string>{"ENV_A", "ENV_HOME", "here", "process_num", "\xc3\xa9t\xc3\xa9"});
}

// ---- properties ------------------------------------------------------------------------------

TEST_CASE("text_without_percent_comes_back_unchanged") {
  const Scope scope = make_scope();
  for (const char* text :
       {"", "/usr/bin/python3 -m http.server", "a(b)c s d", "\xc3\xa9\xff\x01"}) {
    CHECK(rendered(text, scope) == text);
  }
}

TEST_CASE("doubling_every_percent_escapes_any_text") {
  const Scope scope = make_scope();
  for (std::string text : {"%", "date +%s", "100%", "%(a)s %%", "%%%(n)d%"}) {
    std::string escaped;
    for (char c : text) escaped += c == '%' ? std::string("%%") : std::string(1, c);
    CHECK(rendered(escaped, scope) == text);
  }
}

TEST_CASE("int_as_d_s_r_is_its_decimal_text") {
  for (int64_t n :
       {int64_t{0}, int64_t{7}, int64_t{-1}, int64_t{123456789}, INT64_MIN, INT64_MAX}) {
    Scope scope;
    scope.set("v", n);
    CAPTURE(n);
    CHECK(rendered("%(v)d", scope) == std::to_string(n));
    CHECK(rendered("%(v)s", scope) == std::to_string(n));
    CHECK(rendered("%(v)r", scope) == std::to_string(n));
  }
}

TEST_CASE("zero_padded_width_keeps_the_value_and_reaches_the_width") {
  for (int64_t n : {int64_t{0}, int64_t{5}, int64_t{-5}, int64_t{4096}, int64_t{-123456}}) {
    for (int width = 1; width <= 9; ++width) {
      Scope scope;
      scope.set("v", n);
      const std::string out = rendered("%(v)0" + std::to_string(width) + "d", scope);
      CAPTURE(n);
      CAPTURE(width);
      CHECK(out.size() == std::max<size_t>(width, std::to_string(n).size()));
      CHECK(std::stoll(out) == n);
    }
  }
}

TEST_CASE("left_and_right_justified_text_hold_the_same_characters") {
  Scope scope;
  scope.set("v", std::string("h\xc3\xa9"));  // two code points, three bytes
  for (int width = 0; width <= 6; ++width) {
    const std::string w = std::to_string(width);
    const std::string right = rendered("%(v)" + w + "s", scope);
    const std::string left = rendered("%(v)-" + w + "s", scope);
    const size_t pad = width > 2 ? width - 2 : 0;  // widths count code points
    CAPTURE(width);
    CHECK(right == std::string(pad, ' ') + "h\xc3\xa9");
    CHECK(left == "h\xc3\xa9" + std::string(pad, ' '));
  }
}
