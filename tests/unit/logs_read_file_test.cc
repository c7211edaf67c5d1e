// Tests for supervisord/logs/read_file: readFile / tailFile tables (expected values observed
// from Supervisor 4.2.5's own functions on a 24-byte file), faults, and UTF-8 repair.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "supervisord/logs/read_file.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const std::string kAlphabet = "abcdefghijklmnopqrstuvwx";  // 24 bytes

std::string write_file(const TempDir& dir, const std::string& content) {
  std::string path = dir.path + "/f.log";
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("read_file_offsets_and_lengths_follow_supervisor") {
  TempDir dir{"logs_read"};
  const std::string path = write_file(dir, kAlphabet);
  struct Row {
    int64_t offset, length;
    const char* data;
  };
  const Row rows[] = {
      {0, 0, "abcdefghijklmnopqrstuvwx"},
      {0, 5, "abcde"},
      {5, 0, "fghijklmnopqrstuvwx"},
      {5, 5, "fghij"},
      {20, 10, "uvwx"},
      {24, 0, ""},
      {30, 0, ""},
      {30, 5, ""},
      {-5, 0, "tuvwx"},
      {-30, 0, "abcdefghijklmnopqrstuvwx"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.offset);
    CAPTURE(row.length);
    auto r = logs::read_file(path, row.offset, row.length);
    REQUIRE(r.ok());
    CHECK(r.data == row.data);
  }
}

TEST_CASE("read_file_rejects_bad_offset_length_pairs") {
  TempDir dir{"logs_read"};
  const std::string path = write_file(dir, kAlphabet);
  for (auto [offset, length] : {std::pair<int64_t, int64_t>{-5, 1}, {0, -1}, {5, -3}}) {
    auto r = logs::read_file(path, offset, length);
    CHECK(r.fault == static_cast<int>(Fault::BadArguments));
  }
}

TEST_CASE("read_file_missing_file_is_no_file_with_the_path") {
  TempDir dir{"logs_read"};
  auto r = logs::read_file(dir.path + "/nope.log", 0, 0);
  CHECK(r.fault == static_cast<int>(Fault::NoFile));
  CHECK(r.message == dir.path + "/nope.log");
  auto none = logs::read_file("", 0, 0);
  CHECK(none.fault == static_cast<int>(Fault::NoFile));
  CHECK(none.message == "None");
}

TEST_CASE("read_file_unreadable_is_failed") {
  TempDir dir{"logs_read"};
  auto r = logs::read_file(dir.path, 0, 0);  // a directory: opens, cannot be read
  CHECK(r.fault == static_cast<int>(Fault::Failed));
}

TEST_CASE("tail_file_follows_supervisor_arithmetic") {
  TempDir dir{"logs_read"};
  const std::string path = write_file(dir, kAlphabet);
  struct Row {
    int64_t offset, length;
    const char* data;
    bool overflow;
  };
  const Row rows[] = {
      {0, 0, "", true},
      {0, 5, "tuvwx", true},
      {0, 100, "abcdefghijklmnopqrstuvwx", false},
      {20, 100, "abcdefghijklmnopqrstuvwx", false},
      {20, 2, "wx", true},
      {23, 1, "x", false},
      {24, 10, "", false},
      {30, 10, "", false},
      {0, 1, "x", true},
      {10, -5, "", true},
      {-5, 10, "opqrstuvwx", true},
      {-30, 5, "tuvwx", true},
      {0, 24, "abcdefghijklmnopqrstuvwx", false},
      {0, 23, "bcdefghijklmnopqrstuvwx", true},
  };
  for (const auto& row : rows) {
    CAPTURE(row.offset);
    CAPTURE(row.length);
    auto t = logs::tail_file(path, row.offset, row.length);
    CHECK(t.data == row.data);
    CHECK(t.offset == static_cast<int64_t>(kAlphabet.size()));
    CHECK(t.overflow == row.overflow);
  }
}

TEST_CASE("tail_file_on_missing_file_returns_empty_at_zero") {
  TempDir dir{"logs_read"};
  auto t = logs::tail_file(dir.path + "/nope.log", 5, 10);
  CHECK(t.data.empty());
  CHECK(t.offset == 0);
  CHECK_FALSE(t.overflow);
}

TEST_CASE("split_multibyte_character_is_replaced_not_an_error") {
  TempDir dir{"logs_read"};
  const std::string path = write_file(dir, "caf\xC3\xA9\n");  // "café\n", é is 2 bytes
  auto r = logs::read_file(path, -2, 0);                      // cuts é in half
  REQUIRE(r.ok());
  CHECK(r.data == "\xEF\xBF\xBD\n");
  auto t = logs::tail_file(path, 0, 2);
  CHECK(t.data == "\xEF\xBF\xBD\n");
  auto whole = logs::read_file(path, 0, 0);
  CHECK(whole.data == "caf\xC3\xA9\n");
}
