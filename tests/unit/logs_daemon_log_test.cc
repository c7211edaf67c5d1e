// Tests for supervisord/logs/daemon_log: Supervisor's main log line format, level numbers
// and names, filtering, rotation naming, stdout echo, stderr before open, clear and reopen.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "supervisord/logs/daemon_log.h"
#include "tests/unit/temp_dir.h"
// GCC 12's <regex> raises a false -Wmaybe-uninitialized when built with sanitizers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using logs::DaemonLog;

namespace {

// Points fd at a file for the lifetime of the object (stdout/stderr capture).
class Redirect {
 public:
  Redirect(int fd, const std::string& path) : fd_(fd), saved_(::dup(fd)) {
    int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(file, fd);
    ::close(file);
  }
  ~Redirect() {
    ::dup2(saved_, fd_);
    ::close(saved_);
  }

 private:
  int fd_;
  int saved_;
};

const std::regex kLine(
    R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) .*)");

}  // namespace

TEST_CASE("line_format_is_supervisors") {
  TempDir dir{"logs_daemon"};
  const std::string path = dir.path + "/supervisord.log";
  DaemonLog log;
  REQUIRE(log.open(path, 0, 0, logs::kLevelInfo, false).ok());
  log.info("spawned: 'web_00' with pid 42");
  const std::string text = slurp(path);
  CHECK(std::regex_match(
      text,
      std::regex(
          R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} INFO spawned: 'web_00' with pid 42\n)")));
  CHECK(log.path() == path);
}

TEST_CASE("level_names_match_supervisor_numbers") {
  CHECK(logs::level_name(50) == "CRIT");
  CHECK(logs::level_name(40) == "ERRO");
  CHECK(logs::level_name(30) == "WARN");
  CHECK(logs::level_name(20) == "INFO");
  CHECK(logs::level_name(10) == "DEBG");
  CHECK(logs::level_name(5) == "TRAC");
  CHECK(logs::level_name(3) == "BLAT");
}

TEST_CASE("messages_below_the_level_are_dropped") {
  TempDir dir{"logs_daemon"};
  const std::string path = dir.path + "/supervisord.log";
  DaemonLog log;
  REQUIRE(log.open(path, 0, 0, logs::kLevelWarn, false).ok());
  log.info("not shown");
  log.warn("shown warn");
  log.critical("shown crit");
  log.set_level(logs::kLevelBlather);
  log.blather("shown blather");
  log.trace("shown trace");
  const std::string text = slurp(path);
  CHECK(text.find("not shown") == std::string::npos);
  CHECK(text.find(" WARN shown warn\n") != std::string::npos);
  CHECK(text.find(" CRIT shown crit\n") != std::string::npos);
  CHECK(text.find(" BLAT shown blather\n") != std::string::npos);
  CHECK(text.find(" TRAC shown trace\n") != std::string::npos);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) CHECK(std::regex_match(line, kLine));
}

TEST_CASE("multi_line_message_is_written_as_given") {
  TempDir dir{"logs_daemon"};
  const std::string path = dir.path + "/supervisord.log";
  DaemonLog log;
  REQUIRE(log.open(path, 0, 0, logs::kLevelDebug, false).ok());
  log.debug("'web' stdout output:\nline one\nline two\n");
  CHECK(std::regex_match(
      slurp(path), std::regex(R"(\S+ \S+ DEBG 'web' stdout output:\nline one\nline two\n\n)")));
}

TEST_CASE("rotation_uses_supervisor_naming") {
  TempDir dir{"logs_daemon"};
  const std::string path = dir.path + "/supervisord.log";
  DaemonLog log;
  REQUIRE(log.open(path, 200, 2, logs::kLevelInfo, false).ok());
  for (int i = 0; i < 30; ++i) log.info("message number " + std::to_string(i));
  CHECK(fs::exists(path + ".1"));
  CHECK(fs::exists(path + ".2"));
  CHECK_FALSE(fs::exists(path + ".3"));
  CHECK(slurp(path + ".1").find("INFO message number") != std::string::npos);
}

TEST_CASE("echo_stdout_copies_lines_to_stdout") {
  TempDir dir{"logs_daemon"};
  const std::string path = dir.path + "/supervisord.log";
  const std::string out = dir.path + "/stdout.txt";
  {
    Redirect r(STDOUT_FILENO, out);
    DaemonLog log;
    REQUIRE(log.open(path, 0, 0, logs::kLevelInfo, true).ok());
    log.info("to both");
  }
  CHECK(slurp(out) == slurp(path));
  CHECK(slurp(out).find(" INFO to both\n") != std::string::npos);
}

TEST_CASE("before_open_lines_go_to_stderr") {
  TempDir dir{"logs_daemon"};
  const std::string err = dir.path + "/stderr.txt";
  {
    Redirect r(STDERR_FILENO, err);
    DaemonLog log;
    log.warn("early warning");
  }
  const std::string text = slurp(err);
  CHECK(std::regex_match(text.substr(0, text.size() - 1), kLine));
  CHECK(text.find(" WARN early warning\n") != std::string::npos);
}

TEST_CASE("open_failure_is_reported_and_path_stays_unset") {
  TempDir dir{"logs_daemon"};
  DaemonLog log;
  const std::string err = dir.path + "/stderr.txt";
  Status s = Status::success();
  {
    Redirect r(STDERR_FILENO, err);
    s = log.open(dir.path + "/missing/supervisord.log", 0, 0, logs::kLevelInfo, false);
  }
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find("/missing/supervisord.log") != std::string::npos);
  CHECK(log.path().empty());
}

TEST_CASE("clear_empties_the_log_and_reopen_follows_a_moved_file") {
  TempDir dir{"logs_daemon"};
  const std::string path = dir.path + "/supervisord.log";
  DaemonLog log;
  REQUIRE(log.open(path, 0, 0, logs::kLevelInfo, false).ok());
  log.info("one");
  REQUIRE(log.clear().ok());
  CHECK(fs::file_size(path) == 0);
  log.info("two");
  fs::rename(path, path + ".old");
  REQUIRE(log.reopen().ok());
  log.info("three");
  CHECK(slurp(path + ".old").find("two") != std::string::npos);
  CHECK(slurp(path).find("three") != std::string::npos);
  CHECK(slurp(path).find("two") == std::string::npos);
}
