// config_test.cc — the config model against Supervisor's (one test case per behaviour,
// grouped by topic below), the reload diff and the --check-config rendering.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/ctl_section.h"
#include "supervisord/config/check.h"
#include "supervisord/config/depends.h"
#include "supervisord/config/diff.h"
#include "supervisord/config/loader.h"
#include "supervisord/config/schema.h"

namespace fs = std::filesystem;
using namespace config;

namespace {

// A private directory with config files; loads with a fixed environment, host and cwd so
// the results do not depend on the machine running the test.
class Dir {
 public:
  Dir() {
    char tmpl[] = "/tmp/config_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~Dir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    fs::path p = fs::path(path_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  LoadOptions options(const std::string& name) const {
    LoadOptions o;
    o.config_path = path_ + "/" + name;
    o.environment =
        std::vector<std::pair<std::string, std::string>>{{"HOME", "/home/h"}, {"SLOT", "s"}};
    o.host_name = "testhost";
    o.cpu_count = 8;
    o.cwd = path_;
    return o;
  }
  Result<Config> load(const std::string& name) const { return config::load(options(name)); }
  Result<Config> load_text(const std::string& text) const {
    write("supervisord.conf", text);
    return load("supervisord.conf");
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const ProcessConfig& process(const Config& c, const std::string& group, size_t i = 0) {
  const GroupConfig* g = c.find_group(group);
  REQUIRE(g != nullptr);
  REQUIRE(i < g->processes.size());
  return *g->processes[i];
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The caret line of a rendered error: its column is where the caret sits.
size_t caret_column(const std::string& message) {
  auto last = message.rfind('\n');
  REQUIRE(last != std::string::npos);
  return message.find('^', last) - last - 1;
}

std::string line_of(const std::string& message, int n) {
  std::istringstream in(message);
  std::string line;
  for (int i = 0; i <= n && std::getline(in, line);) ++i;
  return line;
}

}  // namespace

// ---- locating the file ---------------------------------------------------------------
TEST_CASE("config_search_error_lists_supervisors_default_paths") {
  auto found = find_config_file("/nonexistent-prefix/bin/supervisord");
  if (!found) {
    CHECK(contains(found.error(),
                   "No config file found at default paths (/nonexistent-prefix/etc/"
                   "supervisord.conf, /nonexistent-prefix/supervisord.conf, "
                   "supervisord.conf, etc/supervisord.conf, /etc/supervisord.conf, "
                   "/etc/supervisor/supervisord.conf); use the -c option"));
  }
}

TEST_CASE("missing_explicit_file_is_could_not_find") {
  Dir d;
  auto c = d.load("absent.conf");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "could not find config file"));
}

TEST_CASE("directory_as_config_file_is_could_not_read") {
  Dir d;
  fs::create_directories(d.path() + "/dir.conf");
  auto c = d.load("dir.conf");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "could not read config file"));
}

// ---- INI dialect --------------------------------------------------------------------
TEST_CASE("default_section_keys_apply_to_every_program") {
  Dir d;
  auto c = d.load_text(
      "[DEFAULT]\nautostart=false\n[supervisord]\n[program:a]\ncommand=x\n"
      "[program:b]\ncommand=y\nautostart=true\n");
  REQUIRE(c.ok());
  CHECK_FALSE(process(*c, "a").autostart);
  CHECK(process(*c, "b").autostart);
}

TEST_CASE("repeated_section_merges_and_later_key_wins") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[program:a]\ncommand=first\npriority=3\n"
      "[program:a]\ncommand=second\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "a").command == "second");
  CHECK(process(*c, "a").priority == 3);
}

TEST_CASE("continuation_lines_join_with_newline") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:a]\ncommand=/bin/sh -c\n  \"echo 1\n  echo 2\"\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "a").command == "/bin/sh -c\n\"echo 1\necho 2\"");
}

// ---- %(name)s expansion ----------------------------------------------------------------------
TEST_CASE("process_num_format_spec_pads") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[program:w]\ncommand=run %(process_num)02d\n"
      "process_name=w%(process_num)d\nnumprocs=2\nnumprocs_start=7\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "w", 0).command == "run 07");
  CHECK(process(*c, "w", 1).command == "run 08");
  CHECK(process(*c, "w", 1).name == "w8");
}

