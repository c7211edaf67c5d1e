// Unit tests for the supervisorctl command catalog and Controller dispatch,
// against a scripted fake server (no sockets).
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "supervisorctl/commands.h"
#include "supervisorctl/controller.h"
#include "supervisorctl/shell.h"

using namespace ctl;

namespace {

using Handler = std::function<Reply(const xmlrpc::Array&)>;

struct FakeServer {
  std::map<std::string, Handler> methods;
  std::vector<std::string> calls;
  int connections = 0;
};

class FakeRpc : public Rpc {
 public:
  explicit FakeRpc(FakeServer& s) : s_(s) {}
  Reply call(std::string_view method, xmlrpc::Array params) override {
    if (!used_) {
      used_ = true;
      ++s_.connections;
    }
    s_.calls.emplace_back(method);
    auto it = s_.methods.find(std::string(method));
    if (it == s_.methods.end()) return xmlrpc::FaultValue{1, "UNKNOWN_METHOD"};
    return it->second(params);
  }

 private:
  FakeServer& s_;
  bool used_ = false;
};

xmlrpc::Value proc(std::string group, std::string name, int state, std::string statename,
                   std::string desc, int pid = 0) {
  return xmlrpc::Struct{{"name", name},           {"group", group},      {"state", state},
                        {"statename", statename}, {"description", desc}, {"pid", pid}};
}

struct Harness {
  FakeServer server;
  std::string out;
  std::string err;
  Controller ctl;
  explicit Harness(bool interactive = false)
      : ctl(
            make_options(interactive),
            [this](const Options&) { return std::make_unique<FakeRpc>(server); },
            Io{[this](std::string_view s) { out += s; }, [this](std::string_view s) { err += s; },
               [](std::string_view, bool) { return std::optional<std::string>("y"); }}) {
    server.methods["supervisor.getVersion"] = [](const xmlrpc::Array&) {
      return Reply(xmlrpc::Value("3.0"));
    };
    server.methods["supervisor.getAllProcessInfo"] = [](const xmlrpc::Array&) {
      return Reply(xmlrpc::Value(
          xmlrpc::Array{proc("sleeper", "sleeper", 20, "RUNNING", "pid 5, uptime 0:00:01", 5),
                        proc("web", "web_00", 0, "STOPPED", "Not started")}));
    };
  }
  static Options make_options(bool interactive) {
    Options o;
    o.serverurl = "unix:///tmp/fake.sock";
    o.interactive = interactive;
    return o;
  }
};

}  // namespace

TEST_CASE("catalog_has_every_reference_command_once") {
  for (const char* name :
       {"add",   "avail",  "clear",  "exit",   "fg",     "help",    "maintail", "open",
        "pid",   "quit",   "reload", "remove", "reread", "restart", "shutdown", "signal",
        "start", "status", "stop",   "tail",   "update", "version", "EOF"}) {
    CAPTURE(name);
    CHECK(find_command(name) != nullptr);
  }
  CHECK(find_command("nosuch") == nullptr);
}

TEST_CASE("bare_help_prints_python_topic_table_then_the_extension_commands") {
  Harness h;
  h.ctl.onecmd("help");
  CHECK(h.out ==
        "\n"
        "default commands (type help <topic>):\n"
        "=====================================\n"
        "add    exit      open  reload  restart   start   tail   \n"
        "avail  fg        pid   remove  shutdown  status  update \n"
        "clear  maintail  quit  reread  signal    stop    version\n"
        "\n"
        "\n"
        "extension commands (type help <topic>):\n"
        "=======================================\n"
        "history  reexec  scale  why\n"
        "\n");
}

TEST_CASE("help_topic_prints_python_help_text_and_unknown_says_no_help") {
  Harness h;
  h.ctl.onecmd("help start");
  CHECK(h.out ==
        "start <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\n"
        "start <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all "
        "processes\n");
  h.out.clear();
  h.ctl.onecmd("help foo");
  CHECK(h.out == "*** No help on foo\n");
  CHECK(h.ctl.exit_status() == 0);
}

TEST_CASE("unknown_command_prints_unknown_syntax_and_exits_1") {
  Harness h;
  h.ctl.onecmd("  frobnicate  now ");
  CHECK(h.out == "*** Unknown syntax: frobnicate  now\n");
  CHECK(h.ctl.exit_status() == 1);
}

TEST_CASE("status_exit_3_when_a_shown_process_is_stopped_and_4_for_unknown_names") {
  Harness h;
  h.ctl.onecmd("status");
  CHECK(h.out ==
        "sleeper                          RUNNING   pid 5, uptime 0:00:01\n"
        "web:web_00                       STOPPED   Not started\n");
  CHECK(h.ctl.exit_status() == 3);
  Harness g;
  g.ctl.onecmd("status sleeper nosuch g:*");
  CHECK(g.out ==
        "nosuch: ERROR (no such process)\ng: ERROR (no such group)\n"
        "sleeper                          RUNNING   pid 5, uptime 0:00:01\n");
  CHECK(g.ctl.exit_status() == 4);
}

TEST_CASE("upcheck_uses_its_own_connection_and_command_calls_share_one") {
  Harness h;
  h.server.methods["supervisor.startProcess"] = [](const xmlrpc::Array& p) {
    if (p[0].as_string() == "nosuch") return Reply(xmlrpc::FaultValue{10, "BAD_NAME: nosuch"});
    return Reply(xmlrpc::Value(true));
  };
  h.ctl.onecmd("start sleeper nosuch");
  CHECK(h.out == "sleeper: started\nnosuch: ERROR (no such process)\n");
  CHECK(h.server.connections == 2);
  CHECK(h.ctl.exit_status() == 1);
}

