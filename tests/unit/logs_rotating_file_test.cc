// Tests for supervisord/logs/rotating_file: Supervisor's rotation naming (x.log.1 … x.log.N),
// truncation with backups=0, non-regular targets, error reporting once per episode, and
// several writers sharing one path.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "supervisord/logs/rotating_file.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using logs::RotatingFile;

namespace {

struct Errors {
  std::vector<std::string> messages;
  RotatingFile::ErrorCallback callback() {
    return [this](const std::string&, const std::string& m) { messages.push_back(m); };
  }
};

}  // namespace

TEST_CASE("rotation_shifts_backups_and_keeps_at_most_backups_files") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  Errors errors;
  RotatingFile file(log, 1024, 3, errors.callback());
  REQUIRE(file.open().ok());
  // 18 chunks of 300 bytes, each made of one letter, so a file's first byte dates it.
  // Every fourth chunk reaches 1 KB, so the last two stay in x.log.
  const int kChunks = 18;
  for (int i = 0; i < kChunks; ++i) file.write(std::string(300, static_cast<char>('a' + i)));

  CHECK(errors.messages.empty());
  for (int n = 1; n <= 3; ++n) {
    std::string backup = log + "." + std::to_string(n);
    REQUIRE(fs::exists(backup));
    // Rotation happens after the write that reaches maxbytes: a backup exceeds it by less
    // than one write.
    CHECK(fs::file_size(backup) >= 1024);
    CHECK(fs::file_size(backup) < 1024 + 300);
  }
  CHECK_FALSE(fs::exists(log + ".4"));
  REQUIRE(fs::file_size(log) > 0);
  CHECK(fs::file_size(log) < 1024);
  // Newest data in x.log, then .1, .2, .3 going back in time.
  CHECK(slurp(log + ".3")[0] < slurp(log + ".2")[0]);
  CHECK(slurp(log + ".2")[0] < slurp(log + ".1")[0]);
  CHECK(slurp(log + ".1").back() < slurp(log)[0]);
  CHECK(slurp(log).back() == static_cast<char>('a' + kChunks - 1));
}

TEST_CASE("backups_zero_truncates_in_place_without_backup_files") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  RotatingFile file(log, 1024, 0);
  REQUIRE(file.open().ok());
  file.write(std::string(600, 'a'));
  CHECK(fs::file_size(log) == 600);
  file.write(std::string(600, 'b'));  // reaches maxbytes: truncated
  CHECK(fs::file_size(log) == 0);
  file.write("after\n");
  CHECK(slurp(log) == "after\n");
  CHECK_FALSE(fs::exists(log + ".1"));
}

TEST_CASE("maxbytes_zero_never_rotates") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  RotatingFile file(log, 0, 5);
  REQUIRE(file.open().ok());
  for (int i = 0; i < 10; ++i) file.write(std::string(1000, 'z'));
  CHECK(fs::file_size(log) == 10000);
  CHECK_FALSE(fs::exists(log + ".1"));
}

TEST_CASE("open_appends_to_existing_file") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  std::ofstream(log) << "old\n";
  RotatingFile file(log, 0, 0);
  REQUIRE(file.open().ok());
  file.write("new\n");
  CHECK(slurp(log) == "old\nnew\n");
}

TEST_CASE("pipe_target_is_written_without_seek_or_rotation_and_never_errors") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  Errors errors;
  // Like stdout_logfile=/dev/stdout when supervisord's stdout is a pipe (Docker).
  RotatingFile file("/dev/fd/" + std::to_string(fds[1]), 10, 3, errors.callback());
  REQUIRE(file.open().ok());
  CHECK_FALSE(file.is_regular());
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    std::string chunk = "line " + std::to_string(i) + " is longer than maxbytes\n";
    CHECK(file.write(chunk) == 0);  // nothing lost
    expected += chunk;
  }
  file.close();
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    got.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  CHECK(got == expected);
  CHECK(errors.messages.empty());
}

TEST_CASE("disk_full_is_reported_once_not_per_write") {
  Errors errors;
  RotatingFile file("/dev/full", 1024, 3, errors.callback());
  REQUIRE(file.open().ok());
  for (int i = 0; i < 10; ++i) CHECK(file.write("data\n") == 5);  // all of it lost
  REQUIRE(errors.messages.size() == 1);
  CHECK(errors.messages[0].find("/dev/full") != std::string::npos);
}