TEST_CASE("seed_bad_format_points_at_the_percent_in_the_included_file") {
  Dir d;
  d.write("conf.d/app.conf",
          "[program:my_app]\nnumprocs=4\n"
          "command=gunicorn -w 4 -b 127.0.0.1:%(process_num)5001 wsgi:app\n"
          "process_name=%(program_name)s_%(process_num)d\n");
  auto c = d.load_text("[supervisord]\n[include]\nfiles=conf.d/*.conf\n");
  REQUIRE_FALSE(c.ok());
  const std::string& e = c.error();
  CHECK(contains(e, "conf.d/app.conf:3: [program:my_app] command: Format string "));
  CHECK(contains(e, "for 'program:my_app.command' is badly formatted: "));
  CHECK(line_of(e, 1) == "command=gunicorn -w 4 -b 127.0.0.1:%(process_num)5001 wsgi:app");
  CHECK(line_of(e, 1)[caret_column(e)] == '%');
}

TEST_CASE("unknown_name_lists_the_available_names_sorted") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=echo %(nope)s\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(),
                 "supervisord.conf:3: [program:x] command: Format string 'echo %(nope)s' "
                 "for 'program:x.command' contains names ('nope') which cannot be "
                 "expanded. Available names: ENV_HOME, ENV_SLOT, cpu_count, group_name, "
                 "here, host_node_name, numprocs, process_num, program_name"));
}

TEST_CASE("program_level_options_do_not_see_process_num") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nstartsecs=%(process_num)d\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "contains names ('process_num')"));
}

TEST_CASE("program_environment_keys_are_env_names_in_per_process_options") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\nenvironment=G=\"g\"\n[program:x]\n"
      "command=%(ENV_G)s %(ENV_L)s %(ENV_HOME)s\nenvironment=L=\"l-%(ENV_G)s\"\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "x").command == "g l-g /home/h");
}

TEST_CASE("program_environment_cannot_use_its_own_keys") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nenvironment=A=1,B=%(ENV_A)s\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "contains names ('ENV_A')"));
}

TEST_CASE("logfile_is_expanded_twice") {
  Dir d;
  auto ok = d.load_text("[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=/tmp/a%%%%b.log\n");
  REQUIRE(ok.ok());
  CHECK(process(*ok, "x").stdout_log.file.path == "/tmp/a%b.log");
  auto bad = d.load_text("[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=/tmp/a%%b.log\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error(),
                 "for 'stdout_logfile' is badly formatted: unsupported format character"));
}

TEST_CASE("here_is_the_directory_of_the_file_that_wrote_the_value_when_including") {
  Dir d;
  d.write("sub/p.conf", "[program:p]\ncommand=%(here)s/bin\n");
  auto c =
      d.load_text("[supervisord]\n[include]\nfiles=sub/*.conf\n[program:m]\ncommand=%(here)s\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "p").command == d.path() + "/sub/bin");
  CHECK(process(*c, "m").command == d.path());
}

TEST_CASE("cpu_count_extension_is_available_to_program_options") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=gunicorn -w %(cpu_count)d\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "x").command == "gunicorn -w 8");
}

// ---- value types ----------------------------------------------------------------------
TEST_CASE("bad_boolean_is_refused_with_caret_at_the_value") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nautostart = maybe\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(),
                 "supervisord.conf:4: [program:x] autostart: not a valid boolean value: 'maybe'"));
  CHECK(caret_column(c.error()) == std::string("autostart = ").size());
}

TEST_CASE("typed_values_land_in_the_model") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[program:x]\ncommand=c\nstopsignal=hup\nexitcodes=0,2\n"
      "stdout_logfile_maxbytes=2KB\numask=027\nautorestart=true\n");
  REQUIRE(c.ok());
  const auto& p = process(*c, "x");
  CHECK(p.stopsignal == 1);
  CHECK(p.exitcodes == std::vector<int>{0, 2});
  CHECK(p.stdout_log.maxbytes == 2048);
  CHECK(p.umask == std::optional<mode_t>(027));
  CHECK(p.autorestart == Autorestart::True);
}

