// Tests for supervisord/logs/follower: head, appended data, truncation and rotation seen
// through inotify on a real libuv loop, run with a deadline (never a sleep).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "supervisord/logs/follower.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using logs::Follower;

namespace {

struct Loop {
  uv_loop_t loop{};
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    uv_run(&loop, UV_RUN_NOWAIT);  // let close callbacks free handles
    CHECK(uv_loop_close(&loop) == 0);
  }
  // Runs the loop until `done` holds or `ms` pass; returns `done()`.
  bool run_until(const std::function<bool()>& done, uint64_t ms = 3000) {
    uv_timer_t timer;
    bool expired = false;
    uv_timer_init(&loop, &timer);
    timer.data = &expired;
    uv_timer_start(
        &timer, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, ms, 0);
    while (!done() && !expired) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
    return done();
  }
};

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("start_delivers_the_last_head_bytes_before_returning") {
  TempDir dir{"logs_follow"};
  Loop loop;
  const std::string path = dir.path + "/x.log";
  std::string content;
  for (int i = 0; i < 300; ++i) content += std::to_string(i) + "\n";
  append(path, content);
  std::string got;
  auto f = Follower::start(
      &loop.loop, path,
      [&](std::string_view d) {
        got += d;
        return true;
      },
      1024);
  REQUIRE(f.ok());
  CHECK(got == content.substr(content.size() - 1024));
}

TEST_CASE("small_file_is_delivered_whole") {
  TempDir dir{"logs_follow"};
  Loop loop;
  const std::string path = dir.path + "/x.log";
  append(path, "short\n");
  std::string got;
  auto f = Follower::start(&loop.loop, path, [&](std::string_view d) {
    got += d;
    return true;
  });
  REQUIRE(f.ok());
  CHECK(got == "short\n");
}

TEST_CASE("appended_data_arrives_through_the_loop") {
  TempDir dir{"logs_follow"};
  Loop loop;
  const std::string path = dir.path + "/x.log";
  append(path, "first\n");
  std::string got;
  auto f = Follower::start(&loop.loop, path, [&](std::string_view d) {
    got += d;
    return true;
  });
  REQUIRE(f.ok());
  append(path, "second\n");
  CHECK(loop.run_until([&] { return got == "first\nsecond\n"; }));
  append(path, "third\n");
  CHECK(loop.run_until([&] { return got == "first\nsecond\nthird\n"; }));
}

TEST_CASE("truncation_is_announced_and_new_data_follows") {
  TempDir dir{"logs_follow"};
  Loop loop;
  const std::string path = dir.path + "/x.log";
  append(path, "a long first line of the log\n");
  std::string got;
  auto f = Follower::start(&loop.loop, path, [&](std::string_view d) {
    got += d;
    return true;
  });
  REQUIRE(f.ok());
  got.clear();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "new\n";
  const std::string expected = std::string(logs::kTruncatedNotice) + "new\n";
  CHECK(loop.run_until([&] { return ends_with(got, expected); }));
}

TEST_CASE("rotation_drains_the_old_file_then_follows_the_new_one") {
  TempDir dir{"logs_follow"};
  Loop loop;
  const std::string path = dir.path + "/x.log";
  append(path, "old\n");
  std::string got;
  auto f = Follower::start(&loop.loop, path, [&](std::string_view d) {
    got += d;
    return true;
  });
  REQUIRE(f.ok());
  append(path, "last old line\n");
  fs::rename(path, path + ".1");
  append(path, "fresh\n");
  CHECK(loop.run_until([&] { return got == "old\nlast old line\nfresh\n"; }));
  append(path, "more\n");
  CHECK(loop.run_until([&] { return got == "old\nlast old line\nfresh\nmore\n"; }));
}

TEST_CASE("missing_file_fails_to_start") {
  TempDir dir{"logs_follow"};
  Loop loop;
  auto f =
      Follower::start(&loop.loop, dir.path + "/nope.log", [](std::string_view) { return true; });
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().find("nope.log") != std::string::npos);
}

TEST_CASE("closed_follower_delivers_nothing_and_frees_its_handle") {
  TempDir dir{"logs_follow"};
  Loop loop;
  const std::string path = dir.path + "/x.log";
  append(path, "a\n");
  std::string got;
  auto f = Follower::start(&loop.loop, path, [&](std::string_view d) {
    got += d;
    return true;
  });
  REQUIRE(f.ok());
  (*f)->close();
  append(path, "b\n");
  uv_run(&loop.loop, UV_RUN_NOWAIT);
  CHECK(got == "a\n");
  f = Result<std::unique_ptr<Follower>>::fail("destroyed");
  // ~Loop checks uv_loop_close succeeds: no handle is left behind.
}
