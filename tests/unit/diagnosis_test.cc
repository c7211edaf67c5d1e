// The bounded tail of a process's output that `why` and the exit log lines show.
#include "supervisord/process/diagnosis.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <string>
#include <vector>

using diagnosis::OutputTail;

namespace {

std::string numbered(int from, int to) {  // "line <from>\n" ... "line <to>\n"
  std::string s;
  for (int i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

std::vector<std::string> expect_lines(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i <= to; ++i) v.push_back("line " + std::to_string(i));
  return v;
}

}  // namespace

TEST_CASE("keeps the last kMaxLines lines, oldest first, with the partial last line") {
  OutputTail t;
  t.append(numbered(1, 100));
  CHECK(t.lines() == expect_lines(71, 100));
  t.append("half a li");
  t.append("ne");
  auto lines = t.lines();
  REQUIRE(lines.size() == OutputTail::kMaxLines);
  CHECK(lines.front() == "line 72");
  CHECK(lines.back() == "half a line");
  CHECK(t.last_line() == "half a line");
}

TEST_CASE("the result does not depend on how the output was cut into reads") {
  std::string all = numbered(1, 500) + "tail without newline";
  for (size_t piece : {1, 7, 100, 4096, 65536}) {
    OutputTail t;
    for (size_t at = 0; at < all.size(); at += piece)
      t.append(std::string_view(all).substr(at, piece));
    std::vector<std::string> want = expect_lines(472, 500);
    want.push_back("tail without newline");
    CHECK_MESSAGE(t.lines() == want, "piece " << piece);
  }
}

TEST_CASE("a big chunk replaces older lines and a pending partial line") {
  OutputTail t;
  t.append("old 1\nold 2\npartial");
  t.append(numbered(1, 31));  // "partial" + "line 1" is the 31st line from the end: gone
  CHECK(t.lines() == expect_lines(2, 31));
  OutputTail u;
  u.append("old\npartial ");
  u.append(numbered(1, 29));  // within the limit: the partial line is completed
  auto lines = u.lines();
  REQUIRE(lines.size() == 30);
  CHECK(lines[0] == "old");
  CHECK(lines[1] == "partial line 1");
  CHECK(lines[2] == "line 2");
  OutputTail v;
  v.append("old\npartial ");
  v.append(numbered(1, 30));
  CHECK(v.lines().front() == "partial line 1");
  CHECK(v.lines().size() == 30);
}

TEST_CASE("long lines are cut, CR is dropped, blank lines are skipped by last_line") {
  OutputTail t;
  t.append(std::string(2000, 'a') + "\n");
  t.append("windows\r\n   \n");
  auto lines = t.lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == std::string(OutputTail::kMaxLineBytes, 'a') + "\xE2\x80\xA6");
  CHECK(lines[1] == "windows");
  CHECK(t.last_line() == "windows");
}

TEST_CASE("a line that never ends is bounded") {
  OutputTail t;
  for (int i = 0; i < 100; ++i) t.append(std::string(1000, 'x'));
  for (const auto& line : t.lines()) CHECK(line.size() <= OutputTail::kMaxLineBytes * 4 + 1000);
  t.clear();
  CHECK(t.lines().empty());
  t.append("");
  CHECK(t.lines().empty());
}

TEST_CASE("an ended run reads as a sentence and as a status") {
  using Kind = fsm::ExitInfo::Kind;
  diagnosis::ExitRecord e;
  e.exit = {Kind::Exited, 4 << 8, false, 1000, 1400};  // exit(4) after 0.4 s
  e.meaning = diagnosis::code_meaning("/usr/bin/gunicorn -w 4 wsgi:app", 4);
  CHECK(diagnosis::sentence(e) ==
        "exited with status 4 (gunicorn: app failed to load) after 0.4 s");
  CHECK(diagnosis::status_text(e) == "exit status 4 (gunicorn: app failed to load)");
  CHECK(diagnosis::code_meaning("/bin/sh -c 'exit 4'", 4).empty());

  diagnosis::ExitRecord k;
  k.exit = {Kind::Stopped, SIGKILL, false, 0, 65'000};  // killed after 65 s
  CHECK(diagnosis::sentence(k) == "was terminated by SIGKILL after 1 min 5 s");
  CHECK(diagnosis::status_text(k) == "stopped: terminated by SIGKILL");
  k.exit.kind = Kind::Exited;
  k.exit.wait_status = SIGSEGV | 0x80;  // with a core dump
  CHECK(diagnosis::status_text(k) == "terminated by SIGSEGV (core dumped)");
}
