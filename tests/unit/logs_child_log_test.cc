// Tests for supervisord/logs/child_log: AUTO naming and cleanup pattern,
// NONE, capture mode and PROCESS_LOG callbacks through a real channel, ANSI stripping.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "supervisord/logs/child_log.h"
#include "tests/unit/temp_dir.h"
// GCC 12's <regex> raises a false -Wmaybe-uninitialized when built with sanitizers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using logs::Channel;
using logs::ChildLog;

namespace {

config::LogConfig auto_config() {
  return config::LogConfig{};
}

config::LogConfig path_config(const std::string& path) {
  config::LogConfig c;
  c.file.kind = values::LogfileName::Kind::Path;
  c.file.path = path;
  return c;
}

logs::ChildLogContext context(const std::string& dir) {
  logs::ChildLogContext ctx;
  ctx.process_name = "web_00";
  ctx.identifier = "supervisor";
  ctx.childlogdir = dir;
  return ctx;
}

}  // namespace

TEST_CASE("auto_log_is_named_like_supervisor_and_created_0600") {
  TempDir dir{"logs_child"};
  auto log = ChildLog::create(auto_config(), Channel::Stderr, context(dir.path), {});
  REQUIRE(log.ok());
  const std::string path = (*log)->path();
  CHECK(fs::path(path).parent_path() == fs::path(dir.path));
  const std::string name = fs::path(path).filename();
  CHECK(std::regex_match(name, std::regex(R"(web_00-stderr---supervisor-\S{8}\.log)")));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 0);  // created before the process ever runs
}

TEST_CASE("auto_logs_of_two_processes_get_distinct_names") {
  TempDir dir{"logs_child"};
  auto a = ChildLog::create(auto_config(), Channel::Stdout, context(dir.path), {});
  auto b = ChildLog::create(auto_config(), Channel::Stdout, context(dir.path), {});
  REQUIRE((a.ok() && b.ok()));
  CHECK((*a)->path() != (*b)->path());
}

TEST_CASE("auto_log_in_missing_directory_fails_with_the_path") {
  TempDir dir{"logs_child"};
  auto log = ChildLog::create(auto_config(), Channel::Stdout, context(dir.path + "/nope"), {});
  REQUIRE_FALSE(log.ok());
  CHECK(log.error().find(dir.path + "/nope/web_00-stdout---supervisor-") != std::string::npos);
}

TEST_CASE("cleanup_removes_auto_logs_and_backups_of_this_identifier_only") {
  TempDir dir{"logs_child"};
  const std::vector<std::string> doomed = {"web-stdout---supervisor-abcd1234.log",
                                           "web-stderr---supervisor-x_y.log.1",
                                           "a---supervisor-q.log.10", "w---supervisor-zz.log9999"};
  const std::vector<std::string> kept = {"web-stdout---other-abcd1234.log", "supervisord.log",
                                         "web-stdout---supervisor-.log", "---supervisor-abc.log",
                                         "app.log"};
  for (const auto& n : doomed) std::ofstream(dir.path + "/" + n) << "x";
  for (const auto& n : kept) std::ofstream(dir.path + "/" + n) << "x";
  CHECK(logs::cleanup_auto_logs(dir.path, "supervisor") == static_cast<int>(doomed.size()));
  for (const auto& n : doomed) CHECK_FALSE(fs::exists(dir.path + "/" + n));
  for (const auto& n : kept) CHECK(fs::exists(dir.path + "/" + n));
}

TEST_CASE("cleanup_matches_identifier_literally") {
  TempDir dir{"logs_child"};
  std::ofstream(dir.path + "/p-stdout---aXb-r.log") << "x";
  std::ofstream(dir.path + "/p-stdout---a.b-r.log") << "x";
  CHECK(logs::cleanup_auto_logs(dir.path, "a.b") == 1);
  CHECK(fs::exists(dir.path + "/p-stdout---aXb-r.log"));
}