TEST_CASE("bad_autorestart_quotes_the_lowercased_value") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nautorestart=Sometimes\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "invalid 'autorestart' value 'sometimes'"));
}

// ---- [supervisord] ------------------------------------------------------------------
TEST_CASE("missing_supervisord_section_is_refused") {
  Dir d;
  auto c = d.load_text("[program:a]\ncommand=c\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), ".ini file does not include supervisord section"));
}

TEST_CASE("relative_logfile_and_pidfile_are_absolute_against_the_cwd") {
  Dir d;
  auto o = d.options("conf/s.conf");
  d.write("conf/s.conf", "[supervisord]\nlogfile=x.log\n");
  o.cwd = "/tmp";
  auto c = load(o);
  REQUIRE(c.ok());
  CHECK(c->supervisord.logfile == "/tmp/x.log");
  CHECK(c->supervisord.pidfile == "/tmp/supervisord.pid");
}

TEST_CASE("command_line_overrides_win_over_the_file") {
  Dir d;
  d.write("s.conf", "[supervisord]\nloglevel=info\nidentifier=file\n");
  auto o = d.options("s.conf");
  o.overrides["loglevel"] = {"-e", "debug"};
  o.overrides["identifier"] = {"", "cli"};
  auto c = load(o);
  REQUIRE(c.ok());
  CHECK(c->supervisord.loglevel == 10);
  CHECK(c->supervisord.identifier == "cli");
}

TEST_CASE("bad_command_line_value_names_the_flag") {
  Dir d;
  d.write("s.conf", "[supervisord]\n");
  auto o = d.options("s.conf");
  o.overrides["logfile_maxbytes"] = {"-y", "10xb"};
  auto c = load(o);
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "invalid value for -y '10xb': "));
}

TEST_CASE("supervisord_environment_becomes_env_names_for_later_sections") {
  Dir d;
  auto c = d.load_text("[supervisord]\nenvironment=A=\"1\"\n[program:x]\ncommand=%(ENV_A)s\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "x").command == "1");
  CHECK(effective_environment(c->supervisord, process(*c, "x")).size() == 1);
}

// ---- servers --------------------------------------------------------------------------
TEST_CASE("every_section_starting_with_inet_http_server_is_a_server") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[inet_http_server]\nport=127.0.0.1:9001\n"
      "[inet_http_server:b]\nport=*:9002\n[unix_http_server]\nfile=%(here)s/s.sock\n");
  REQUIRE(c.ok());
  REQUIRE(c->inet_servers.size() == 2);
  CHECK(c->inet_servers[0].host == "127.0.0.1");
  CHECK(c->inet_servers[1].host.empty());
  CHECK(c->inet_servers[1].port == 9002);
  REQUIRE(c->unix_servers.size() == 1);
  CHECK(c->unix_servers[0].file == d.path() + "/s.sock");
}

TEST_CASE("username_without_password_is_incomplete_authentication") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[inet_http_server]\nport=9001\nusername=u\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "Section [inet_http_server] contains incomplete authentication"));
}

// ---- [program:x] ------------------------------------------------------------------------
TEST_CASE("numprocs_above_one_requires_process_num_in_process_name") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:w]\ncommand=c\nnumprocs=2\n");
  REQUIRE_FALSE(c.ok());
  CHECK(
      contains(c.error(), "%(process_num) must be present within process_name when numprocs > 1"));
}

TEST_CASE("killasgroup_defaults_to_stopasgroup_and_may_not_contradict_it") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nstopasgroup=true\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "x").killasgroup);
  auto bad =
      d.load_text("[supervisord]\n[program:x]\ncommand=c\nstopasgroup=true\nkillasgroup=false\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error(), "Cannot set stopasgroup=true and killasgroup=false"));
}

