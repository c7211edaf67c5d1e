// Tests for supervisord/logs/strip_ansi: `ESC [ … <letter>` removal, across chunk boundaries.
#include <doctest/doctest.h>

#include <string>

#include "supervisord/logs/strip_ansi.h"

using logs::StripAnsi;

TEST_CASE("color_sequences_are_removed_and_text_kept") {
  StripAnsi s;
  CHECK(s.feed("\x1b[1;31mred\x1b[0m plain\n") == "red plain\n");
}

TEST_CASE("cursor_and_erase_sequences_are_removed") {
  StripAnsi s;
  CHECK(s.feed("a\x1b[2Kb\x1b[10;20Hc\x1b[?25ld") == "abcd");
}

TEST_CASE("sequence_split_across_chunks_is_removed") {
  StripAnsi s;
  std::string out;
  out += s.feed("before \x1b");
  out += s.feed("[3");
  out += s.feed("2m");
  out += s.feed("green\x1b[0m after");
  CHECK(out == "before green after");
}

TEST_CASE("every_split_point_gives_the_same_result") {
  const std::string input =
      "x\x1b[1;33my\x1b[0mz\x1b"
      "7w";
  StripAnsi whole;
  const std::string expected = whole.feed(input) + whole.flush();
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    StripAnsi s;
    std::string out = s.feed(input.substr(0, cut));
    out += s.feed(input.substr(cut));
    out += s.flush();
    CHECK(out == expected);
  }
  CHECK(expected ==
        "xyz\x1b"
        "7w");
}

TEST_CASE("escape_not_followed_by_bracket_is_kept") {
  StripAnsi s;
  CHECK(s.feed("a\x1bxb") == "a\x1bxb");
}

TEST_CASE("trailing_escape_is_held_until_flush") {
  StripAnsi s;
  CHECK(s.feed("end\x1b") == "end");
  CHECK(s.flush() == "\x1b");
}
