// Unit tests for supervisorctl/render: texts compared with Python supervisorctl 4.2.5's.
#include <doctest/doctest.h>

#include "common/faults.h"
#include "supervisorctl/render.h"

using namespace ctl;

namespace {
ProcInfo proc(std::string name, std::string group, std::string statename, std::string desc) {
  ProcInfo p;
  p.name = std::move(name);
  p.group = std::move(group);
  p.statename = std::move(statename);
  p.description = std::move(desc);
  return p;
}
}  // namespace

TEST_CASE("status_lines_pad_name_to_33_and_state_to_10") {
  ProcInfo a = proc("sleeper", "sleeper", "RUNNING", "pid 7210, uptime 0:00:27");
  ProcInfo b = proc("sleeper2", "sleeper2", "STARTING", "");
  auto lines = status_lines({a, b});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "sleeper                          RUNNING   pid 7210, uptime 0:00:27");
  CHECK(lines[1] == "sleeper2                         STARTING  ");
}

TEST_CASE("status_lines_widen_for_long_names") {
  ProcInfo a = proc("a_very_long_process_name_here_xx", "group", "STOPPED", "Not started");
  auto lines = status_lines({a});
  // namespec is 38 characters: column = 38 + 3
  CHECK(lines[0] == "group:a_very_long_process_name_here_xx   STOPPED   Not started");
}

TEST_CASE("status_pads_by_code_points_as_python") {
  ProcInfo a = proc("caf\u00e9", "g", "STOPPED", "Not started");
  ProcInfo b = proc("x", "x", "RUNNING", "pid 1, uptime 0:00:01");
  // "g:café" is 6 code points (7 bytes): padded to 33 code points, as Python's "%-33s".
  CHECK(status_lines({a})[0] == "g:caf\u00e9" + std::string(27, ' ') + "STOPPED   Not started");
  CHECK(status_text({a, b}) == "g:caf\u00e9" + std::string(27, ' ') + "STOPPED   Not started\n" +
                                   "x" + std::string(32, ' ') +
                                   "RUNNING   pid 1, uptime 0:00:01\n");
  CHECK(status_text({}).empty());
}

TEST_CASE("avail_line_matches_python_template") {
  ConfigInfo c{"web_00", "web", true, false, 999, 998};
  CHECK(avail_line(c) == "web:web_00                       in use    manual    999:998");
  ConfigInfo d{"x", "x", false, true, 1, 2};
  CHECK(avail_line(d) == "x                                avail     auto      1:2");
}

TEST_CASE("start_results_name_every_known_fault") {
  auto row = [](int code) { return ResultRow{"p", "g", code, ""}; };
  CHECK(*start_result(row(80)) == "g:p: started");
  CHECK(*start_result(row(10)) == "g:p: ERROR (no such process)");
  CHECK(*start_result(row(20)) == "g:p: ERROR (no such file)");
  CHECK(*start_result(row(21)) == "g:p: ERROR (file is not executable)");
  CHECK(*start_result(row(60)) == "g:p: ERROR (already started)");
  CHECK(*start_result(row(50)) == "g:p: ERROR (spawn error)");
  CHECK(*start_result(row(40)) == "g:p: ERROR (abnormal termination)");
  CHECK_FALSE(start_result(row(30)).has_value());
  CHECK(unknown_result_code(row(30)) == "Unknown result code 30 for g:p");
}

TEST_CASE("stop_and_signal_results_print_failed_description_verbatim") {
  CHECK(*stop_result({"p", "p", 80, "OK"}) == "p: stopped");
  CHECK(*signal_result({"p", "p", 80, "OK"}) == "p: signalled");
  CHECK(*signal_result({"p", "p", 11, ""}) == "p: ERROR (bad signal name)");
  CHECK(*stop_result({"p", "p", 70, ""}) == "p: ERROR (not running)");
  CHECK(*stop_result({"p", "p", 30, "FAILED: boom"}) == "FAILED: boom");
  CHECK(*clear_result({"p", "p", 30, ""}) == "p: ERROR (failed)");
  CHECK(*clear_result({"p", "p", 80, ""}) == "p: cleared");
}

TEST_CASE("start_failure_line_keeps_spawn_error_prefix_and_says_why") {
  ResultRow row{"web_00", "web", 50, "SPAWN_ERROR: web:web_00"};
  ProcInfo info;
  info.start = 100;
  info.stop = 101;
  info.exitstatus = 1;
  info.spawnerr = "Exited too quickly (process log may have details)";
  std::string line = start_failure_line(row, info, "can't bind port");
  CHECK(line == "web:web_00: ERROR (spawn error: exited with status 1 after 1 s; can't bind port)");
  CHECK(line.rfind("web:web_00: ERROR (spawn error", 0) == 0);
  info.exitstatus = 0;
  CHECK(start_failure_line(row, info, "") == "web:web_00: ERROR (spawn error: exited after 1 s)");
  ProcInfo never;
  never.spawnerr = "can't find command '/nope'";
  CHECK(start_failure_line(row, never, "") ==
        "web:web_00: ERROR (spawn error: can't find command '/nope')");
  CHECK(start_failure_line(row, ProcInfo{}, "") == "web:web_00: ERROR (spawn error)");
}

TEST_CASE("reread_lines_are_sorted_and_say_no_updates_when_empty") {
  CHECK(reread_lines({}, {}, {}) == std::vector<std::string>{"No config updates to processes"});
  CHECK(reread_lines({"b"}, {"c"}, {"a"}) ==
        std::vector<std::string>{"a: disappeared", "b: available", "c: changed"});
}

TEST_CASE("print_topics_columns_match_python_help") {
  std::vector<std::string> names = {"add",     "avail",    "clear",  "exit",   "fg",     "maintail",
                                    "open",    "pid",      "quit",   "reload", "remove", "reread",
                                    "restart", "shutdown", "signal", "start",  "status", "stop",
                                    "tail",    "update",   "version"};
  CHECK(print_topics("default commands (type help <topic>):", names) ==
        "default commands (type help <topic>):\n"
        "=====================================\n"
        "add    exit      open  reload  restart   start   tail   \n"
        "avail  fg        pid   remove  shutdown  status  update \n"
        "clear  maintail  quit  reread  signal    stop    version\n"
        "\n");
}

TEST_CASE("python_error_lines_match_tracebacks_python_prints") {
  CHECK(python_error("xmlrpc.client.Fault", fault_repr(6, "SHUTDOWN_STATE"),
                     PyErrorSite::XmlrpcClientFault) ==
        "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: "
        "/usr/lib/python3.11/xmlrpc/client.py line: 668");
  CHECK(fault_repr(92, "CANT_REREAD: it's bad") == "<Fault 92: \"CANT_REREAD: it's bad\">");
  CHECK(python_error(errno_class(ENOENT), errno_message(ENOENT), PyErrorSite::UnixConnect) ==
        "error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: "
        "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 557");
}

TEST_CASE("exit_status_from_fault_follows_set_exitstatus_from_xmlrpc_fault") {
  int s = 0;
  exit_status_from_fault(s, 80);
  CHECK(s == 0);
  exit_status_from_fault(s, 60, 60);
  CHECK(s == 0);
  exit_status_from_fault(s, 50);
  CHECK(s == 7);
  exit_status_from_fault(s, 10);
  CHECK(s == 1);
  exit_status_from_fault(s, 70);  // last one set wins
  CHECK(s == 7);
  exit_status_from_fault(s, 80);
  CHECK(s == 7);
}
