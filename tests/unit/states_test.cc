// Tests for common/states.h (names, codes, the three sets of states.py) and
// common/namespec.h (Python's split_namespec / make_namespec, "all").
#include "common/states.h"

#include <doctest/doctest.h>

#include <set>

#include "common/namespec.h"

namespace {

constexpr ProcessState kAllProcessStates[] = {
    ProcessState::Stopped,  ProcessState::Starting, ProcessState::Running, ProcessState::Backoff,
    ProcessState::Stopping, ProcessState::Exited,   ProcessState::Fatal,   ProcessState::Unknown,
};

}  // namespace

// ---- states ------------------------------------------------------------------------------

TEST_CASE("process_states_carry_supervisor_codes_and_names") {
  struct Row {
    int code;
    const char* name;
  };
  // Supervisor's codes (http://supervisord.org/subprocess.html, "Process States")
  const Row rows[] = {{0, "STOPPED"},   {10, "STARTING"}, {20, "RUNNING"}, {30, "BACKOFF"},
                      {40, "STOPPING"}, {100, "EXITED"},  {200, "FATAL"},  {1000, "UNKNOWN"}};
  for (const Row& row : rows) {
    CAPTURE(row.code);
    const auto state = process_state_from_code(row.code);
    REQUIRE(state.has_value());
    CHECK(static_cast<int>(*state) == row.code);
    CHECK(state_name(*state) == row.name);
  }
}

TEST_CASE("process_state_from_code_refuses_codes_that_name_no_state") {
  for (int code : {-1, 1, 5, 11, 50, 99, 101, 300, 999, 1001}) {
    CAPTURE(code);
    CHECK_FALSE(process_state_from_code(code).has_value());
  }
}

TEST_CASE("every_process_state_round_trips_through_its_code") {
  std::set<std::string_view> names;
  for (ProcessState s : kAllProcessStates) {
    CHECK(process_state_from_code(static_cast<int>(s)) == s);
    names.insert(state_name(s));
  }
  CHECK(names.size() == std::size(kAllProcessStates));
}

TEST_CASE("supervisor_states_carry_getState_codes_and_names") {
  CHECK(static_cast<int>(SupervisorState::Fatal) == 2);
  CHECK(static_cast<int>(SupervisorState::Running) == 1);
  CHECK(static_cast<int>(SupervisorState::Restarting) == 0);
  CHECK(static_cast<int>(SupervisorState::Shutdown) == -1);
  CHECK(state_name(SupervisorState::Fatal) == "FATAL");
  CHECK(state_name(SupervisorState::Running) == "RUNNING");
  CHECK(state_name(SupervisorState::Restarting) == "RESTARTING");
  CHECK(state_name(SupervisorState::Shutdown) == "SHUTDOWN");
}

TEST_CASE("stopped_states_are_stopped_exited_fatal_unknown") {
  std::set<std::string_view> stopped;
  for (ProcessState s : kAllProcessStates) {
    if (is_stopped_state(s)) stopped.insert(state_name(s));
  }
  CHECK(stopped == std::set<std::string_view>{"STOPPED", "EXITED", "FATAL", "UNKNOWN"});
}

TEST_CASE("running_states_are_running_backoff_starting") {
  std::set<std::string_view> running;
  for (ProcessState s : kAllProcessStates) {
    if (is_running_state(s)) running.insert(state_name(s));
  }
  CHECK(running == std::set<std::string_view>{"RUNNING", "BACKOFF", "STARTING"});
}

TEST_CASE("signallable_states_are_running_starting_stopping") {
  std::set<std::string_view> signallable;
  for (ProcessState s : kAllProcessStates) {
    if (is_signallable_state(s)) signallable.insert(state_name(s));
  }
  CHECK(signallable == std::set<std::string_view>{"RUNNING", "STARTING", "STOPPING"});
}

