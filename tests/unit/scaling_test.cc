// scaling_test.cc — runtime scaling (extension): config::rescale against a fresh load of the
// same text with that numprocs, its error texts, the template kept in the model (not read
// again, not compared), and scaling::apply_counts / scaling::load with the state store's
// remembered counts.
#include "supervisord/zero_downtime/scaling.h"

#include <doctest/doctest.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "supervisord/config/diff.h"
#include "supervisord/config/loader.h"
#include "supervisord/store/store.h"
#include "tests/unit/temp_dir.h"

using namespace config;

namespace {

// A section with per-process names everywhere the fan-out expands them; `numprocs` and
// `extra` are put in so that the same text can be loaded with another numprocs.
std::string program_text(int numprocs, const std::string& extra = "") {
  return "[supervisord]\n"
         "environment=BASE=b\n"
         "[program:web]\n"
         "command=/bin/echo %(program_name)s-%(process_num)d %(group_name)s %(ENV_HOME)s\n"
         "process_name=%(program_name)s_%(process_num)02d\n"
         "numprocs=" +
         std::to_string(numprocs) +
         "\n"
         "numprocs_start=5\n"
         "priority=3\n"
         "environment=PORT=80%(process_num)02d,SLOT=s%(process_num)d\n"
         "stdout_logfile=%(here)s/web-%(process_num)d.log\n"
         "stderr_logfile=%(here)s/%(ENV_PORT)s.err\n"
         "directory=/tmp\n"
         "socket=tcp://127.0.0.1:90%(process_num)02d\n" +
         extra;
}

// A private directory with a config file, loaded with a fixed environment, host and cwd.
struct Dir {
  TempDir tmp{"scaling_test"};
  std::string conf = tmp.file("supervisord.conf");
  void write(const std::string& text) const { std::ofstream(conf) << text; }
  LoadOptions options() const {
    LoadOptions o;
    o.config_path = conf;
    o.environment = std::vector<std::pair<std::string, std::string>>{{"HOME", "/home/h"}};
    o.host_name = "testhost";
    o.cpu_count = 8;
    o.cwd = tmp.path;
    return o;
  }
  Config load_text(const std::string& text) const {
    write(text);
    auto c = load(options());
    REQUIRE_MESSAGE(c.ok(), c.error());
    return std::move(*c);
  }
};

const GroupConfig& group_of(const Config& c, const std::string& name) {
  const GroupConfig* g = c.find_group(name);
  REQUIRE(g != nullptr);
  return *g;
}

std::shared_ptr<const GroupConfig> rescaled(const GroupConfig& g, int count) {
  auto r = rescale(g, count);
  REQUIRE_MESSAGE(r.ok(), r.error());
  return *r;
}

// What a fresh load with numprocs=N makes, with ProcessConfig::numprocs set back to the
// file's (a rescale keeps the file's numprocs there, as %(numprocs)d).
GroupConfig with_numprocs(const GroupConfig& g, int numprocs) {
  GroupConfig out = g;
  for (auto& p : out.processes) {
    auto copy = std::make_shared<ProcessConfig>(*p);
    copy->numprocs = numprocs;
    p = copy;
  }
  return out;
}

std::vector<std::string> names(const GroupConfig& g) {
  std::vector<std::string> out;
  for (const auto& p : g.processes) out.push_back(p->name);
  return out;
}

std::vector<std::string> commands(const GroupConfig& g) {
  std::vector<std::string> out;
  for (const auto& p : g.processes) out.push_back(p->command);
  return out;
}

// program_text(from) loaded and rescaled to `to`, checked against program_text(to) loaded
// (equal but for ProcessConfig::numprocs; same names and commands).
struct Rescaled {
  Config file;
  Config fresh;
  std::shared_ptr<const GroupConfig> group;
};
Rescaled rescale_like_a_fresh_load(const Dir& d, int from, int to) {
  Rescaled r{d.load_text(program_text(from)), d.load_text(program_text(to)), nullptr};
  r.group = rescaled(group_of(r.file, "web"), to);
  CHECK(*r.group == with_numprocs(group_of(r.fresh, "web"), from));
  CHECK(names(*r.group) == names(group_of(r.fresh, "web")));
  CHECK(commands(*r.group) == commands(group_of(r.fresh, "web")));
  return r;
}

// A store that is not opened keeps its counts in memory: what apply_counts reads.
struct MemoryStore {
  uv_loop_t loop{};
  std::unique_ptr<store::Store> store;
  MemoryStore() {
    uv_loop_init(&loop);
    store = std::make_unique<store::Store>(&loop);
  }
  ~MemoryStore() {
    store.reset();
    uv_loop_close(&loop);
  }
};

}  // namespace

