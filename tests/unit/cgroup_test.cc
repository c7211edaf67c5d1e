// cgroup_test.cc — cgroup v2 containment against a fake cgroup tree (plain files in a
// temporary directory): mount and path discovery, hostile names, the daemon's directory,
// controller delegation and the limits written per instance.
#include "supervisord/process/cgroup.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "supervisord/config/schema.h"
#include "tests/unit/temp_dir.h"

namespace {

void put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// A fake host: tmp/mnt is the cgroup2 mount, this process is in /svc (tmp/mnt/svc).
struct FakeHost {
  TempDir tmp{"cgroup"};
  cgroup::Probe probe;
  std::string own;
  explicit FakeHost(const std::string& controllers) {
    std::string mnt = tmp.file("mnt");
    ::mkdir(mnt.c_str(), 0755);
    own = mnt + "/svc";
    ::mkdir(own.c_str(), 0755);
    put(own + "/cgroup.controllers", controllers);
    put(own + "/cgroup.subtree_control", "");
    put(own + "/cgroup.procs", "");
    put(own + "/cgroup.kill", "");
    put(tmp.file("mountinfo"),
        "25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
        "40 30 0:37 / " +
            mnt + " rw,relatime - cgroup2 cgroup2 rw\n");
    put(tmp.file("cgroup"), "1:name=systemd:/x\n0::/svc\n");
    probe.mountinfo = tmp.file("mountinfo");
    probe.self_cgroup = tmp.file("cgroup");
    probe.pid = 4242;
  }
};

config::ProcessConfig program(const std::string& group, const std::string& name) {
  config::ProcessConfig p;
  p.group = group;
  p.name = name;
  return p;
}

}  // namespace

TEST_CASE("find_mount: the cgroup2 line of mountinfo, octal escapes decoded") {
  CHECK(cgroup::find_mount("40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n") ==
        "/sys/fs/cgroup/unified");
  CHECK(cgroup::find_mount("1 2 0:1 / /a\\040b rw shared:1 - cgroup2 none rw") == "/a b");
  CHECK_FALSE(cgroup::find_mount("33 30 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"));
  CHECK_FALSE(cgroup::find_mount(""));
}

TEST_CASE("own_path: the 0:: line of /proc/self/cgroup") {
  CHECK(cgroup::own_path("12:pids:/a\n0::/system.slice/x.service\n") == "/system.slice/x.service");
  CHECK(cgroup::own_path("0::/\n") == "/");
  CHECK_FALSE(cgroup::own_path("12:pids:/a\n"));
}

TEST_CASE("instance_dir_name: hostile names stay one directory level, never collide") {
  CHECK(cgroup::instance_dir_name("web", "web_00") == "web@web_00");
  CHECK(cgroup::instance_dir_name("..", "..") == "..@..");
  CHECK(cgroup::instance_dir_name("a/b", "c d") == "a%2Fb@c%20d");
  CHECK(cgroup::instance_dir_name("a@b", "c") != cgroup::instance_dir_name("a", "b@c"));
  CHECK(cgroup::instance_dir_name("cgroup.procs", "x").find('/') == std::string::npos);
  std::string long_name(400, 'x');
  auto d = cgroup::instance_dir_name("g", long_name);
  CHECK(d.size() < 255);
  CHECK(d != cgroup::instance_dir_name("g", long_name + "y"));
}

TEST_CASE("populated_in reads cgroup.events") {
  CHECK(cgroup::populated_in("populated 1\nfrozen 0\n") == true);
  CHECK(cgroup::populated_in("populated 0\nfrozen 0\n") == false);
  CHECK_FALSE(cgroup::populated_in("frozen 0\n"));
}

TEST_CASE("cpu_max forms") {
  CHECK(*config::schema::cpu_max("50%") == "50000 100000");
  CHECK(*config::schema::cpu_max("20000") == "20000 100000");
  CHECK(*config::schema::cpu_max(" 20000  50000 ") == "20000 50000");
  CHECK(*config::schema::cpu_max("max") == "max 100000");
  for (const char* bad : {"", "fast", "10", "1000 10", "0%", "x%", "1 2 3", "-5"})
    CHECK_MESSAGE(!config::schema::cpu_max(bad).ok(), bad);
}

