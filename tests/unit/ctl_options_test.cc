// Unit tests for supervisorctl/options: Python getopt and ClientOptions behaviour.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "supervisorctl/options.h"

using namespace ctl;

TEST_CASE("command_line_stops_at_first_positional_argument") {
  auto cl = parse_command_line({"-s", "unix:///tmp/x", "status", "-c", "foo"});
  REQUIRE(cl.ok());
  CHECK(*cl->serverurl == "unix:///tmp/x");
  CHECK(cl->args == std::vector<std::string>{"status", "-c", "foo"});
  CHECK_FALSE(cl->configfile.has_value());
}

TEST_CASE("command_line_errors_use_python_getopt_texts") {
  CHECK(parse_command_line({"-x"}).error() == "option -x not recognized");
  CHECK(parse_command_line({"-s"}).error() == "option -s requires argument");
  CHECK(parse_command_line({"--serverurl"}).error() == "option --serverurl requires argument");
  CHECK(parse_command_line({"--foo"}).error() == "option --foo not recognized");
  CHECK(parse_command_line({"--inter=3"}).error() ==
        "option --interactive must not have an argument");
  CHECK(parse_command_line({"-s", "foo"}).error() ==
        "invalid value for -s 'foo': value 'foo' is not a URL");
  CHECK(parse_command_line({"-i", "-i"}).error() == "conflicting command line option '-i'");
  CHECK(parse_command_line({"-c", "a", "-c", "b"}).error() ==
        "conflicting command line option '-c'");
}

TEST_CASE("long_options_accept_unique_prefixes_and_attached_values") {
  auto cl = parse_command_line(
      {"--server=unix:///s", "-uuser", "--pass", "pw", "--history_file=/h", "-i"});
  REQUIRE(cl.ok());
  CHECK(*cl->serverurl == "unix:///s");
  CHECK(*cl->username == "user");
  CHECK(*cl->password == "pw");
  CHECK(*cl->history_file == "/h");
  CHECK(cl->interactive);
}

TEST_CASE("help_flag_wins_only_if_met_before_an_error") {
  CHECK(parse_command_line({"-h", "-s", "foo"})->help);
  CHECK_FALSE(parse_command_line({"-s", "foo", "-h"}).ok());
  CHECK(parse_command_line({"-?"})->help);
}

TEST_CASE("url_check_needs_scheme_and_netloc_or_path") {
  CHECK(is_url("unix:///tmp/s"));
  CHECK(is_url("http://localhost:9001"));
  CHECK_FALSE(is_url("foo"));
  CHECK_FALSE(is_url("http:"));
  CHECK(is_url("a:b"));
}

TEST_CASE("normalize_path_collapses_dots_and_slashes") {
  CHECK(normalize_path("/a/./b/../c//d/") == "/a/c/d");
  CHECK(normalize_path("/..") == "/");
  CHECK(normalize_path("//x") == "//x");
}

TEST_CASE("search_paths_start_from_parent_of_binary_dir") {
  auto p = config_search_paths("/usr/bin/supervisorctl");
  REQUIRE(p.size() == 6);
  CHECK(p[0] == "/usr/etc/supervisord.conf");
  CHECK(p[1] == "/usr/supervisord.conf");
  CHECK(p[5] == "/etc/supervisor/supervisord.conf");
}

namespace {
std::string write_temp(const std::string& text) {
  char path[] = "/tmp/ctl_options_test_XXXXXX";
  int fd = ::mkstemp(path);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("config_section_fills_serverurl_with_here_and_env_expansions") {
  ::setenv("CTL_TEST_SOCK", "s.sock", 1);
  std::string path = write_temp(
      "[supervisorctl]\nserverurl=unix://%(here)s/x/../%(ENV_CTL_TEST_SOCK)s\n"
      "prompt=box\nusername=u\n");
  auto r = realize("supervisorctl", {"-c", path, "status"});
  REQUIRE(r.ok());
  CHECK(r->options.serverurl == "unix:///tmp/s.sock");
  CHECK(r->options.prompt == "box");
  CHECK(*r->options.username == "u");
  CHECK_FALSE(r->options.password.has_value());
  CHECK_FALSE(r->options.interactive);
  std::remove(path.c_str());
}

TEST_CASE("command_line_beats_config_and_no_command_means_interactive") {
  std::string path = write_temp("[supervisorctl]\nserverurl=unix:///cfg.sock\n");
  auto r = realize("supervisorctl", {"-c", path, "-s", "unix:///cli.sock"});
  REQUIRE(r.ok());
  CHECK(r->options.serverurl == "unix:///cli.sock");
  CHECK(r->options.interactive);
  std::remove(path.c_str());
}

TEST_CASE("config_errors_are_python_usage_messages") {
  CHECK(realize("supervisorctl", {"-c", "/nonexistent/x.conf"}).error() ==
        "could not find config file /nonexistent/x.conf");
  std::string path = write_temp("[x]\n");
  CHECK(realize("supervisorctl", {"-c", path}).error() ==
        ".ini file does not include supervisorctl section");
  std::remove(path.c_str());
}

TEST_CASE("config_values_are_expanded_with_supervisors_texts_in_its_order") {
  ::setenv("CTL_TEST_WORD", "w", 1);
  // Supervisor reads prompt before username: its error is the one reported.
  std::string path = write_temp("[supervisorctl]\nusername=%(nope)s\nprompt=%(here)s\n");
  auto r = realize("supervisorctl", {"-c", path, "status"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().rfind("Format string '%(here)s' for 'supervisorctl.prompt' contains names "
                        "('here') which cannot be expanded. Available names: ",
                        0) == 0);
  std::remove(path.c_str());
  path = write_temp("[supervisorctl]\npassword=%(ENV_CTL_TEST_WORD)d\nhistory_file=\n");
  r = realize("supervisorctl", {"-c", path, "status"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() ==
        "Format string '%(ENV_CTL_TEST_WORD)d' for 'supervisorctl.password' is badly "
        "formatted: %d format: a real number is required, not str");
  std::remove(path.c_str());
  // Defaults: serverurl and prompt always; an empty history_file is none.
  path = write_temp("[supervisorctl]\nhistory_file=\n");
  r = realize("supervisorctl", {"-c", path, "status"});
  REQUIRE(r.ok());
  CHECK(r->options.serverurl == "http://localhost:9001");
  CHECK(r->options.prompt == "supervisor");
  CHECK_FALSE(r->options.history_file.has_value());
  CHECK_FALSE(r->options.username.has_value());
  std::remove(path.c_str());
}

TEST_CASE("usage_error_text_points_at_dash_h") {
  CHECK(usage_error_text("/usr/bin/supervisorctl", "option -x not recognized") ==
        "Error: option -x not recognized\nFor help, use /usr/bin/supervisorctl -h\n");
  CHECK(usage_text("sc").find("Usage: sc [options] [action [arguments]]\n") != std::string::npos);
}
