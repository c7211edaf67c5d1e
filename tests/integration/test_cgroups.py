"""cgroup v2 containment (extension): every instance in its own cgroup, so a stop reaches
what escaped the process group (setsid, double fork). Runs for real where this machine's
cgroup2 is writable (found from /proc/self/mountinfo), and is skipped cleanly where not;
limits that need a controller the machine lacks are unit-tested on a fake tree
(tests/unit/cgroup_test.cc). The fallback (cgroups=false) keeps process-group behaviour."""
import os
import re
import signal
import socket
import subprocess
import sys

import pytest

from support import OUR_SUPERVISORD, TESTCHILD, kill_pids, pid_alive, wait_for

ESCAPER = r"""
import os, signal, socket, sys, time
out = sys.argv[1]
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:          # the escaped daemon: new session, not our child any more
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        with open(out + ".tmp", "w") as f:
            f.write("%d %d" % (os.getpid(), s.getsockname()[1]))
        os.rename(out + ".tmp", out)
        while True:
            time.sleep(60)
    os._exit(0)
os.waitpid(child, 0)
while True:
    time.sleep(60)
"""


def cgroup2_dir():
    """This process's cgroup v2 directory, or None."""
    mount = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            before, _, after = line.partition(" - ")
            if after.split()[:1] == ["cgroup2"]:
                mount = before.split()[4]
                break
    if mount is None:
        return None
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                path = line.strip()[3:]
                return mount if path == "/" else mount + path
    return None


def writable_cgroup():
    d = cgroup2_dir()
    if d is None:
        return None
    probe = os.path.join(d, "supervisord-test-probe.%d" % os.getpid())
    try:
        os.mkdir(probe)
        os.rmdir(probe)
    except OSError:
        return None
    return d


needs_cgroups = pytest.mark.skipif(writable_cgroup() is None,
                                   reason="cgroup v2 is not writable here")


def start_escaper(daemon_factory, tmp_path, extra_main="", extra_program=""):
    script = tmp_path / "escaper.py"
    script.write_text(ESCAPER)
    out = tmp_path / "escaped"
    d = daemon_factory(f"""[program:esc]
command={sys.executable} {script} {out}
startsecs=0
stopwaitsecs=1
autorestart=false
{extra_program}
""", extra_main=extra_main)
    wait_for(lambda: out.exists(), timeout=10, what="the escaped daemon's port file")
    pid, port = map(int, out.read_text().split())
    return d, pid, port


def port_free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def cgroup_of(pid):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line.strip()[3:]
    return ""


@needs_cgroups
def test_stop_reaches_an_escaped_double_forked_daemon(daemon_factory, tmp_path):
    d, pid, port = start_escaper(daemon_factory, tmp_path)
    try:
        # Contained: the escaped daemon is in the instance's cgroup, not the test's.
        assert cgroup_of(pid).endswith(f"/supervisord.{d.proc.pid}/esc@esc")
        assert not port_free(port)
        inst = writable_cgroup() + cgroup_of(pid)[len(cgroup_of(os.getpid()).rstrip("/")):]
        assert os.path.isdir(inst)
        # status -v counts members from the cgroup: the escaped daemon is a worker.
        tree = d.rpc.supervisor.getAllProcessTreeInfo()[0]
        assert pid in tree["workers"] and tree["cgroup"] == inst
        assert tree["cpu_seconds"] > 0   # cpu.stat of the whole cgroup
        assert re.search(rf"workers 1 \({pid}\)", d.ctl("status", "-v", "esc").stdout)
        r = d.ctl("stop", "esc", timeout=20)
        assert r.stdout.strip() == "esc: stopped", r.stdout + r.stderr
        # SIGTERM was ignored: cgroup.kill at stopwaitsecs took it; nothing remains.
        wait_for(lambda: not pid_alive(pid), timeout=5, what="escaped daemon gone")
        assert port_free(port)
        assert d.rpc.supervisor.getProcessInfo("esc")["statename"] == "STOPPED"
        assert not os.path.exists(inst), "the instance's cgroup is removed once empty"
        # Started again, it gets a fresh cgroup and is contained again.
        (tmp_path / "escaped").unlink()
        assert d.ctl("start", "esc").returncode == 0
        wait_for(lambda: (tmp_path / "escaped").exists(), timeout=10, what="second run")
        pid2 = int((tmp_path / "escaped").read_text().split()[0])
        assert cgroup_of(pid2).endswith("/esc@esc")
    finally:
        for p in (tmp_path / "escaped",):
            if p.exists():
                kill_pids([int(p.read_text().split()[0])])
        kill_pids([pid])
    root = os.path.dirname(inst)
    d.stop()
    wait_for(lambda: not os.path.exists(root), timeout=5, what="the daemon's cgroup removed")