TEST_CASE("detect: disabled, no cgroup2, unwritable") {
  FakeHost host("cpu memory pids");
  CHECK(cgroup::Manager::detect(false, host.probe).mode() == cgroup::Mode::Disabled);
  CHECK(cgroup::Manager::describe(false, host.probe).starts_with("disabled"));

  put(host.probe.mountinfo, "25 30 0:23 / /sys rw - sysfs sysfs rw\n");
  auto none = cgroup::Manager::detect(true, host.probe);
  CHECK(none.mode() == cgroup::Mode::Unavailable);
  CHECK(none.reason() == "no cgroup2 filesystem is mounted");
  CHECK(cgroup::Manager::describe(true, host.probe).starts_with("unavailable"));

  // The cgroup is a file: mkdir under it fails as on a read-only mount.
  FakeHost file_host("");
  put(file_host.tmp.file("blocked"), "");
  put(file_host.probe.mountinfo,
      "40 30 0:37 / " + file_host.tmp.file("blocked") + " rw - cgroup2 cgroup2 rw\n");
  put(file_host.probe.self_cgroup, "0::/\n");
  auto ro = cgroup::Manager::detect(true, file_host.probe);
  CHECK(ro.mode() == cgroup::Mode::Unavailable);
  CHECK(ro.reason().find("cannot create") != std::string::npos);
  cgroup::Manager off = cgroup::Manager::detect(false, host.probe);
  CHECK_FALSE(off.prepare(program("g", "p")).ok());
}

TEST_CASE("detect + prepare: controllers delegated, limits written per instance") {
  FakeHost host("cpu memory pids io");
  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  CHECK(m.root() == host.own + "/supervisord.4242");
  CHECK(m.has_kill());
  CHECK(cgroup::Manager::describe(true, host.probe) ==
        "contained: one cgroup per instance under " + host.own);
  CHECK(slurp(m.root() + "/cgroup.subtree_control") == "+pids");  // the last one written

  auto p = program("web", "web:0");
  p.memory_max = 256 << 20;
  p.memory_high = 200 << 20;
  p.cpu_max = "50000 100000";
  p.pids_max = 64;
  std::vector<std::string> skipped;
  auto dir = m.prepare(p, &skipped);
  REQUIRE(dir.ok());
  CHECK(*dir == m.root() + "/web@web%3A0");
  CHECK(skipped.empty());
  CHECK(slurp(*dir + "/memory.max") == "268435456");
  CHECK(slurp(*dir + "/memory.high") == "209715200");
  CHECK(slurp(*dir + "/cpu.max") == "50000 100000");
  CHECK(slurp(*dir + "/pids.max") == "64");

  // No limits: nothing written; membership and emptiness from the files.
  auto plain = m.prepare(program("g", "q"));
  REQUIRE(plain.ok());
  CHECK_FALSE(cgroup::Manager::populated(*plain));
  put(*plain + "/cgroup.events", "populated 1\nfrozen 0\n");
  put(*plain + "/cgroup.procs", "12\n34\n");
  CHECK(cgroup::Manager::populated(*plain));
  CHECK(cgroup::Manager::members(*plain) == std::vector<pid_t>{12, 34});
  // More members than one read's buffer holds: a pid split across two reads stays whole.
  std::string many;
  std::vector<pid_t> expected;
  for (pid_t p = 1000001; p <= 1001000; ++p) {
    many += std::to_string(p) + "\n";
    expected.push_back(p);
  }
  put(*plain + "/cgroup.procs", many);
  std::vector<pid_t> got{7};  // cleared first
  cgroup::Manager::members(*plain, got);
  CHECK(got == expected);
  put(*plain + "/cgroup.procs", "12\n34\n");
  CHECK(cgroup::Manager::oom_kills(*plain) == 0);  // no memory controller: no file
  put(*plain + "/memory.events", "low 0\nhigh 4\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n");
  CHECK(cgroup::Manager::oom_kills(*plain) == 2);
  CHECK(cgroup::Manager::cpu_usec(*plain) == -1);
  put(*plain + "/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
  CHECK(cgroup::Manager::cpu_usec(*plain) == 1500);
  // SIGKILL goes through cgroup.kill when the kernel has it (no pid is signalled).
  CHECK(m.signal_all(*plain, SIGKILL) == 1);
  CHECK(slurp(*plain + "/cgroup.kill") == "1");
}

TEST_CASE("limits whose controller is not delegated are skipped and named") {
  FakeHost host("pids");
  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  auto p = program("g", "p");
  p.memory_max = 1 << 20;
  p.pids_max = 8;
  std::vector<std::string> skipped;
  auto dir = m.prepare(p, &skipped);
  REQUIRE(dir.ok());
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].starts_with("memory.max (the memory controller is not delegated"));
  CHECK(slurp(*dir + "/pids.max") == "8");
  struct stat st {};
  CHECK(::stat((*dir + "/memory.max").c_str(), &st) != 0);
}

