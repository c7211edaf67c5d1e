"""Stop deadlines, per-instance crash-recovery gating, stop order and a corrupt state file
Every process is found and killed by pid; waits are bounded polls."""
import glob
import os
import re
import signal
import time

import pytest

from support import TESTCHILD, kill_pids, pid_alive, proc_pids, wait_for


def ignores_term(pid):
    """True once /proc says the process ignores SIGTERM (SigIgn bit 15)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigIgn:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    except OSError:
        pass
    return False


def group_members(pgid):
    return proc_pids(lambda fields: int(fields[2]) == pgid and fields[0] != "Z")


def info(d, name):
    return d.rpc.supervisor.getProcessInfo(name)


# A master and a forked worker in its process group, both ignoring SIGTERM.
STUBBORN_TREE = f'/bin/sh -c "{TESTCHILD} ignore-term & exec {TESTCHILD} ignore-term"'


def test_stop_of_a_stubborn_master_and_worker_takes_stopwaitsecs_not_twice(daemon_factory):
    """One deadline for the whole tree: stopwaitsecs after the stop signal, then SIGKILL to
    the master and its group together (it took 2 x stopwaitsecs: the group wait started its
    own clock after the master's SIGKILL)."""
    stopwaitsecs = 2
    d = daemon_factory(f"""[program:tree]
command={STUBBORN_TREE}
startsecs=0
stopwaitsecs={stopwaitsecs}
""")
    pids = []
    try:
        wait_for(lambda: info(d, "tree")["statename"] == "RUNNING", what="tree RUNNING")
        master = info(d, "tree")["pid"]
        pids = wait_for(lambda: (lambda m: m if len(m) == 2 and all(map(ignores_term, m)) else None)(
            group_members(master)), what="master and worker ignoring SIGTERM")
        assert master in pids
        t0 = time.monotonic()
        assert d.rpc.supervisor.stopProcess("tree") is True
        elapsed = time.monotonic() - t0
        print(f"stop of master + worker, both ignoring SIGTERM, stopwaitsecs={stopwaitsecs}: "
              f"{elapsed:.2f} s")
        assert info(d, "tree")["statename"] == "STOPPED"
        assert stopwaitsecs - 0.1 <= elapsed < stopwaitsecs * 1.5
        wait_for(lambda: not any(pid_alive(p) for p in pids), timeout=2, what="both pids gone")
    finally:
        kill_pids(pids)


def test_recovery_starts_each_instance_when_its_own_old_group_is_gone(daemon_factory):
    """After a crash of the daemon, an instance waits for its own predecessor only: the
    fast one is RUNNING again at once while the slow one's old process (ignores SIGTERM,
    stopwaitsecs=30) is still being stopped; the slow one starts as soon as its old process
    is gone."""
    d = daemon_factory(f"""[program:slow]
command={TESTCHILD} ignore-term
startsecs=0
stopwaitsecs=30
autorestart=false
priority=1

[program:fast]
command={TESTCHILD} sleep
startsecs=0
stopwaitsecs=30
autorestart=false
priority=2
""")
    old = []
    new = []
    try:
        wait_for(lambda: all(info(d, n)["statename"] == "RUNNING" for n in ("slow", "fast")),
                 what="both RUNNING")
        old_slow, old_fast = info(d, "slow")["pid"], info(d, "fast")["pid"]
        old = [old_slow, old_fast]
        wait_for(lambda: ignores_term(old_slow), what="slow ignoring SIGTERM")
        os.kill(d.proc.pid, signal.SIGKILL)
        d.proc.wait(timeout=10)
        d.out.close()
        assert pid_alive(old_slow) and pid_alive(old_fast)

        t0 = time.monotonic()
        d.start()
        wait_for(lambda: info(d, "fast")["statename"] == "RUNNING"
                 and info(d, "fast")["pid"] not in (0, old_fast), timeout=10,
                 what="fast RUNNING again with a new pid")
        elapsed = time.monotonic() - t0
        new.append(info(d, "fast")["pid"])
        print(f"fast instance RUNNING again {elapsed:.2f} s after the restart "
              f"(slow one's stopwaitsecs: 30 s)")
        assert elapsed < 10
        assert not pid_alive(old_fast)
        # The slow one waits for its own old process, which is still there.
        assert pid_alive(old_slow)
        assert info(d, "slow")["statename"] == "STOPPED"
        kill_pids([old_slow])   # gone: its successor starts now, not at 30 s
        wait_for(lambda: info(d, "slow")["statename"] == "RUNNING", timeout=10,
                 what="slow RUNNING once its old process is gone")
        new.append(info(d, "slow")["pid"])
        assert new[-1] != old_slow
        log = open(d.logfile).read()
        assert log.index("crash recovery: fast:fast") < log.rindex("spawned: 'fast'")
    finally:
        kill_pids(old + new)


ORDER_BODY = """[program:b]
command={tc} sleep
startsecs=0

[program:a]
command={tc} sleep
startsecs=0

[program:c]
command={tc} sleep
startsecs=0

[program:early]
command={tc} sleep
startsecs=0
priority=1

[program:late]
command={tc} sleep
startsecs=0
priority=2000

[program:n]
command={tc} sleep
startsecs=0
numprocs=3
process_name=%(program_name)s_%(process_num)d

[group:g]
programs=p2,p1,p3

[program:p1]
command={tc} sleep
startsecs=0
priority=5

[program:p2]
command={tc} sleep
startsecs=0
priority=5

[program:p3]
command={tc} sleep
startsecs=0
priority=7
"""

KILL_LINE = re.compile(r"killing (\S+) \(pid \d+\) (?:process group )?with signal SIGTERM")


def stop_order(d, how):
    wait_for(lambda: len(d.rpc.supervisor.getAllProcessInfo()) == 11 and all(
        i["statename"] == "RUNNING" for i in d.rpc.supervisor.getAllProcessInfo()),
        timeout=20, what=f"{d.impl}: all RUNNING")
    if how == "shutdown":
        d.stop()   # SIGTERM to the daemon, waits for its exit
    else:
        d.rpc.supervisor.stopAllProcesses()
    return KILL_LINE.findall(open(d.logfile).read())


@pytest.mark.parametrize("how", ["shutdown", "stopAllProcesses"])
def test_stop_order_matches_python(daemon_factory, how):
    """The order in which processes get their stop signal (the debug line "killing NAME
    (pid N) with signal SIGTERM", the same in both daemons), ours against Python's.
    Shutdown: groups in descending priority, equal priorities in reverse name order (we
    stopped those in name order); inside a group descending priority, ties in the reverse
    of the group's order — name order for numprocs instances, the programs= list order in
    a [group:x] (we used name order there). stopAllProcesses: the same orders ascending,
    as Supervisor's _getAllProcesses."""
    body = ORDER_BODY.format(tc=TESTCHILD)
    py = stop_order(daemon_factory(body, impl="py"), how)
    ours = stop_order(daemon_factory(body), how)
    print(f"{how}: python {py}")
    assert ours == py
    if how == "shutdown":
        assert py == ["late", "n_2", "n_1", "n_0", "p3", "p1", "p2", "c", "b", "a", "early"]


def test_corrupt_statefile_is_moved_aside_and_a_fresh_one_used(daemon_factory, tmp_path):
    """A corrupt state file no longer turns history and crash recovery off for good: it is
    renamed <path>.corrupt-<time> (kept), a fresh one records history, the log says so, and
    `supervisorctl why` (the daemon) tells that crash recovery had no record."""
    sub = tmp_path / "ours"
    sub.mkdir()
    garbage = b"this is not a database\n" * 400
    (sub / "supervisord.state").write_bytes(garbage)
    d = daemon_factory(f"""[program:sleeper]
command={TESTCHILD} sleep
startsecs=0
""")
    wait_for(lambda: info(d, "sleeper")["statename"] == "RUNNING", what="sleeper RUNNING")
    moved = glob.glob(str(sub / "supervisord.state.corrupt-*"))
    assert len(moved) == 1, moved
    assert open(moved[0], "rb").read() == garbage
    assert (sub / "supervisord.state").read_bytes().startswith(b"SQLite format 3")
    hist = wait_for(lambda: d.rpc.supervisor.getProcessHistory("sleeper", 10),
                    what="history recorded in the fresh file")
    assert ("STARTING", "RUNNING") in [(h["from"], h["to"]) for h in hist]
    log = open(d.logfile).read()
    assert f"is corrupt (file is not a database): moved to {moved[0]}" in log
    assert "supervising without persistent state" not in log
    diag = d.rpc.supervisor.getDaemonDiagnosis()
    assert diag["recovery_record"] is False
    r = d.ctl("why")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"moved to {moved[0]}" in r.stdout
    assert "crash recovery: no record" in r.stdout
    # A sound file next time: nothing moved again, recovery has its record.
    d.stop()
    d.start()
    wait_for(lambda: info(d, "sleeper")["statename"] == "RUNNING", what="sleeper RUNNING again")
    assert len(glob.glob(str(sub / "supervisord.state.corrupt-*"))) == 1
    assert d.rpc.supervisor.getDaemonDiagnosis()["recovery_record"] is True