@needs_cgroups
def test_daemon_exit_leaves_nothing_of_a_contained_instance(daemon_factory, tmp_path):
    # reap_group=false: the instance is STOPPED with its escaped daemon still in its
    # cgroup; the daemon's exit kills it (cgroup.kill) and removes the cgroups.
    d, pid, port = start_escaper(daemon_factory, tmp_path, extra_program="reap_group=false")
    try:
        root = os.path.dirname(writable_cgroup() + cgroup_of(pid)[len(cgroup_of(os.getpid()).rstrip("/")):])
        assert os.path.basename(root) == f"supervisord.{d.proc.pid}"
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(timeout=20) == 0
        assert not pid_alive(pid)
        assert port_free(port)
        assert not os.path.exists(root)
    finally:
        kill_pids([pid])


def test_fallback_cgroups_false_keeps_process_group_behaviour(daemon_factory, tmp_path):
    d, pid, port = start_escaper(daemon_factory, tmp_path, extra_main="cgroups=false")
    try:
        assert "/supervisord." not in cgroup_of(pid)
        r = d.ctl("stop", "esc", timeout=20)
        assert r.stdout.strip() == "esc: stopped", r.stdout + r.stderr
        # As before cgroups: the setsid daemon left the process group and survives.
        assert pid_alive(pid)
        assert not port_free(port)
    finally:
        kill_pids([pid])
    wait_for(lambda: not pid_alive(pid), timeout=5, what="test cleanup")