TEST_CASE("start_without_names_is_invalid_args") {
  Harness h;
  h.ctl.onecmd("start");
  CHECK(h.out.rfind("Error: start requires a process name\nstart <name>", 0) == 0);
  CHECK(h.ctl.exit_status() == 2);
}

TEST_CASE("unhandled_fault_prints_python_error_line") {
  Harness h;
  h.server.methods["supervisor.getAllConfigInfo"] = [](const xmlrpc::Array&) {
    return Reply(xmlrpc::FaultValue{30, "FAILED: x"});
  };
  h.ctl.onecmd("avail");
  CHECK(h.out ==
        "error: <class 'xmlrpc.client.Fault'>, <Fault 30: 'FAILED: x'>: file: "
        "/usr/lib/python3.11/xmlrpc/client.py line: 668\n");
  CHECK(h.ctl.exit_status() == 1);
}

TEST_CASE("upcheck_refused_and_missing_socket_have_their_exit_codes") {
  Harness h;
  h.server.methods["supervisor.getVersion"] = [](const xmlrpc::Array&) {
    TransportError e;
    e.kind = TransportError::Kind::Connect;
    e.err = ENOENT;
    return Reply(e);
  };
  h.ctl.onecmd("version");
  CHECK(h.out == "unix:///tmp/fake.sock no such file\n");
  CHECK(h.ctl.exit_status() == 7);
  h.out.clear();
  h.ctl.onecmd("status");
  CHECK(h.ctl.exit_status() == 4);
}

TEST_CASE("non_interactive_401_prints_requirement_then_protocol_error") {
  Harness h;
  h.server.methods["supervisor.getVersion"] = [](const xmlrpc::Array&) {
    TransportError e;
    e.kind = TransportError::Kind::Http;
    e.status = 401;
    e.reason = "Unauthorized";
    return Reply(e);
  };
  h.ctl.onecmd("version");
  CHECK(h.out ==
        "Server requires authentication\n"
        "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 "
        "Unauthorized>: file: /usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 539\n");
  CHECK(h.ctl.exit_status() == 1);
}

TEST_CASE("update_prefers_server_side_update_when_listed") {
  Harness h;
  h.server.methods["system.listMethods"] = [](const xmlrpc::Array&) {
    return Reply(xmlrpc::Value(xmlrpc::Array{xmlrpc::Value("supervisor.update")}));
  };
  h.server.methods["supervisor.update"] = [](const xmlrpc::Array&) {
    return Reply(xmlrpc::Value(xmlrpc::Array{xmlrpc::Value("web: updated process group")}));
  };
  h.ctl.onecmd("update");
  CHECK(h.out == "web: updated process group\n");
  CHECK(std::find(h.server.calls.begin(), h.server.calls.end(), "supervisor.reloadConfig") ==
        h.server.calls.end());
}

TEST_CASE("update_falls_back_to_classic_sequence") {
  Harness h;
  h.server.methods["system.listMethods"] = [](const xmlrpc::Array&) {
    return Reply(xmlrpc::Value(xmlrpc::Array{xmlrpc::Value("supervisor.getVersion")}));
  };
  h.server.methods["supervisor.reloadConfig"] = [](const xmlrpc::Array&) {
    return Reply(xmlrpc::Value(xmlrpc::Array{
        xmlrpc::Value(xmlrpc::Array{xmlrpc::Value(xmlrpc::Array{xmlrpc::Value("new")}),
                                    xmlrpc::Value(xmlrpc::Array{xmlrpc::Value("web")}),
                                    xmlrpc::Value(xmlrpc::Array{xmlrpc::Value("old")})})}));
  };
  auto ok = [](const xmlrpc::Array&) { return Reply(xmlrpc::Value(true)); };
  h.server.methods["supervisor.stopProcessGroup"] = [](const xmlrpc::Array&) {
    return Reply(xmlrpc::Value(xmlrpc::Array{}));
  };
  h.server.methods["supervisor.removeProcessGroup"] = ok;
  h.server.methods["supervisor.addProcessGroup"] = ok;
  h.ctl.onecmd("update");
  CHECK(h.out ==
        "old: stopped\nold: removed process group\nweb: stopped\nweb: updated process group\n"
        "new: added process group\n");
  CHECK(h.ctl.exit_status() == 0);
}

TEST_CASE("completion_offers_commands_then_processes_with_group_stars") {
  Harness h;
  CHECK(complete_candidates(h.ctl, "sta", "sta") == std::vector<std::string>{"start ", "status "});
  CHECK(complete_candidates(h.ctl, "stop ", "") ==
        std::vector<std::string>{"sleeper ", "web:web_00 ", "web:* "});
  CHECK(complete_candidates(h.ctl, "add w", "w") == std::vector<std::string>{"web "});
  CHECK(complete_candidates(h.ctl, "help st", "st") ==
        std::vector<std::string>{"start ", "status ", "stop "});
}

TEST_CASE("quit_exit_and_eof_print_empty_line_and_stop") {
  Harness h;
  CHECK(h.ctl.onecmd("quit"));
  CHECK(h.ctl.onecmd("EOF"));
  CHECK(h.out == "\n\n");
  CHECK_FALSE(h.ctl.onecmd(""));
}
