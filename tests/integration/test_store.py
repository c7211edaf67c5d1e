"""The state that outlives the daemon (store issue): crash recovery after kill -9, history
across restarts, remembered admin state, and a broken statefile that must not stop
supervision. Every process is found and killed by pid; waits are bounded polls.

Tests that need the store wired into the daemon skip (with a clear reason) when the daemon
does not list supervisor.getProcessHistory in system.listMethods."""
import os
import random
import signal
import socket
import time
import xmlrpc.client

import pytest

from support import TESTCHILD, kill_pids, pid_alive, wait_for

SYSTEM_PYTHON = "/usr/bin/python3"

# A master that binds a port, forks workers that keep the listening socket, records every
# pid, and sleeps. SIGTERM kills the master only (default action): the workers stay behind
# holding the port, which is what a crash of supervisord leaves too. A failed bind exits 3.
SERVER = r'''
import os, signal, socket, sys, time
base, num, nworkers, outdir = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", base + num))
    s.listen(16)
except OSError as e:
    print("bind failed:", e, flush=True)
    sys.exit(3)
pids = [os.getpid()]
for _ in range(nworkers):
    pid = os.fork()
    if pid == 0:
        while True:
            signal.pause()
    pids.append(pid)
tmp = os.path.join(outdir, "web-%d.pids.tmp" % num)
with open(tmp, "w") as f:
    f.write(" ".join(map(str, pids)) + "\n")
os.rename(tmp, os.path.join(outdir, "web-%d.pids" % num))
while True:
    signal.pause()
'''

NUMPROCS = 4
WORKERS = 2


def free_port_base(count):
    for _ in range(200):
        base = random.randrange(20000, 60000 - count)
        socks = []
        try:
            for i in range(count):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError("no free port range")


def has_history(d):
    return "supervisor.getProcessHistory" in d.rpc.system.listMethods()


def require_store(d):
    if not has_history(d):
        pytest.skip("the daemon does not expose supervisor.getProcessHistory yet "
                    "(store not wired into supervisord/run/daemon.cc)")


def read_pids(outdir, num):
    path = os.path.join(outdir, "web-%d.pids" % num)
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return None


def proc_states(pids):
    """pid -> the state letter and command of each, for a failure message."""
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            out[pid] = stat.rsplit(")", 1)[1].split()[0] + " " + stat.split("(", 1)[1].rsplit(")", 1)[0]
        except OSError as e:
            out[pid] = str(e)
    return out


def recovery_lines(d):
    """The daemon log's crash recovery and cgroup lines, for a failure message."""
    with open(d.logfile) as f:
        return "".join(line for line in f if "recovery" in line or "cgroup" in line
                       or "spawned" in line)


def infos(d, group):
    return {i["name"]: i for i in d.rpc.supervisor.getAllProcessInfo() if i["group"] == group}


def web_body(tmp_path, base):
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    outdir = tmp_path / "pids"
    outdir.mkdir(exist_ok=True)
    return str(outdir), f"""[program:web]
command={SYSTEM_PYTHON} {script} {base} %(process_num)d {WORKERS} {outdir}
process_name=%(program_name)s_%(process_num)02d
numprocs={NUMPROCS}
startsecs=1
startretries=0
stopwaitsecs=3
autorestart=false
"""