// ---- config::rescale ------------------------------------------------------------------
TEST_CASE("rescale_up_equals_a_fresh_load_with_that_numprocs") {
  Dir d;
  Rescaled r = rescale_like_a_fresh_load(d, 2, 4);
  const Config& two = r.file;
  const auto& up = r.group;
  CHECK(names(*up) == std::vector<std::string>{"web_05", "web_06", "web_07", "web_08"});
  CHECK(up->processes[3]->command == "/bin/echo web-8 web /home/h");
  CHECK(up->processes[3]->environment ==
        std::vector<std::pair<std::string, std::string>>{{"PORT", "8008"}, {"SLOT", "s8"}});
  CHECK(up->processes[3]->stderr_log.file.path == d.tmp.path + "/8008.err");
  CHECK(up->processes[3]->listen_socket == "tcp://127.0.0.1:9008");
  CHECK(up->processes[3]->priority == 3);
  // The processes the file makes itself keep their ProcessConfig.
  CHECK(up->processes[0] == group_of(two, "web").processes[0]);
  CHECK(up->processes[1] == group_of(two, "web").processes[1]);
  CHECK(up->program_template == group_of(two, "web").program_template);
}

TEST_CASE("rescale_down_equals_a_fresh_load_with_that_numprocs") {
  Dir d;
  Rescaled r = rescale_like_a_fresh_load(d, 4, 1);
  const Config& four = r.file;
  const auto& down = r.group;
  CHECK(names(*down) == std::vector<std::string>{"web_05"});
  // Back to the file's count: the very group the load made.
  auto back = rescaled(*down, 4);
  CHECK(*back == group_of(four, "web"));
}

TEST_CASE("rescale_keeps_the_files_numprocs_in_numprocs_expansions") {
  Dir d;
  Config c = d.load_text(program_text(2, "stdout_logfile=/tmp/%(process_num)d-of-%(numprocs)d\n"));
  auto up = rescaled(group_of(c, "web"), 3);
  REQUIRE(up->processes.size() == 3);
  CHECK(up->processes[2]->stdout_log.file.path == "/tmp/7-of-2");
  CHECK(up->processes[2]->numprocs == 2);
}

TEST_CASE("rescale_of_a_group_of_one_program_keeps_the_group") {
  Dir d;
  Config c = d.load_text(program_text(2, "[group:front]\nprograms=web\npriority=7\n"));
  auto up = rescaled(group_of(c, "front"), 3);
  CHECK(up->name == "front");
  CHECK(up->priority == 7);
  CHECK(names(*up) == std::vector<std::string>{"web_05", "web_06", "web_07"});
  CHECK(up->processes[2]->group == "front");
  CHECK(up->processes[2]->command == "/bin/echo web-7 front /home/h");
}

TEST_CASE("rescale_reads_the_text_that_was_loaded_not_the_file") {
  Dir d;
  Config c = d.load_text(program_text(2));
  std::string changed = program_text(2, "[program:other]\ncommand=/bin/true\n");
  changed.replace(changed.find("/bin/echo"), 9, "/bin/printf");
  d.write(changed);
  auto up = rescaled(group_of(c, "web"), 3);
  CHECK(up->processes[2]->command == "/bin/echo web-7 web /home/h");
  std::remove(d.conf.c_str());
  CHECK(rescaled(group_of(c, "web"), 5)->processes.size() == 5);
}

TEST_CASE("rescale_needing_process_num_is_the_loaders_error") {
  Dir d;
  const std::string text = "[supervisord]\n[program:solo]\ncommand=/bin/cat\nnumprocs=1\n";
  Config c = d.load_text(text);
  auto r = rescale(group_of(c, "solo"), 3);
  REQUIRE_FALSE(r.ok());
  std::string three = text;
  three.replace(three.find("numprocs=1"), 10, "numprocs=3");
  d.write(three);
  auto loaded = load(d.options());
  REQUIRE_FALSE(loaded.ok());
  CHECK(r.error() == loaded.error());
  CHECK(r.error().find("%(process_num) must be present within process_name when numprocs > 1") !=
        std::string::npos);
  CHECK(rescaled(group_of(c, "solo"), 1)->processes.size() == 1);
}