TEST_CASE("none_logs_nothing_but_still_serves_events") {
  TempDir dir{"logs_child"};
  config::LogConfig c;
  c.file.kind = values::LogfileName::Kind::None;
  c.events_enabled = true;
  std::string events;
  logs::ChildLogCallbacks cb;
  cb.on_log_event = [&](std::string_view d) { events += d; };
  auto log = ChildLog::create(c, Channel::Stdout, context(dir.path), cb);
  REQUIRE(log.ok());
  CHECK((*log)->path().empty());
  (*log)->on_output("hello\n");
  CHECK(events == "hello\n");
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("output_is_written_raw_to_the_file") {
  TempDir dir{"logs_child"};
  const std::string path = dir.path + "/out.log";
  auto log = ChildLog::create(path_config(path), Channel::Stdout, context(dir.path), {});
  REQUIRE(log.ok());
  CHECK((*log)->path() == path);
  (*log)->on_output("partial");
  (*log)->on_output(" line\nnext\n");
  CHECK(slurp(path) == "partial line\nnext\n");
}

TEST_CASE("events_are_not_sent_unless_enabled") {
  TempDir dir{"logs_child"};
  int calls = 0;
  logs::ChildLogCallbacks cb;
  cb.on_log_event = [&](std::string_view) { ++calls; };
  auto log =
      ChildLog::create(path_config(dir.path + "/o.log"), Channel::Stdout, context(dir.path), cb);
  REQUIRE(log.ok());
  (*log)->on_output("x\n");
  CHECK(calls == 0);
}

TEST_CASE("capture_mode_keeps_captured_text_out_of_the_file_across_chunks") {
  TempDir dir{"logs_child"};
  const std::string path = dir.path + "/cap.log";
  config::LogConfig c = path_config(path);
  c.capture_maxbytes = 1024;
  c.events_enabled = true;
  std::vector<std::string> captures;
  std::string events;
  logs::ChildLogCallbacks cb;
  cb.on_capture = [&](std::string d) { captures.push_back(std::move(d)); };
  cb.on_log_event = [&](std::string_view d) { events += d; };
  auto log = ChildLog::create(c, Channel::Stdout, context(dir.path), cb);
  REQUIRE(log.ok());
  const std::string input = std::string("start\n") + std::string(logs::kCaptureBegin) + "msg body" +
                            std::string(logs::kCaptureEnd) + "end\n";
  for (size_t at = 0; at < input.size(); at += 5) (*log)->on_output(input.substr(at, 5));
  (*log)->flush();
  CHECK(slurp(path) == "start\nend\n");
  REQUIRE(captures.size() == 1);
  CHECK(captures[0] == "msg body");
  CHECK(events == "start\nmsg bodyend\n");
}

TEST_CASE("strip_ansi_cleans_file_output") {
  TempDir dir{"logs_child"};
  const std::string path = dir.path + "/color.log";
  auto ctx = context(dir.path);
  ctx.strip_ansi = true;
  auto log = ChildLog::create(path_config(path), Channel::Stdout, ctx, {});
  REQUIRE(log.ok());
  (*log)->on_output("\x1b[31");
  (*log)->on_output("mred\x1b[0m\n");
  CHECK(slurp(path) == "red\n");
}

TEST_CASE("clear_empties_the_channel_file") {
  TempDir dir{"logs_child"};
  const std::string path = dir.path + "/c.log";
  auto log = ChildLog::create(path_config(path), Channel::Stdout, context(dir.path), {});
  REQUIRE(log.ok());
  (*log)->on_output("old\n");
  REQUIRE((*log)->clear().ok());
  (*log)->on_output("new\n");
  CHECK(slurp(path) == "new\n");
}

namespace {

// Descriptors of this test process that point at `path`.
int open_count(const std::string& path) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(e.path(), ec) == fs::path(path)) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("the_file_is_held_open_only_from_the_first_output_to_the_end_of_the_run") {
  TempDir dir{"logs_child"};
  auto log = ChildLog::create(auto_config(), Channel::Stdout, context(dir.path), {});
  REQUIRE(log.ok());
  const std::string path = (*log)->path();
  CHECK(open_count(path) == 0);  // configured, not running: no descriptor
  (*log)->started();
  CHECK(open_count(path) == 0);  // running but silent: still none
  (*log)->on_output("one\n");
  CHECK(open_count(path) == 1);
  (*log)->on_output("two\n");
  CHECK(open_count(path) == 1);
  (*log)->stopped();
  CHECK(open_count(path) == 0);
  (*log)->on_output("late\n");  // a straggler after the end still reaches the file
  (*log)->stopped();
  CHECK(open_count(path) == 0);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "one\ntwo\nlate\n");
}

TEST_CASE("an_explicit_path_is_created_at_spawn_and_errors_are_told_then") {
  TempDir dir{"logs_child"};
  const std::string path = dir.path + "/app.log";
  auto log = ChildLog::create(path_config(path), Channel::Stdout, context(dir.path), {});
  REQUIRE(log.ok());
  CHECK_FALSE(fs::exists(path));  // nothing at config time
  (*log)->started();
  CHECK(fs::exists(path));
  CHECK(open_count(path) == 0);

  std::vector<std::string> errors;
  logs::ChildLogCallbacks cb;
  cb.on_error = [&](const std::string&, const std::string& m) { errors.push_back(m); };
  auto bad = ChildLog::create(path_config(dir.path + "/missing/app.log"), Channel::Stdout,
                              context(dir.path), std::move(cb));
  REQUIRE(bad.ok());
  CHECK(errors.empty());
  (*bad)->started();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("missing/app.log") != std::string::npos);
}

TEST_CASE("reopen_and_clear_of_a_closed_file_leave_it_closed") {
  TempDir dir{"logs_child"};
  const std::string path = dir.path + "/app.log";
  auto log = ChildLog::create(path_config(path), Channel::Stdout, context(dir.path), {});
  REQUIRE(log.ok());
  (*log)->on_output("old\n");
  (*log)->stopped();
  CHECK((*log)->reopen().ok());
  CHECK(open_count(path) == 0);
  CHECK((*log)->clear().ok());
  CHECK(open_count(path) == 0);
  CHECK(fs::file_size(path) == 0);
}
