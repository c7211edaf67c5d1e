// Tests for common/ini: Python ConfigParser's dialect as Supervisor 4.2.5 reads
// it. Expected values were checked against /usr/bin/python3's
// RawConfigParser(inline_comment_prefixes=(';','#'), strict=False).
#include "common/ini.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

ini::Document parsed(std::string_view text, const std::string& path = "t.ini") {
  ini::Document doc;
  const Status status = doc.parse(text, path);
  REQUIRE_MESSAGE(status.ok(), status.error());
  return doc;
}

std::string value_of(const ini::Document& doc, std::string_view section, std::string_view key) {
  const ini::Section* s = doc.find(section);
  REQUIRE(s != nullptr);
  const ini::Entry* e = doc.get(*s, key);
  REQUIRE(e != nullptr);
  return e->value;
}

std::string parse_error(std::string_view text, const std::string& path = "t.ini") {
  ini::Document doc;
  const Status status = doc.parse(text, path);
  REQUIRE(!status.ok());
  return status.error();
}

std::string temp_path(const char* name) {
  return "/tmp/ini_test_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace

TEST_CASE("key_value_with_either_delimiter_first_one_wins") {
  const auto doc = parsed("[s]\na = 1\nb: 2\nc = x:y=z\nd : p=q\n");
  CHECK(value_of(doc, "s", "a") == "1");
  CHECK(value_of(doc, "s", "b") == "2");
  CHECK(value_of(doc, "s", "c") == "x:y=z");
  CHECK(value_of(doc, "s", "d") == "p=q");
}

TEST_CASE("keys_are_lowercased_and_stripped_values_keep_case") {
  const auto doc = parsed("[s]\n  STOPSIGNAL   =  HUP  \n");
  CHECK(value_of(doc, "s", "stopsignal") == "HUP");
  CHECK(doc.find("s")->entries[0].key == "stopsignal");
}

TEST_CASE("section_names_are_case_sensitive_and_end_at_last_bracket") {
  const auto doc = parsed("[Prog]\na=1\n[prog]\na=2\n[a]b] trailing\nq=3\n");
  CHECK(value_of(doc, "Prog", "a") == "1");
  CHECK(value_of(doc, "prog", "a") == "2");
  CHECK(value_of(doc, "a]b", "q") == "3");
  CHECK(doc.sections().size() == 3);
}

TEST_CASE("inline_comment_needs_whitespace_before_it") {
  const auto doc = parsed("[s]\na=b;c\nb=b ;c\nc=x#y\nd=x #y\ne=sh -c \"a ; b\"\nf=\tv\t#t\n");
  CHECK(value_of(doc, "s", "a") == "b;c");
  CHECK(value_of(doc, "s", "b") == "b");
  CHECK(value_of(doc, "s", "c") == "x#y");
  CHECK(value_of(doc, "s", "d") == "x");
  CHECK(value_of(doc, "s", "e") == "sh -c \"a");
  CHECK(value_of(doc, "s", "f") == "v");
}

TEST_CASE("inline_comment_search_keeps_configparsers_round_quirk") {
  // In the first round ';' (after a space) is found while '#' (after 'x') is not a
  // comment, so the later " #z" survives: Python gives "x#y #z".
  const auto doc = parsed("[s]\nb=x#y #z ;w\na=1;x #y ;z\n");
  CHECK(value_of(doc, "s", "b") == "x#y #z");
  CHECK(value_of(doc, "s", "a") == "1;x");
}

TEST_CASE("full_line_comments_anywhere_even_inside_a_continuation") {
  const auto doc =
      parsed("; top\n# top\n[s]\n  ; indented comment\nk = a\n  # skipped\n  b\n ;x\n  c\n");
  CHECK(value_of(doc, "s", "k") == "a\nb\nc");
}

TEST_CASE("continuation_lines_join_with_newline_and_keep_inner_blank_lines") {
  const auto doc = parsed("[s]\nx = one\n  two\n\n\n  three\n\n\ny=2\n");
  CHECK(value_of(doc, "s", "x") == "one\ntwo\n\n\nthree");
  CHECK(value_of(doc, "s", "y") == "2");
}

TEST_CASE("continuation_must_be_indented_deeper_than_the_key_line") {
  const auto doc = parsed("[s]\n  a = 1\n  b = 2\n   c\n");
  CHECK(value_of(doc, "s", "a") == "1");
  CHECK(value_of(doc, "s", "b") == "2\nc");
}

TEST_CASE("empty_first_line_keeps_its_newline_like_configparser") {
  const auto doc = parsed("[s]\ncommand =\n    /bin/cat\n");
  CHECK(value_of(doc, "s", "command") == "\n/bin/cat");
}

TEST_CASE("indented_section_header_is_a_continuation") {
  const auto doc = parsed("[s]\nx=1\n  [t]\n");
  CHECK(value_of(doc, "s", "x") == "1\n[t]");
  CHECK(doc.find("t") == nullptr);
}

TEST_CASE("duplicate_sections_merge_and_later_key_wins_in_place") {
  const auto doc = parsed("[s]\na=1\nb=2\n[t]\n[s]\na=3\nc=4\n");
  const ini::Section* s = doc.find("s");
  REQUIRE(s != nullptr);
  REQUIRE(s->entries.size() == 3);
  CHECK(s->entries[0].key == "a");
  CHECK(s->entries[0].value == "3");
  CHECK(s->entries[0].line == 6);
  CHECK(s->entries[1].key == "b");
  CHECK(s->entries[2].key == "c");
  CHECK(s->line == 1);
  CHECK(doc.sections().size() == 2);
}

TEST_CASE("second_parse_merges_into_the_same_document") {
  ini::Document doc;
  REQUIRE(doc.parse("[program:a]\ncommand=/bin/a\nautostart=true\n", "main.conf").ok());
  REQUIRE(
      doc.parse("[program:a]\nautostart=false\n[program:b]\ncommand=/bin/b\n", "inc.conf").ok());
  const ini::Section* a = doc.find("program:a");
  REQUIRE(a != nullptr);
  CHECK(a->find("command")->source->path == "main.conf");
  CHECK(a->find("autostart")->value == "false");
  CHECK(a->find("autostart")->source->path == "inc.conf");
  CHECK(doc.find("program:b")->source->path == "inc.conf");
}

TEST_CASE("a_file_with_errors_leaves_the_document_unchanged") {
  ini::Document doc;
  REQUIRE(doc.parse("[s]\na=1\n", "one").ok());
  CHECK(!doc.parse("[s]\na=2\nbogus\n", "two").ok());
  CHECK(value_of(doc, "s", "a") == "1");
}

TEST_CASE("default_section_is_visible_everywhere_but_not_listed") {
  const auto doc = parsed("[DEFAULT]\nautostart=false\nx=d\n[p]\nx=own\n[default]\ny=1\n");
  REQUIRE(doc.sections().size() == 2);  // "default" (lower case) is an ordinary section
  CHECK(doc.find("DEFAULT") == nullptr);
  CHECK(doc.defaults().find("autostart")->value == "false");
  const ini::Section& p = *doc.find("p");
  CHECK(doc.get(p, "x")->value == "own");
  CHECK(doc.get(p, "autostart")->value == "false");
  CHECK(doc.get(p, "missing") == nullptr);
  const auto items = doc.items(p);
  REQUIRE(items.size() == 2);
  CHECK(items[0]->key == "x");
  CHECK(items[1]->key == "autostart");
}

TEST_CASE("utf8_bom_is_skipped") {
  const auto doc = parsed("\xEF\xBB\xBF[s]\na=1\n");
  CHECK(value_of(doc, "s", "a") == "1");
}

TEST_CASE("crlf_and_lone_cr_end_lines") {
  const auto doc = parsed("[s]\r\na = 1\r\nb = x\r\n  y\r\rc=3");
  CHECK(value_of(doc, "s", "a") == "1");
  CHECK(value_of(doc, "s", "b") == "x\ny");
  CHECK(value_of(doc, "s", "c") == "3");
  CHECK(doc.find("s")->find("c")->line == 6);
}

TEST_CASE("unicode_spaces_count_as_whitespace_like_python") {
  // U+00A0 before ';' starts a comment and is stripped, as str.isspace() says.
  const auto doc = parsed("[s]\na = v\xC2\xA0;c\n");
  CHECK(value_of(doc, "s", "a") == "v");
}

TEST_CASE("text_before_first_section_is_refused_with_a_caret") {
  CHECK(parse_error("  foo = 1\n[s]\n", "conf/a.ini") ==
        "conf/a.ini:1: file contains no section headers: text before the first [section] header\n  "
        "foo = 1\n  ^");
}

TEST_CASE("valueless_key_is_refused") {
  CHECK(parse_error("[s]\na=1\nfoo\n") ==
        "t.ini:3: contains parsing errors: line is not a section header, a key = value pair or a "
        "comment\nfoo\n^");
}

TEST_CASE("missing_key_is_refused") {
  CHECK(parse_error("[s]\n = 1\n") ==
        "t.ini:2: contains parsing errors: missing key before '='\n = 1\n ^");
}

TEST_CASE("every_bad_line_is_reported") {
  const std::string error = parse_error("[s]\nfoo\nbar\n");
  CHECK(error.find("t.ini:2:") != std::string::npos);
  CHECK(error.find("t.ini:3:") != std::string::npos);
}

TEST_CASE("an_empty_header_is_not_a_section") {
  CHECK(parse_error("[]\n").find(
            "t.ini:1: file contains no section headers: text before the first [section] header") ==
        0);
}

TEST_CASE("value_lines_record_line_and_column_of_each_value_line") {
  const auto doc = parsed("[s]\ncommand = a b\n  ; note\n\n    c\n");
  const ini::Entry* e = doc.find("s")->find("command");
  REQUIRE(e != nullptr);
  CHECK(e->value == "a b\n\nc");
  CHECK(e->line == 2);
  REQUIRE(e->value_lines.size() == 3);
  CHECK(e->value_lines[0] == std::pair<int, int>{2, 10});
  CHECK(e->value_lines[1].first == 4);
  CHECK(e->value_lines[2] == std::pair<int, int>{5, 4});
}

TEST_CASE("locate_and_render_error_point_at_a_byte_of_the_value") {
  const auto doc = parsed("[program:x]\ncommand = /bin/sleep %(process_num)5001\n", "app.conf");
  const ini::Entry* e = doc.find("program:x")->find("command");
  const size_t offset = e->value.find('%');
  const ini::Spot spot = ini::locate(*e, offset);
  CHECK(spot.line == 2);
  CHECK(spot.column == 21);
  CHECK(ini::render_error(spot, "bad expansion") ==
        "app.conf:2: bad expansion\n"
        "command = /bin/sleep %(process_num)5001\n"
        "                     ^");
}

TEST_CASE("locate_maps_offsets_on_continuation_lines") {
  const auto doc = parsed("[s]\nfiles = a.conf\n\tb.conf\n");
  const ini::Entry* e = doc.find("s")->find("files");
  const ini::Spot spot = ini::locate(*e, e->value.find('b'));
  CHECK(spot.line == 3);
  CHECK(spot.column == 1);
  // The tab is copied into the caret line so the caret lines up.
  CHECK(ini::render_error(spot, "no match") == "t.ini:3: no match\n\tb.conf\n\t^");
}

TEST_CASE("render_error_without_source_is_the_message") {
  CHECK(ini::render_error(ini::Spot{}, "plain") == "plain");
}

TEST_CASE("render_error_shows_a_window_of_a_very_long_line") {
  const std::string line = "k = " + std::string(5000, 'a') + "X" + std::string(5000, 'b');
  const auto doc = parsed("[s]\n" + line + "\n");
  const ini::Entry* e = doc.find("s")->find("k");
  const std::string rendered = ini::render_error(ini::locate(*e, e->value.find('X')), "here");
  const size_t first_nl = rendered.find('\n');
  const size_t second_nl = rendered.find('\n', first_nl + 1);
  const std::string shown = rendered.substr(first_nl + 1, second_nl - first_nl - 1);
  const std::string caret = rendered.substr(second_nl + 1);
  CHECK(shown.size() < 200);
  CHECK(shown[caret.size() - 1] == 'X');
  CHECK(caret.back() == '^');
}

TEST_CASE("long_lines_and_long_commands_are_kept_whole") {
  const std::string command = "/bin/echo " + std::string(4096, 'c');
  const std::string huge(64 * 1024, 'v');
  const auto doc = parsed("[s]\ncommand=" + command + "\nbig = " + huge + "\n");
  CHECK(value_of(doc, "s", "command") == command);
  CHECK(value_of(doc, "s", "big") == huge);
}

TEST_CASE("hundred_thousand_continuation_lines_parse") {
  std::string text = "[s]\nk = first\n";
  for (int i = 0; i < 100000; ++i) text += "  line\n";
  const auto doc = parsed(text);
  const ini::Entry* e = doc.find("s")->find("k");
  CHECK(e->value_lines.size() == 100001);
  CHECK(e->value.size() == 5 + 100000 * 5);
}

TEST_CASE("ten_megabytes_of_sections_parse") {
  std::string text;
  for (int i = 0; text.size() < 10 * 1024 * 1024; ++i) {
    text += "[s" + std::to_string(i) + "]\nkey" + std::to_string(i % 7) + " = value\n";
  }
  ini::Document doc;
  REQUIRE(doc.parse(text, "big.ini").ok());
  CHECK(doc.sections().size() > 300000);
}

TEST_CASE("binary_garbage_is_a_bounded_error_not_a_crash") {
  std::string garbage = "[s]\n";
  for (int i = 0; i < 200000; ++i) {
    garbage += static_cast<char>((i * 7919) % 256);
    if (i % 50 == 0) garbage += '\0';
  }
  ini::Document doc;
  const Status status = doc.parse(garbage, "bin.ini");
  if (!status.ok()) {
    CHECK(status.error().find("bin.ini:") == 0);
    CHECK(status.error().size() < 4096);
  }
}

// Python opens config files in text mode (UTF-8, strict): one undecodable byte anywhere
// refuses the file, with UnicodeDecodeError's reason. We add the line and a caret; the
// quoted line shows the byte as '?' so the error itself is valid UTF-8.
TEST_CASE("bytes_that_are_not_utf8_refuse_the_file_wherever_they_are") {
  CHECK(parse_error("[s]\n[program:bad\xff\xfename]\n") ==
        "t.ini:2: 'utf-8' codec can't decode byte 0xff: invalid start byte\n"
        "[program:bad??name]\n"
        "            ^");
  CHECK(parse_error("[s]\nk = caf\xe9\n") ==
        "t.ini:2: 'utf-8' codec can't decode byte 0xe9: invalid continuation byte\n"
        "k = caf?\n"
        "       ^");
  CHECK(parse_error("[s]\nk = caf\xe9").find("0xe9: unexpected end of data") !=
        std::string::npos);  // the file's last byte
  CHECK(parse_error("; \xc3\xa9 \xed\xa0\x80\n[s]\n") ==
        "t.ini:1: 'utf-8' codec can't decode byte 0xed: invalid continuation byte\n"
        "; \xc3\xa9 ???\n"
        "    ^");  // one column per character: \xc3\xa9 is one
  CHECK(parse_error("[s]\nk = v ; \xc0\xaf\n").find("t.ini:2: ") == 0);
  CHECK(parse_error("[s]\r\nk = 1\r\n\tx\x80\r\n").find("t.ini:3: ") == 0);
  // Valid UTF-8 passes, control characters included (Python reads them too).
  CHECK(value_of(parsed("[s]\nk = \xe2\x82\xac \x01\n"), "s", "k") == "\xe2\x82\xac \x01");
}

TEST_CASE("parse_file_reports_missing_and_unreadable_files") {
  ini::Document doc;
  const std::string missing = temp_path("missing.conf");
  CHECK(doc.parse_file(missing).error() == "could not find config file " + missing);
  CHECK(doc.parse_file("/").error() == "could not read config file /");
}

TEST_CASE("parse_file_reads_and_names_the_file") {
  const std::string path = temp_path("ok.conf");
  {
    std::ofstream out(path);
    out << "[supervisord]\nlogfile = /tmp/x.log\n";
  }
  ini::Document doc;
  const Status status = doc.parse_file(path);
  std::remove(path.c_str());
  REQUIRE(status.ok());
  CHECK(value_of(doc, "supervisord", "logfile") == "/tmp/x.log");
  CHECK(doc.find("supervisord")->find("logfile")->source->path == path);
}

TEST_CASE("merging_many_keys_into_an_existing_section_keeps_replacing_in_place") {
  // Regression (found by tests/fuzz/ini_fuzz.cc): the merge index must survive
  // the entries vector growing while keys are appended.
  ini::Document doc;
  REQUIRE(doc.parse("[s]\na=1\n[t]\n", "one").ok());
  std::string second = "[s]\n";
  for (int i = 0; i < 100; ++i) second += "k" + std::to_string(i) + "=v\n";
  second += "a=2\nk5=w\n[t]\n[u]\n";
  REQUIRE(doc.parse(second, "two").ok());
  const ini::Section* s = doc.find("s");
  REQUIRE(s->entries.size() == 101);
  CHECK(s->entries[0].value == "2");
  CHECK(s->find("k5")->value == "w");
  CHECK(doc.sections().size() == 3);
}