TEST_CASE("redirect_stderr_drops_the_stderr_log_with_a_warning_for_a_path") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[program:x]\ncommand=c\nredirect_stderr=true\n"
      "stderr_logfile=/tmp/e.log\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "x").stderr_log.file.kind == values::LogfileName::Kind::None);
  REQUIRE(c->warnings.size() == 1);
  CHECK(contains(c->warnings[0], "redirect_stderr=true but stderr_logfile has also been set"));
}

TEST_CASE("auto_log_without_rollover_is_warned") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nstdout_logfile_maxbytes=0\n");
  REQUIRE(c.ok());
  REQUIRE(c->warnings.size() == 1);
  CHECK(contains(c->warnings[0], "AUTO logging used for stdout_logfile without rollover"));
}

TEST_CASE("missing_command_is_refused_at_the_section") {
  Dir d;
  auto c = d.load_text("[supervisord]\n\n[program:nocmd]\nautostart=false\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(),
                 "supervisord.conf:3: [program:nocmd] command: program section "
                 "program:nocmd does not specify a command"));
}

TEST_CASE("unknown_option_is_ignored_with_a_warning") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x]\ncommand=c\nautorestrat=true\n");
  REQUIRE(c.ok());
  REQUIRE(c->warnings.size() == 1);
  CHECK(contains(c->warnings[0], "supervisord.conf:4: [program:x] autorestrat: unknown option"));
}

TEST_CASE("supervisorctl_section_is_not_expanded_but_a_misspelt_key_is_warned") {
  Dir d;
  // A value the ctl could not expand does not stop the daemon (Supervisor's ignores it).
  auto c = d.load_text(
      "[supervisord]\n[supervisorctl]\nserverurl=unix://%(nope)s\nprompt=p\nusename=u\n");
  REQUIRE(c.ok());
  REQUIRE(c->warnings.size() == 1);
  CHECK(contains(c->warnings[0], "supervisord.conf:5: [supervisorctl] usename: unknown option"));
}

TEST_CASE("supervisorctl_rows_are_the_table_supervisorctl_reads") {
  size_t n = 0;
  for (const auto& row : schema::rows()) {
    if (row.sections != schema::kSupervisorctl) continue;
    CAPTURE(row.key);
    const ctl_section::Option* o = ctl_section::find(row.key);
    REQUIRE(o != nullptr);
    CHECK(std::string(row.default_text ? row.default_text : "-") ==
          (o->default_text ? o->default_text : "-"));
    const bool lands = row.land != nullptr;
    CHECK_FALSE(lands);  // the daemon only names them
    ++n;
  }
  CHECK(n == ctl_section::options().size());
}

TEST_CASE("invalid_program_name_is_refused") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:x y]\ncommand=c\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "Invalid name: 'x y' because of character: ' '"));
}

// ---- [group:x] --------------------------------------------------------------------------
TEST_CASE("group_takes_programs_and_groups_sort_by_priority_then_name") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[group:web]\nprograms=a,b\npriority=5\n"
      "[program:a]\ncommand=%(group_name)s\npriority=2\n[program:b]\ncommand=c\npriority=1\n"
      "[program:z]\ncommand=c\npriority=1\n[program:y]\ncommand=c\npriority=1\n");
  REQUIRE(c.ok());
  REQUIRE(c->groups.size() == 3);
  CHECK(c->groups[0]->name == "y");
  CHECK(c->groups[1]->name == "z");
  CHECK(c->groups[2]->name == "web");
  CHECK(c->find_group("a") == nullptr);
  CHECK(process(*c, "web", 0).name == "b");
  CHECK(process(*c, "web", 1).command == "web");
}

TEST_CASE("group_naming_an_unknown_program_lists_the_available_ones") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[group:web]\nprograms=a,zzz\n[program:a]\ncommand=c\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), "names unknown program or fcgi-program zzz (available: a)"));
  CHECK(line_of(c.error(), 1)[caret_column(c.error())] == 'z');
}

