"""supervisord -n as PID 1 of a PID namespace, as in a container: it reaps the orphans it
adopts (not only its programs), sends program output to its own stdout when told to,
stops the programs in priority order on SIGTERM and exits 0, and leaves nothing behind.

The namespace is made by the test (`unshare --pid --fork --mount-proc`); the daemon's pid
as the host sees it is the child of the unshare process. Every process is found from the
host's /proc by parent pid and cleaned up by pid."""
import os
import signal
import subprocess

import pytest

from support import Daemon, proc_pids, pid_alive, wait_for, kill_pids


def can_unshare_pid():
    try:
        r = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                           capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


pytestmark = pytest.mark.skipif(not can_unshare_pid(),
                                reason="no permission to make a PID namespace here")


def children(pid, include_zombies=False):
    return proc_pids(lambda f: int(f[1]) == pid and (include_zombies or f[0] != "Z"))


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        kids = children(todo.pop(), include_zombies=True)
        out += kids
        todo += kids
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.fixture
def init(tmp_path):
    """Our supervisord as PID 1 of a new PID namespace; yields (daemon, host pid of PID 1)."""
    marker = tmp_path / "orphan.started"
    body = f"""
[program:first]
command=sleep 1001
priority=10
startsecs=0

[program:last]
command=sleep 1002
priority=20
startsecs=0

[program:talker]
command=sh -c 'echo talker-says-hello; exec sleep 1003'
priority=30
startsecs=0
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0

[program:orphaner]
command=sh -c 'setsid sh -c "touch {marker}; exec sleep 1004" & exit 0'
priority=40
startsecs=0
autorestart=false
; the orphan leaves the group with setsid; without this its group would get the stop
; signal when the shell exits, before setsid ran
reap_group=false
"""
    d = Daemon(tmp_path, body)
    # --kill-child: should the test lose unshare, PID 1 (and so the namespace) goes with it.
    d.prefix = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"]
    d.start()
    pid1 = wait_for(lambda: (children(d.proc.pid) or [None])[0], what="PID 1 of the namespace")
    seen = set()
    try:
        yield d, pid1, marker, seen
    finally:
        seen.update(descendants(pid1))
        if d.proc.poll() is None:
            os.kill(pid1, signal.SIGTERM)   # unshare ignores it while it waits
            try:
                d.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_pids([pid1, d.proc.pid])
                d.proc.wait(timeout=10)
        kill_pids(seen)
        d.out.close()


def test_as_pid_1_it_reaps_adopted_orphans_and_output_goes_to_its_stdout(init):
    d, pid1, marker, seen = init
    # The daemon runs as PID 1 inside: its own pidfile says so.
    assert wait_for(lambda: (d.dir / "supervisord.pid").read_text().strip() == "1",
                    what="pidfile with pid 1")
    wait_for(lambda: marker.exists(), what="the orphan started")
    # The orphaner's shell exited; its setsid child was adopted by PID 1 (our daemon).
    orphan = wait_for(lambda: next((p for p in children(pid1) if cmdline(p) == "sleep 1004"),
                                   None), what="the adopted orphan")
    seen.add(orphan)
    names = {cmdline(p) for p in children(pid1)}
    assert {"sleep 1001", "sleep 1002", "sleep 1003"} <= names, names
    os.kill(orphan, signal.SIGKILL)
    # Reaped: gone from /proc, not left as a zombie of PID 1.
    wait_for(lambda: state(orphan) is None, what=f"orphan {orphan} reaped (state {state(orphan)})")
    assert not [p for p in children(pid1, include_zombies=True) if state(p) == "Z"]
    # The programs are untouched by the orphan's end.
    info = {p["name"]: p["statename"] for p in d.rpc.supervisor.getAllProcessInfo()}
    assert info["first"] == info["last"] == info["talker"] == "RUNNING", info
    # talker's stdout_logfile=/dev/stdout is the daemon's own stdout (here the test's file).
    wait_for(lambda: b"talker-says-hello" in (d.dir / "daemon-ours.out").read_bytes(),
             what="program output on the daemon's stdout")


def test_sigterm_to_pid_1_stops_in_priority_order_exits_0_and_leaves_nothing(init):
    d, pid1, marker, seen = init
    # The three programs and the orphan (the orphaner's shell comes and goes before it).
    wait_for(lambda: marker.exists() and
             {"sleep 1001", "sleep 1002", "sleep 1003", "sleep 1004"}
             <= {cmdline(p) for p in children(pid1)},
             what="the programs and the orphan running")
    everything = descendants(pid1)
    seen.update(everything)
    assert len(everything) >= 4
    os.kill(pid1, signal.SIGTERM)   # as `docker stop` does, to PID 1 itself
    assert d.proc.wait(timeout=30) == 0
    log = open(d.logfile).read()
    # Supervisor's order: the highest priority number is stopped first.
    order = [log.find(f"stopped: {n} ") for n in ("talker", "last", "first")]
    assert all(i >= 0 for i in order), log[-2000:]
    assert order == sorted(order), log[-2000:]
    # Nothing of the namespace is left: the daemon, its programs, the adopted orphan.
    wait_for(lambda: not [p for p in [pid1, *everything] if pid_alive(p)],
             what="every process of the namespace gone")