TEST_CASE("stopping_is_neither_stopped_nor_running") {
  // stopProcess answers NOT_RUNNING for a STOPPING process, and a STOPPING process blocks
  // removeProcessGroup: it sits in neither set.
  CHECK_FALSE(is_stopped_state(ProcessState::Stopping));
  CHECK_FALSE(is_running_state(ProcessState::Stopping));
  for (ProcessState s : kAllProcessStates) {
    CAPTURE(state_name(s));
    CHECK_FALSE((is_stopped_state(s) && is_running_state(s)));
  }
}

TEST_CASE("state_functions_are_usable_at_compile_time") {
  static_assert(state_name(ProcessState::Backoff) == "BACKOFF");
  static_assert(is_running_state(ProcessState::Backoff));
  static_assert(!is_signallable_state(ProcessState::Backoff));
}

// ---- namespec: parse ---------------------------------------------------------------------

TEST_CASE("bare_name_means_the_process_of_the_same_name_in_the_group_of_that_name") {
  CHECK(namespec::parse("web") == namespec::NameSpec{"web", "web"});
  CHECK_FALSE(namespec::parse("web").whole_group());
}

TEST_CASE("group_colon_process_names_one_process") {
  CHECK(namespec::parse("my_app:web_00") == namespec::NameSpec{"my_app", "web_00"});
}

TEST_CASE("group_colon_star_and_group_colon_name_the_whole_group") {
  CHECK(namespec::parse("my_app:*") == namespec::NameSpec{"my_app", std::nullopt});
  CHECK(namespec::parse("my_app:") == namespec::NameSpec{"my_app", std::nullopt});
  CHECK(namespec::parse("my_app:*").whole_group());
  CHECK(namespec::parse(":") == namespec::NameSpec{"", std::nullopt});
}

// Expected values below are Python's split_namespec output (supervisor 4.2.5).
TEST_CASE("only_the_first_colon_splits") {
  CHECK(namespec::parse("a:b:c") == namespec::NameSpec{"a", "b:c"});
  CHECK(namespec::parse("g:*:") == namespec::NameSpec{"g", "*:"});
}

TEST_CASE("star_is_a_wildcard_only_as_the_whole_process_part") {
  CHECK(namespec::parse("*") == namespec::NameSpec{"*", "*"});
  CHECK(namespec::parse("a:**") == namespec::NameSpec{"a", "**"});
}

TEST_CASE("names_are_neither_stripped_nor_validated") {
  CHECK(namespec::parse("") == namespec::NameSpec{"", ""});
  CHECK(namespec::parse(":x") == namespec::NameSpec{"", "x"});
  CHECK(namespec::parse("a: b") == namespec::NameSpec{"a", " b"});
  CHECK(namespec::parse("all") == namespec::NameSpec{"all", "all"});
}

// ---- namespec: make ----------------------------------------------------------------------

TEST_CASE("namespec_is_the_process_name_alone_when_it_equals_the_group_name") {
  CHECK(namespec::make("web", "web") == "web");
  CHECK(namespec::make("", "") == "");
}

TEST_CASE("namespec_is_group_colon_process_when_they_differ") {
  CHECK(namespec::make("my_app", "web_00") == "my_app:web_00");
  CHECK(namespec::make("", "x") == ":x");
  CHECK(namespec::make("a:b", "c") == "a:b:c");
}

TEST_CASE("parse_gives_back_what_make_printed") {
  const char* names[] = {"web", "web_00", "x", "a b", "*x", "0"};
  for (const char* group : names) {
    for (const char* process : names) {
      CAPTURE(group);
      CAPTURE(process);
      CHECK(namespec::parse(namespec::make(group, process)) == namespec::NameSpec{group, process});
    }
  }
}

// ---- namespec: all -----------------------------------------------------------------------

TEST_CASE("all_anywhere_in_the_arguments_means_every_process") {
  CHECK(namespec::mentions_all({"all"}));
  CHECK(namespec::mentions_all({"web", "nosuch:x", "all"}));
}

TEST_CASE("all_must_be_a_whole_lowercase_argument") {
  CHECK_FALSE(namespec::mentions_all({}));
  CHECK_FALSE(namespec::mentions_all({"ALL", "All", "all:", "all:all", "g:all", " all"}));
}