TEST_CASE("rescale_refuses_counts_out_of_range") {
  Dir d;
  Config c = d.load_text(program_text(2));
  auto zero = rescale(group_of(c, "web"), 0);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error() == "count 0 is below 1");
  auto huge = rescale(group_of(c, "web"), 100001);
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().find("[program:web] numprocs: numprocs 100001 is above the limit of 100000") !=
        std::string::npos);
}

TEST_CASE("rescale_only_groups_made_of_one_program_section") {
  Dir d;
  Config c = d.load_text(
      "[supervisord]\n"
      "[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\n"
      "[group:pair]\nprograms=a,b\n"
      "[eventlistener:pool]\ncommand=/bin/cat\nevents=TICK_5\n"
      "[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix:///tmp/f.sock\n");
  for (const char* name : {"pair", "pool", "f"}) {
    CAPTURE(name);
    CHECK_FALSE(scale_base(group_of(c, name)).has_value());
    auto r = rescale(group_of(c, name), 2);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "group " + std::string(name) + " is not made of one [program:x] section");
  }
}

TEST_CASE("the_template_changes_neither_equality_nor_diff") {
  Dir d;
  Config a = d.load_text(program_text(2));
  Config b = d.load_text(program_text(2));
  CHECK(group_of(a, "web").program_template != group_of(b, "web").program_template);
  CHECK(group_of(a, "web") == group_of(b, "web"));
  CHECK(diff(a, b).empty());
  auto base = scale_base(group_of(a, "web"));
  REQUIRE(base.has_value());
  CHECK(base->program == "web");
  CHECK(base->numprocs == 2);
}

// ---- scaling::apply_counts / scaling::load ----------------------------------------------
TEST_CASE("apply_counts_rescales_the_groups_with_a_remembered_count") {
  Dir d;
  auto loaded = std::make_shared<const Config>(d.load_text(program_text(2)));
  MemoryStore m;
  CHECK(scaling::apply_counts(loaded, *m.store) == loaded);  // nothing remembered
  scaling::remember(*m.store, "web", 3, 2);
  auto scaled = scaling::apply_counts(loaded, *m.store);
  CHECK(names(group_of(*scaled, "web")) == std::vector<std::string>{"web_05", "web_06", "web_07"});
  CHECK(group_of(*loaded, "web").processes.size() == 2);  // the input is left alone
  CHECK(m.store->instance_count("web") == 3);
}

TEST_CASE("apply_counts_forgets_a_stale_count") {
  Dir d;
  auto loaded = std::make_shared<const Config>(d.load_text(program_text(2)));
  MemoryStore m;
  scaling::remember(*m.store, "web", 6, 3);   // set when the file said numprocs=3
  scaling::remember(*m.store, "gone", 2, 1);  // no such program any more
  CHECK(scaling::apply_counts(loaded, *m.store) == loaded);
  CHECK(m.store->instance_counts().empty());
}

TEST_CASE("apply_counts_forgets_a_count_the_section_cannot_take") {
  Dir d;
  auto loaded = std::make_shared<const Config>(
      d.load_text("[supervisord]\n[program:solo]\ncommand=/bin/cat\n"));
  MemoryStore m;
  scaling::remember(*m.store, "solo", 3, 1);
  auto out = scaling::apply_counts(loaded, *m.store);
  CHECK(group_of(*out, "solo").processes.size() == 1);
  REQUIRE_FALSE(out->warnings.empty());
  CHECK(out->warnings.back().find("instance count 3 of solo forgotten: ") == 0);
  CHECK(m.store->instance_counts().empty());
}

TEST_CASE("scaling_load_reads_the_config_file_once") {
  Dir d;
  d.write(program_text(2));
  MemoryStore m;
  scaling::remember(*m.store, "web", 4, 2);
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(fd >= 0);
  // With the closes watched too, two opens are not successive identical events (which
  // inotify would merge into one).
  REQUIRE(inotify_add_watch(fd, d.conf.c_str(), IN_OPEN | IN_CLOSE_NOWRITE) >= 0);
  auto scaled = scaling::load(d.options(), *m.store);
  int opens = 0;
  alignas(inotify_event) char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    for (char* at = buf; at < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(at);
      opens += (e->mask & IN_OPEN) ? 1 : 0;
      at += sizeof(inotify_event) + e->len;
    }
  }
  ::close(fd);
  REQUIRE_MESSAGE(scaled.ok(), scaled.error());
  CHECK(opens == 1);
  CHECK(group_of(**scaled, "web").processes.size() == 4);
}
