"""Zero-downtime extensions with the helper child and small Python children: runtime
scaling (only the difference moves; the count survives update and daemon restarts until
numprocs changes; scale does not pick up pending file changes), and bad input to readiness (notify datagrams from a foreign pid and
garbage are ignored; an HTTP probe target that accepts and never answers times out
without blocking the loop). The gunicorn cases are in tests/e2e/test_zero_downtime.py."""
import os
import signal
import socket
import subprocess
import time

from support import TESTCHILD, wait_for, pid_alive


def web(numprocs, extra=""):
    return (f"[program:web]\ncommand={TESTCHILD} sleep\nnumprocs={numprocs}\n"
            f"process_name=%(program_name)s_%(process_num)02d\nstartsecs=0\n{extra}\n")


def pids(d):
    return {p["name"]: p["pid"] for p in d.rpc.supervisor.getAllProcessInfo()
            if p["statename"] == "RUNNING"}


def running(d, names):
    return lambda: set(pids(d)) == set(names)


def rewrite(d, body):
    text = open(d.conf).read()
    head = text[:text.index("[program:web]")]
    open(d.conf, "w").write(head + body)


def test_scale_moves_only_the_difference_and_is_kept_until_numprocs_changes(daemon_factory):
    d = daemon_factory(web(2), extra_main="remember_state=true")
    wait_for(running(d, ["web_00", "web_01"]), what="2 running")
    first = pids(d)

    r = d.ctl("scale", "web", "4")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "web: scaled 2 -> 4" in r.stdout
    wait_for(running(d, ["web_00", "web_01", "web_02", "web_03"]), what="4 running")
    now = pids(d)
    assert now["web_00"] == first["web_00"] and now["web_01"] == first["web_01"]

    r = d.ctl("scale", "web", "-1")
    assert r.returncode == 0 and "web: scaled 4 -> 3" in r.stdout, r.stdout
    wait_for(running(d, ["web_00", "web_01", "web_02"]), what="highest removed")
    assert not pid_alive(now["web_03"])
    kept = pids(d)

    # update keeps the count (the file still says 2); nothing moves.
    r = d.ctl("update")
    assert r.returncode == 0
    assert pids(d) == kept
    assert d.ctl("scale", "web", "0").returncode != 0   # never below 1

    # A daemon restart keeps it too (state file next to the pidfile, remember_state=true).
    d.stop()
    d.start()
    wait_for(running(d, ["web_00", "web_01", "web_02"]), what="3 after restart")

    # The file's numprocs changes: the file wins again.
    rewrite(d, web(5))
    r = d.ctl("update")
    assert r.returncode == 0
    wait_for(running(d, [f"web_0{i}" for i in range(5)]), what="5 from the file")


def test_scale_uses_the_loaded_text_and_leaves_pending_file_changes_to_update(daemon_factory):
    # scale is a transform of the running config: a change waiting in the file (here the
    # environment) is not picked up by scale, only by update.
    d = daemon_factory(web(2))
    wait_for(running(d, ["web_00", "web_01"]), what="2 running")
    first = pids(d)
    rewrite(d, web(2, "environment=PENDING=1"))
    r = d.ctl("scale", "web", "3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "web:web_02: added" in r.stdout and "updated" not in r.stdout, r.stdout
    wait_for(running(d, ["web_00", "web_01", "web_02"]), what="3 running")
    now = pids(d)
    assert now["web_00"] == first["web_00"] and now["web_01"] == first["web_01"]
    env = open(f"/proc/{now['web_02']}/environ", "rb").read()
    assert b"PENDING=1" not in env
    # update applies the pending change (the count stays 3: numprocs is still 2).
    r = d.ctl("update")
    assert r.returncode == 0 and "web: updated process group" in r.stdout, r.stdout
    wait_for(lambda: len(pids(d)) == 3 and not set(pids(d).values()) & set(now.values()),
             what="all three replaced by update")


NOTIFY_CHILD = r"""
import os, socket, sys, time
path = os.environ["NOTIFY_SOCKET"]
open(sys.argv[1] + ".tmp", "w").write(path)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
deadline = time.monotonic() + 20
while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
    time.sleep(0.02)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = "\0" + path[1:] if path[0] == "@" else path
s.sendto(sys.argv[3].encode(), addr)
time.sleep(3600)
"""


def test_notify_ignores_foreign_pids_and_garbage(daemon_factory, tmp_path):
    child = tmp_path / "child.py"
    child.write_text(NOTIFY_CHILD)
    where, go = tmp_path / "notify_path", tmp_path / "go"
    d = daemon_factory(f"[program:n]\ncommand=/usr/bin/python3 {child} {where} {go} STATUS=child-says-hi\n"
                       "ready=notify\nready_timeout=60\nautostart=true\n")
    wait_for(lambda: where.exists(), what="child wrote its NOTIFY_SOCKET")
    path = where.read_text()
    assert path.startswith("@supervisord/")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = "\0" + path[1:]
    s.sendto(b"READY=1\nSTATUS=forged", addr)            # right text, foreign pid
    s.sendto(os.urandom(3000), addr)                      # garbage
    s.sendto(b"\x00READY=1\n=\n\n" * 50, addr)
    s.close()
    go.write_text("")
    # The child's own datagram comes after ours: once its STATUS shows, ours were handled.
    wait_for(lambda: "child-says-hi" in d.rpc.supervisor.getProcessInfo("n")["description"],
             what="the child's STATUS")
    info = d.rpc.supervisor.getProcessInfo("n")
    assert info["statename"] == "STARTING"
    assert "forged" not in info["description"]
    assert "ignored a notify datagram for n from pid" in open(d.logfile).read()


def test_http_probe_to_a_target_that_never_answers_times_out_without_blocking(daemon_factory):
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(16)   # accepts (in the backlog) and never answers
    port = hang.getsockname()[1]
    try:
        d = daemon_factory(f"[program:h]\ncommand={TESTCHILD} sleep\nready=http://127.0.0.1:{port}/\n"
                           "ready_timeout=2\nstartretries=0\nautostart=true\n")
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:     # the loop answers while probes hang
            s = time.monotonic()
            assert d.rpc.supervisor.getProcessInfo("h")["statename"] == "STARTING"
            assert time.monotonic() - s < 0.5
        wait_for(lambda: d.rpc.supervisor.getProcessInfo("h")["statename"] == "FATAL",
                 timeout=10, what="FATAL after ready_timeout")
        log = open(d.logfile).read()
        assert "did not become ready within 2 seconds (ready_timeout)" in log
        r = d.ctl("status", "--health")
        assert r.returncode == 1 and r.stdout.startswith("h: 0/1 ready (h FATAL)")
    finally:
        hang.close()