// ---- [include] -------------------------------------------------------------------------
TEST_CASE("include_reads_matches_in_sorted_order_and_warns_on_no_match") {
  Dir d;
  d.write("c/b.conf", "[program:p]\ncommand=b\n");
  d.write("c/a.conf", "[program:p]\ncommand=a\npriority=4\n");
  auto c = d.load_text("[supervisord]\n[include]\nfiles=c/*.conf none/*.conf\n");
  REQUIRE(c.ok());
  REQUIRE(c->included.size() == 2);
  CHECK(c->included[0] == d.path() + "/c/a.conf");
  CHECK(process(*c, "p").command == "b");
  CHECK(process(*c, "p").priority == 4);
  REQUIRE(c->warnings.size() == 1);
  CHECK(c->warnings[0] == "No file matches via include \"" + d.path() + "/none/*.conf\"");
}

TEST_CASE("include_without_files_is_refused") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[include]\n");
  REQUIRE_FALSE(c.ok());
  CHECK(contains(c.error(), ".ini file has [include] section, but no files setting"));
}

// ---- [eventlistener:x] ---------------------------------------------------------------
TEST_CASE("eventlistener_pool_defaults_to_priority_minus_one_and_validates_events") {
  Dir d;
  auto c =
      d.load_text("[supervisord]\n[eventlistener:l]\ncommand=c\nevents=tick_60,PROCESS_STATE\n");
  REQUIRE(c.ok());
  CHECK(c->find_group("l")->priority == -1);
  CHECK(process(*c, "l").events == std::vector<std::string>{"PROCESS_STATE", "TICK_60"});
  auto bad = d.load_text("[supervisord]\n[eventlistener:l]\ncommand=c\nevents=FOO\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error(), "Unknown event type FOO in [eventlistener:l] events"));
}

TEST_CASE("eventlistener_refuses_redirect_stderr_and_small_buffer") {
  Dir d;
  auto r = d.load_text(
      "[supervisord]\n[eventlistener:l]\ncommand=c\nevents=TICK_5\nredirect_stderr=true\n");
  REQUIRE_FALSE(r.ok());
  CHECK(contains(r.error(), "will interfere with the eventlistener protocol"));
  auto b =
      d.load_text("[supervisord]\n[eventlistener:l]\ncommand=c\nevents=TICK_5\nbuffer_size=0\n");
  REQUIRE_FALSE(b.ok());
  CHECK(contains(b.error(), "[eventlistener:l] section sets invalid buffer_size (0)"));
}

// ---- [fcgi-program:x] ------------------------------------------------------------------
TEST_CASE("fcgi_socket_formats") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n[fcgi-program:f]\ncommand=c\nsocket=unix:///tmp/%(program_name)s.sock\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "f").socket == "unix:///tmp/f.sock");
  CHECK(process(*c, "f").socket_mode == 0700);
  auto bad = d.load_text("[supervisord]\n[fcgi-program:f]\ncommand=c\nsocket=foo://x\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error(), "Bad socket format foo://x in [fcgi-program:f] socket"));
  auto mode = d.load_text(
      "[supervisord]\n[fcgi-program:f]\ncommand=c\nsocket=tcp://h:1\nsocket_mode=0700\n");
  REQUIRE_FALSE(mode.ok());
  CHECK(contains(mode.error(), "should only be used with a Unix domain socket"));
}

// ---- [rpcinterface:x] ----------------------------------------------------------------
TEST_CASE("rpcinterface_needs_a_factory") {
  Dir d;
  auto ok = d.load_text(
      "[supervisord]\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory="
      "supervisor.rpcinterface:make_main_rpcinterface\n");
  REQUIRE(ok.ok());
  CHECK(ok->rpcinterfaces.count("supervisor") == 1);
  auto bad = d.load_text("[supervisord]\n[rpcinterface:x]\nfoo=bar\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error(),
                 "section [rpcinterface:x] does not specify a supervisor.rpcinterface_factory"));
}

// ---- schema ---------------------------------------------------------------------------------
TEST_CASE("every_schema_row_with_a_default_converts_its_default") {
  for (const auto& row : schema::rows()) {
    if (!row.default_text || row.type == schema::Type::Name) continue;
    CAPTURE(row.key);
    CHECK(schema::convert(row.type, row.default_text).ok());
  }
}

