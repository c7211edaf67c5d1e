// invariant_test.cc — INVARIANT reports the expression, place and context, then aborts.
#include "common/invariant.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

// Runs `body` in a child with stderr on a pipe: its wait status and what it wrote.
template <typename F>
std::pair<int, std::string> in_child(F body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    signal(SIGABRT, SIG_DFL);
    body();
    _exit(0);
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {status, err};
}

}  // namespace

TEST_CASE("a_holding_invariant_does_nothing") {
  auto [status, err] = in_child([] { INVARIANT(1 + 1 == 2, "arithmetic"); });
  CHECK(WIFEXITED(status));
  CHECK(err.empty());
}

TEST_CASE("a_broken_invariant_is_reported_then_aborts") {
  auto [status, err] = in_child([] {
    invariant::set_reporter([&](std::string_view r) {
      std::string line = "reporter: " + std::string(r) + "\n";
      (void)!write(2, line.data(), line.size());
    });
    int target = -1;
    INVARIANT(target != -1, "web_00 in STOPPING");
  });
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(err.find("invariant failed: target != -1 at ") == 0);
  CHECK(err.find("invariant_test.cc:") != std::string::npos);
  CHECK(err.find("(web_00 in STOPPING)\nreporter: invariant failed: target != -1") !=
        std::string::npos);
}