def test_kill9_then_restart_stops_old_instances_before_starting_new(daemon_factory, tmp_path):
    base = free_port_base(NUMPROCS)
    outdir, body = web_body(tmp_path, base)
    d = daemon_factory(body)
    old = []   # every pid of the first run, killed by pid in `finally`
    new = []
    try:
        require_store(d)
        wait_for(lambda: all(i["statename"] == "RUNNING" for i in infos(d, "web").values())
                 and len(infos(d, "web")) == NUMPROCS, timeout=20, what="4 instances RUNNING")
        for num in range(NUMPROCS):
            pids = wait_for(lambda: read_pids(outdir, num), what=f"pids of web_{num:02d}")
            assert len(pids) == 1 + WORKERS
            old.extend(pids)
            os.unlink(os.path.join(outdir, "web-%d.pids" % num))
        old_masters = {i["pid"] for i in infos(d, "web").values()}
        assert old_masters <= set(old)

        os.kill(d.proc.pid, signal.SIGKILL)
        d.proc.wait(timeout=10)
        d.out.close()
        crash_ms = time.time() * 1000
        assert all(pid_alive(p) for p in old), "instances died with supervisord: nothing to recover"

        d.start()
        wait_for(lambda: len(infos(d, "web")) == NUMPROCS and all(
            i["statename"] in ("RUNNING", "FATAL") for i in infos(d, "web").values()),
            timeout=30, what="new instances settled")
        states = {n: i["statename"] for n, i in infos(d, "web").items()}
        assert set(states.values()) == {"RUNNING"}, states   # FATAL = the port was still held
        for num in range(NUMPROCS):
            pids = wait_for(lambda: read_pids(outdir, num), what=f"new pids of web_{num:02d}")
            new.extend(pids)
        # No duplicates, no orphans: every process of the first run is gone.
        alive = [p for p in old if pid_alive(p)]
        assert alive == [], (f"processes of the killed run still alive: {proc_states(alive)}; "
                             f"old pids {old}; daemon log:\n{recovery_lines(d)}")
        assert not (set(new) & set(old))
        assert len([i for i in infos(d, "web").values() if i["statename"] == "RUNNING"]) == NUMPROCS

        # The new masters bound at their first try: no BACKOFF/FATAL after the restart.
        hist = d.rpc.supervisor.getProcessHistory("web:*", 1000)
        after = [h for h in hist if h["time"] * 1000 >= crash_ms]
        assert not [h for h in after if h["to"] in ("BACKOFF", "FATAL", "EXITED")], after
        # History survived the crash: the first run's transitions are still there.
        before = [h for h in hist if h["time"] * 1000 < crash_ms]
        assert {h["pid"] for h in before if h["to"] == "RUNNING"} == old_masters

        log = open(d.logfile).read()
        assert "did not shut down cleanly" in log
        for num in range(NUMPROCS):
            assert f"crash recovery: found web:web_{num:02d}" in log, recovery_lines(d)
        assert "crash recovery: done:" in log
        # Each instance started only after its own old group was gone.
        for num in range(NUMPROCS):
            assert (log.index(f"crash recovery: web:web_{num:02d} (pid")
                    < log.rindex(f"spawned: 'web_{num:02d}'"))
    finally:
        kill_pids(old + new)


def test_history_survives_a_clean_restart(daemon_factory):
    d = daemon_factory(f"""[program:sleeper]
command={TESTCHILD} sleep
startsecs=0
""")
    require_store(d)
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("sleeper")["statename"] == "RUNNING",
             what="sleeper RUNNING")
    first_pid = d.rpc.supervisor.getProcessInfo("sleeper")["pid"]
    d.stop()
    d.start()
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("sleeper")["statename"] == "RUNNING",
             what="sleeper RUNNING again")
    hist = d.rpc.supervisor.getProcessHistory("sleeper", 100)
    arcs = [(h["from"], h["to"], h["pid"]) for h in hist]
    assert ("STARTING", "RUNNING", first_pid) in arcs
    assert ("STOPPING", "STOPPED", first_pid) in arcs
    assert arcs[-1][:2] == ("STARTING", "RUNNING")
    for h in hist:
        assert set(h) >= {"time", "group", "name", "from", "to", "pid", "exitstatus", "signal",
                          "spawnerr", "tries"}
    assert len(d.rpc.supervisor.getProcessHistory("sleeper", 1)) == 1
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.rpc.supervisor.getProcessHistory("sleeper", -1)
    assert e.value.faultCode == 2


def test_admin_stop_is_remembered_across_restart(daemon_factory):
    d = daemon_factory(f"""[program:a]
command={TESTCHILD} sleep
startsecs=0

[program:b]
command={TESTCHILD} sleep
startsecs=0
""", extra_main="remember_state=true\n")
    require_store(d)
    wait_for(lambda: all(d.rpc.supervisor.getProcessInfo(n)["statename"] == "RUNNING"
                         for n in ("a", "b")), what="a and b RUNNING")
    d.rpc.supervisor.stopProcess("b")
    d.stop()
    d.start()
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("a")["statename"] == "RUNNING",
             what="a RUNNING after restart")
    assert d.rpc.supervisor.getProcessInfo("b")["statename"] == "STOPPED"
    d.rpc.supervisor.startProcess("b")   # started again: forgotten
    d.stop()
    d.start()
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("b")["statename"] == "RUNNING",
             what="b RUNNING after second restart")


# A corrupt file is moved aside and replaced: test_stop_timing.py.
@pytest.mark.parametrize("kind", ["unwritable"])
def test_broken_statefile_does_not_stop_supervision(daemon_factory, tmp_path, kind):
    extra = "statefile=/proc/no-such-dir/supervisord.state\n"
    d = daemon_factory(f"""[program:sleeper]
command={TESTCHILD} sleep
startsecs=0
""", extra_main=extra)
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("sleeper")["statename"] == "RUNNING",
             what="sleeper RUNNING despite the statefile")
    if has_history(d):
        with pytest.raises(xmlrpc.client.Fault) as e:
            d.rpc.supervisor.getProcessHistory("", 10)
        assert e.value.faultCode == 30 and "state store unavailable" in e.value.faultString
        assert "supervising without persistent state" in open(d.logfile).read()