def check_config(tmp_path, extra_main):
    conf = tmp_path / "check.conf"
    conf.write_text(f"[supervisord]\nlogfile={tmp_path}/l.log\n{extra_main}\n"
                    "[program:x]\ncommand=/bin/true\n")
    r = subprocess.run([OUR_SUPERVISORD, "-c", str(conf), "--check-config"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return [l for l in r.stdout.splitlines() if l.startswith("containment: ")]


def test_check_config_says_which_mode(tmp_path):
    assert check_config(tmp_path, "cgroups=false") == [
        "containment: disabled (cgroups=false): process groups only"]
    mode = check_config(tmp_path, "")
    assert len(mode) == 1
    expected = "contained" if writable_cgroup() else "unavailable"
    assert mode[0].startswith("containment: " + expected), mode


def test_limits_are_checked_with_file_and_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"[supervisord]\nlogfile={tmp_path}/l.log\n"
                    "[program:x]\ncommand=/bin/true\ncpu_max=fast\n")
    r = subprocess.run([OUR_SUPERVISORD, "-c", str(conf), "--check-config"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert f"{conf}:5" in r.stderr and "invalid cpu_max 'fast'" in r.stderr, r.stderr


def pids_delegable():
    d = cgroup2_dir()
    try:
        with open(os.path.join(d, "cgroup.controllers")) as f:
            return writable_cgroup() is not None and "pids" in f.read().split()
    except (OSError, TypeError):
        return False


@pytest.mark.skipif(not pids_delegable(), reason="no pids controller in cgroup v2 here")
def test_fork_bomb_is_bounded_by_pids_max(daemon_factory, tmp_path):
    script = tmp_path / "bomb.py"
    script.write_text("import os, time\n"
                      "for _ in range(200):\n"
                      "    try:\n"
                      "        if os.fork() == 0:\n"
                      "            time.sleep(60); os._exit(0)\n"
                      "    except OSError:\n"
                      "        break\n"
                      "time.sleep(60)\n")
    d = daemon_factory(f"[program:bomb]\ncommand={sys.executable} {script}\nstartsecs=0\n"
                       "pids_max=10\nstopwaitsecs=1\n")
    info = d.rpc.supervisor.getProcessInfo("bomb")
    inst = None
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("bomb")["pid"] > 0, what="bomb up")
    pid = d.rpc.supervisor.getProcessInfo("bomb")["pid"]
    inst = writable_cgroup() + cgroup_of(pid)[len(cgroup_of(os.getpid()).rstrip("/")):]
    with open(os.path.join(inst, "pids.max")) as f:
        assert f.read().strip() == "10"
    del info
    r = d.ctl("stop", "bomb", timeout=20)
    assert r.stdout.strip() == "bomb: stopped"


@needs_cgroups
def test_fallback_when_cgroup2_is_read_only_for_the_daemon(daemon_factory, tmp_path):
    """The daemon runs in a mount namespace where the cgroup2 mount is read-only (a
    per-mount flag: the host's mount stays writable): one warning, process groups only."""
    mount = cgroup2_dir()
    while not os.path.ismount(mount):
        mount = os.path.dirname(mount)
    script = tmp_path / "escaper.py"
    script.write_text(ESCAPER)
    out = tmp_path / "escaped"
    d = daemon_factory(f"[program:esc]\ncommand={sys.executable} {script} {out}\nstartsecs=0\n"
                       "stopwaitsecs=1\nautorestart=false\n", start=False)
    d.prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                'mount -o remount,bind,ro "$0" && exec "$@"', mount]
    d.start()
    wait_for(lambda: out.exists(), timeout=10, what="the escaped daemon's port file")
    pid, port = map(int, out.read_text().split())
    try:
        log = open(d.logfile).read()
        assert log.count("cgroups unavailable (cannot create ") == 1, log
        assert "Read-only file system" in log
        assert "/supervisord." not in cgroup_of(pid)
        r = d.ctl("stop", "esc", timeout=20)
        assert r.stdout.strip() == "esc: stopped", r.stdout + r.stderr
        assert pid_alive(pid) and not port_free(port)   # today's process-group behaviour
    finally:
        kill_pids([pid])


@needs_cgroups
def test_another_daemons_start_leaves_a_crashed_daemons_processes_alone(daemon_factory,
                                                                        tmp_path):
    # Two supervisords on one host, each with its own config and state file. When one dies
    # (SIGKILL), the other's start must not take the dead one's cgroups for its own and kill
    # what runs there (seen in CI: a parallel test's daemon killed test_store's crashed
    # instances before their own successor could recover them). Only the dead daemon's
    # successor, whose state file names it, stops them.
    d, pid, port = start_escaper(daemon_factory, tmp_path)
    masters = d.child_pids()
    try:
        d.proc.kill()
        d.proc.wait(timeout=10)
        assert pid_alive(pid) and masters and all(pid_alive(m) for m in masters)
        other = daemon_factory(f"[program:b]\ncommand={TESTCHILD} sleep\nstartsecs=0\n",
                               sub="other")
        wait_for(lambda: other.rpc.supervisor.getProcessInfo("b")["statename"] == "RUNNING",
                 what="the other daemon's program running")
        # The other daemon's sweep and autostart are done: the dead daemon's processes live.
        assert pid_alive(pid) and all(pid_alive(m) for m in masters)
        assert not port_free(port)
        log = open(other.logfile).read()
        assert "not this daemon's previous run: left alone" in log, log
        assert "cgroups: killed" not in log, log
        (tmp_path / "escaped").unlink()
        d.start()
        wait_for(lambda: not pid_alive(pid), timeout=10, what="the escaped daemon killed")
        assert not any(pid_alive(m) for m in masters)
    finally:
        kill_pids([pid, *masters])


@needs_cgroups
def test_a_crashed_daemons_escaped_process_is_killed_at_the_next_start(daemon_factory, tmp_path):
    # SIGKILL to supervisord leaves the instance and its escaped setsid daemon running in the
    # dead daemon's cgroup; the next start stops the recorded master (crash recovery) and
    # kills what escaped its process group with it, before the successor starts.
    d, pid, port = start_escaper(daemon_factory, tmp_path)
    masters = d.child_pids()
    try:
        d.proc.kill()
        d.proc.wait(timeout=10)
        assert pid_alive(pid)
        (tmp_path / "escaped").unlink()
        d.start()
        wait_for(lambda: not pid_alive(pid), timeout=10, what="the escaped daemon killed")
        assert port_free(port)
        # The line is written once the cgroup is empty and removed, a moment after the kill.
        killed = re.compile(r"cgroups: killed 1 process left in \S+/supervisord\.\d+/esc@esc "
                            r"by a supervisord that died")
        wait_for(lambda: killed.search(open(d.logfile).read()), timeout=10,
                 what="the cgroup kill logged")
    finally:
        kill_pids([pid, *masters])