TEST_CASE("schema_marks_the_extensions") {
  CHECK(schema::find(schema::kProgram, "reap_group")->extension);
  CHECK(schema::find(schema::kSupervisord, "statefile")->extension);
  CHECK(schema::find(schema::kSupervisord, "remember_state")->extension);
  CHECK_FALSE(schema::find(schema::kProgram, "command")->extension);
}

// ---- diff ------------------------------------------------------------------------------
TEST_CASE("diff_reports_added_changed_removed_groups") {
  Dir d;
  auto a = d.load_text(
      "[supervisord]\n[program:keep]\ncommand=c\n[program:edit]\ncommand=c\n[program:gone]"
      "\ncommand=c\n");
  auto b = d.load_text(
      "[supervisord]\n[program:keep]\ncommand=c\n[program:edit]\ncommand=d\n[program:new]\ncommand="
      "c\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  Diff x = diff(*a, *b);
  CHECK(x.added == std::vector<std::string>{"new"});
  CHECK(x.changed == std::vector<std::string>{"edit"});
  CHECK(x.removed == std::vector<std::string>{"gone"});
  CHECK(diff(*a, *a).empty());
}

TEST_CASE("diff_treats_auto_log_as_equal_to_anything") {
  Dir d;
  auto a = d.load_text("[supervisord]\n[program:x]\ncommand=c\n");
  auto b = d.load_text("[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=/tmp/x.log\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(diff(*a, *b).empty());
}

TEST_CASE("diff_counts_supervisord_environment_as_part_of_every_process") {
  Dir d;
  auto a = d.load_text("[supervisord]\n[program:x]\ncommand=c\n");
  auto b = d.load_text("[supervisord]\nenvironment=A=1\n[program:x]\ncommand=c\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(diff(*a, *b).changed == std::vector<std::string>{"x"});
}

TEST_CASE("diff_numprocs_four_to_six_adds_two_and_touches_none") {
  Dir d;
  const char* base =
      "[supervisord]\n[program:w]\ncommand=c %(process_num)d\nprocess_name=w%(process_num)d\n";
  auto a = d.load_text(std::string(base) + "numprocs=4\n");
  auto b = d.load_text(std::string(base) + "numprocs=6\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  Diff x = diff(*a, *b);
  CHECK(x.changed == std::vector<std::string>{"w"});  // Supervisor: the whole group
  REQUIRE(x.processes.size() == 1);
  CHECK(x.processes[0].added == std::vector<std::string>{"w4", "w5"});
  CHECK(x.processes[0].changed.empty());
  CHECK(x.processes[0].removed.empty());
}

// ---- --check-config ---------------------------------------------------------------------------
TEST_CASE("check_config_renders_expanded_processes_and_exits_zero") {
  Dir d;
  d.write("s.conf",
          "[supervisord]\n[program:app]\ncommand=run %(process_num)d\n"
          "process_name=app_%(process_num)d\nnumprocs=2\n");
  std::string out, err;
  CHECK(run_check_config(d.options("s.conf"), false, out, err) == 0);
  CHECK(contains(out, "app:app_1"));
  CHECK(contains(out, "command    run 1"));
  std::string json, err2;
  CHECK(run_check_config(d.options("s.conf"), true, json, err2) == 0);
  CHECK(contains(json, "\"ok\": true"));
  CHECK(contains(json, "\"command\": \"run 0\""));
}

TEST_CASE("check_config_reports_the_error_and_exits_two") {
  Dir d;
  d.write("s.conf", "[supervisord]\n[program:x]\ncommand=%(nope)s\n");
  std::string out, err;
  CHECK(run_check_config(d.options("s.conf"), true, out, err) == 2);
  CHECK(contains(err, "Error: "));
  CHECK(contains(out, "\"ok\": false"));
}

// ---- depends_on (extension) ----

TEST_CASE("depends_on: items resolve to processes, groups and numprocs programs") {
  Dir d;
  auto c = d.load_text(
      "[supervisord]\n"
      "[program:db]\ncommand=/bin/true\n"
      "[program:web]\ncommand=/bin/true\nnumprocs=2\nprocess_name=web_%(process_num)d\n"
      "[program:app]\ncommand=/bin/true\ndepends_on = db, web:* ,\ndepends_on_bind=true\n"
      "[program:one]\ncommand=/bin/true\ndepends_on=web:web_1\n");
  REQUIRE_MESSAGE(c.ok(), c.error());
  const ProcessConfig& app = process(*c, "app");
  CHECK(app.depends_on == std::vector<std::string>{"db", "web:*", ""});
  CHECK(app.depends_on_bind);
  CHECK(depends::resolve(c->groups, "db").size() == 1);
  CHECK(depends::resolve(c->groups, "web").size() == 2);  // bare name of a numprocs program
  CHECK(depends::resolve(c->groups, "web:*").size() == 2);
  CHECK(depends::resolve(c->groups, "web:").size() == 2);
  REQUIRE(depends::resolve(c->groups, "web:web_1").size() == 1);
  CHECK(depends::resolve(c->groups, "web:web_1")[0]->name == "web_1");
  CHECK(depends::resolve(c->groups, "nope").empty());
  CHECK(depends::resolve(c->groups, "web:web_7").empty());
  CHECK_FALSE(process(*c, "db").depends_on_bind);
  CHECK(depends::any(c->groups));
}

TEST_CASE("depends_on: a change to it alone is no change of the process") {
  Dir d;
  auto a = d.load_text(
      "[supervisord]\n[program:db]\ncommand=/bin/true\n"
      "[program:app]\ncommand=/bin/true\n");
  REQUIRE(a.ok());
  auto b = d.load_text(
      "[supervisord]\n[program:db]\ncommand=/bin/true\n"
      "[program:app]\ncommand=/bin/true\ndepends_on=db\ndepends_on_bind=true\n");
  REQUIRE(b.ok());
  Diff df = diff(*a, *b);
  CHECK(df.changed.empty());
  CHECK(df.added.empty());
  CHECK(df.removed.empty());
}

TEST_CASE("depends_on: unknown names, itself and cycles are refused at the line") {
  Dir d;
  auto unknown = d.load_text(
      "[supervisord]\n[program:app]\ncommand=/bin/true\n"
      "depends_on=db\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().find("supervisord.conf:4") != std::string::npos);
  CHECK(unknown.error().find("[program:app] depends_on: no program or group named db") !=
        std::string::npos);

  auto self = d.load_text(
      "[supervisord]\n[program:web]\ncommand=/bin/true\nnumprocs=2\n"
      "process_name=w%(process_num)d\ndepends_on=web:*\n");
  REQUIRE_FALSE(self.ok());
  CHECK(self.error().find("supervisord.conf:6") != std::string::npos);
  CHECK(self.error().find("web:w0 depends on itself (web:*)") != std::string::npos);

  auto cycle = d.load_text(
      "[supervisord]\n"
      "[program:a]\ncommand=/bin/true\ndepends_on=b\n"
      "[program:b]\ncommand=/bin/true\ndepends_on=c\n"
      "[program:c]\ncommand=/bin/true\ndepends_on=a\n");
  REQUIRE_FALSE(cycle.ok());
  CHECK(cycle.error().find("supervisord.conf:4: [program:a] depends_on: dependency cycle: "
                           "a -> b -> c -> a") != std::string::npos);

  // An acyclic diamond is fine.
  auto diamond = d.load_text(
      "[supervisord]\n"
      "[program:a]\ncommand=/bin/true\ndepends_on=b,c\n"
      "[program:b]\ncommand=/bin/true\ndepends_on=d\n"
      "[program:c]\ncommand=/bin/true\ndepends_on=d\n"
      "[program:d]\ncommand=/bin/true\n");
  CHECK_MESSAGE(diamond.ok(), diamond.error());
}

TEST_CASE("depends_on: a config without it has no dependencies") {
  Dir d;
  auto c = d.load_text("[supervisord]\n[program:db]\ncommand=/bin/true\n");
  REQUIRE(c.ok());
  CHECK(process(*c, "db").depends_on.empty());
  CHECK_FALSE(depends::any(c->groups));
}