TEST_CASE("read_only_directory_error_is_reported_once_and_writes_keep_trying") {
  TempDir dir{"logs_rotating"};
  std::string log;
  if (::geteuid() == 0) {
    log = "/sys/logs_rotating_test.log";  // root ignores mode bits; sysfs refuses creation
  } else {
    log = dir.path + "/ro/x.log";
    fs::create_directory(dir.path + "/ro");
    ::chmod((dir.path + "/ro").c_str(), 0555);
  }
  Errors errors;
  RotatingFile file(log, 1024, 3, errors.callback());
  CHECK_FALSE(file.open().ok());
  for (int i = 0; i < 10; ++i) CHECK(file.write("lost\n") == 5);
  CHECK(errors.messages.size() == 1);
  CHECK_FALSE(fs::exists(log));
  if (::geteuid() != 0) ::chmod((dir.path + "/ro").c_str(), 0755);
}

TEST_CASE("vanished_directory_is_reported_once_and_logging_resumes_when_it_returns") {
  TempDir dir{"logs_rotating"};
  const std::string sub = dir.path + "/sub";
  fs::create_directory(sub);
  const std::string log = sub + "/x.log";
  Errors errors;
  RotatingFile file(log, 100, 2, errors.callback());
  REQUIRE(file.open().ok());
  fs::remove_all(sub);
  for (int i = 0; i < 10; ++i) file.write(std::string(60, 'x'));  // each crosses maxbytes
  CHECK(errors.messages.size() == 1);

  fs::create_directory(sub);
  file.write("back\n");
  CHECK(slurp(log) == "back\n");
  // The next episode is reported again.
  fs::remove_all(sub);
  for (int i = 0; i < 3; ++i) file.write(std::string(60, 'y'));
  CHECK(errors.messages.size() == 2);
}

TEST_CASE("writers_sharing_a_path_keep_every_line_whole_across_rotation") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/shared.log";
  // Two numprocs members with their own RotatingFile on the same path.
  RotatingFile a(log, 2048, 50);
  RotatingFile b(log, 2048, 50);
  REQUIRE(a.open().ok());
  REQUIRE(b.open().ok());
  const int kLines = 400;
  for (int i = 0; i < kLines; ++i) {
    std::string line = (i % 2 ? "B" : "A") + std::to_string(i) + std::string(20, '.') + "\n";
    (i % 2 ? b : a).write(line);
  }
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    std::istringstream text(slurp(entry.path()));
    for (std::string line; std::getline(text, line);) {
      CHECK(line.size() >= 21);
      CHECK((line[0] == 'A' || line[0] == 'B'));
      CHECK(line.substr(line.size() - 20) == std::string(20, '.'));
      ++seen;
    }
  }
  CHECK(seen == kLines);
  CHECK(fs::exists(log + ".1"));
}

TEST_CASE("reopen_follows_the_path_after_logrotate_moved_the_file") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  RotatingFile file(log, 0, 0);
  REQUIRE(file.open().ok());
  file.write("before\n");
  fs::rename(log, log + ".moved");
  REQUIRE(file.reopen().ok());
  file.write("after\n");
  CHECK(slurp(log + ".moved") == "before\n");
  CHECK(slurp(log) == "after\n");
}

TEST_CASE("clear_empties_the_current_file_and_keeps_backups") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  RotatingFile file(log, 100, 2);
  REQUIRE(file.open().ok());
  file.write(std::string(150, 'a'));  // rotated into .1
  file.write("current\n");
  REQUIRE(file.clear().ok());
  CHECK(fs::file_size(log) == 0);
  CHECK(fs::file_size(log + ".1") == 150);
  file.write("fresh\n");
  CHECK(slurp(log) == "fresh\n");
}

TEST_CASE("created_file_mode_follows_umask") {
  TempDir dir{"logs_rotating"};
  const std::string log = dir.path + "/x.log";
  mode_t old = ::umask(027);
  RotatingFile file(log, 0, 0);
  REQUIRE(file.open().ok());
  ::umask(old);
  struct stat st {};
  REQUIRE(::stat(log.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}