TEST_CASE("a cgroup that holds processes refuses controllers: the daemon moves to a leaf") {
  // On a real cgroupfs the write to subtree_control fails with EBUSY while the daemon is
  // in it; the fake cannot refuse, so this checks the no-refusal path: nothing moved.
  FakeHost host("memory");
  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  struct stat st {};
  CHECK(::stat((host.own + "/supervisord").c_str(), &st) != 0);
  CHECK(slurp(host.own + "/cgroup.subtree_control") == "+memory");
}

TEST_CASE("close removes the daemon's empty directories") {
  FakeHost host("");
  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  auto dir = m.prepare(program("g", "p"));
  REQUIRE(dir.ok());
  m.close();
  struct stat st {};
  CHECK(::stat(m.root().c_str(), &st) != 0);
}

TEST_CASE("memory.current: bytes where the memory controller is, -1 without") {
  FakeHost host("memory");
  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  auto dir = m.prepare(program("g", "p"));
  REQUIRE(dir.ok());
  CHECK(cgroup::Manager::memory_current(*dir) == -1);
  put(*dir + "/memory.current", "7340032\n");
  CHECK(cgroup::Manager::memory_current(*dir) == 7340032);
  put(*dir + "/memory.current", "junk\n");
  CHECK(cgroup::Manager::memory_current(*dir) == -1);
}

TEST_CASE("a dead daemon's instance cgroups: empty ones go, populated ones are killed") {
  FakeHost host("");
  // supervisord.5000000 died (no process can have that pid) and left two instances with
  // processes and one empty one; supervisord.1 is alive (init) and is not touched.
  std::string dead = host.own + "/supervisord.5000000";
  for (const char* name : {"web@web_00", "web@web_01", "db@db"}) {
    std::string dir = dead + "/" + name;
    ::mkdir(dead.c_str(), 0755);
    ::mkdir(dir.c_str(), 0755);
  }
  for (const char* name : {"web@web_00", "db@db"}) {
    put(dead + "/" + name + "/cgroup.events", "populated 1\nfrozen 0\n");
    put(dead + "/" + name + "/cgroup.procs", "5000001\n5000002\n");
  }
  std::string alive = host.own + "/supervisord.1/x@x";
  ::mkdir((host.own + "/supervisord.1").c_str(), 0755);
  ::mkdir(alive.c_str(), 0755);

  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  CHECK(m.leftovers() == std::vector<std::string>{dead + "/db@db", dead + "/web@web_00"});
  struct stat st {};
  CHECK(::stat((dead + "/web@web_01").c_str(), &st) != 0);  // empty: removed
  CHECK(::stat(alive.c_str(), &st) == 0);

  // The one crash recovery handles is killed when recovery is done with it.
  auto lines = m.kill_leftovers({cgroup::instance_dir_name("web", "web_00")});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("cgroups: killed 2 processes left in " + dead + "/db@db"));
  CHECK(slurp(dead + "/db@db/cgroup.kill") == "1");
  CHECK(m.leftovers() == std::vector<std::string>{dead + "/web@web_00"});
  CHECK(m.kill_leftover("web@web_01").empty());
  CHECK(m.kill_leftover("web@web_00").size() == 1);
  CHECK(slurp(dead + "/web@web_00/cgroup.kill") == "1");
  CHECK(m.leftovers().empty());
}

TEST_CASE("a dead daemon's populated cgroups are only its own successor's to kill") {
  FakeHost host("");
  // Two supervisords died: 5000000 (this daemon's previous run, says its state file; its
  // directory had to take the .2 suffix) and 5000100, another config's daemon.
  std::vector<std::string> dirs = {host.own + "/supervisord.5000000.2/web@web_00",
                                   host.own + "/supervisord.5000100/web@web_00",
                                   host.own + "/supervisord.50000001/web@web_00"};
  for (const std::string& dir : dirs) {
    ::mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0755);
    ::mkdir(dir.c_str(), 0755);
    put(dir + "/cgroup.events", "populated 1\nfrozen 0\n");
    put(dir + "/cgroup.procs", "5000001\n");
  }
  auto m = cgroup::Manager::detect(true, host.probe);
  REQUIRE(m.contained());
  CHECK(m.leftovers().size() == 3);
  CHECK(m.keep_leftovers_of(5000000) == 2);
  CHECK(m.leftovers() == std::vector<std::string>{dirs[0]});
  CHECK(m.kill_leftovers({}).size() == 1);
  CHECK(slurp(dirs[1] + "/cgroup.kill").empty());  // the other daemon's: untouched
  CHECK(slurp(dirs[0] + "/cgroup.kill") == "1");

  auto unknown = cgroup::Manager::detect(true, host.probe);
  size_t found = unknown.leftovers().size();
  CHECK(found >= 2);
  CHECK(unknown.keep_leftovers_of(0) == found);  // no state file: none is known to be ours
  CHECK(unknown.leftovers().empty());
}
