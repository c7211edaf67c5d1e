// invariant_test.cc — INVARIANT reports the expression, place and context, then aborts.
#include "common/invariant.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "tests/unit/in_child.h"

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
