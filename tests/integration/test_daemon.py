"""The daemon end to end: a real supervisord of ours on a temp UNIX socket, real children
from tests/helpers/testchild, driven over XML-RPC (Python's xmlrpc.client) and signals.
Where a behaviour is Supervisor's, the same config runs on Python Supervisor 4.2.5 too and
the results are compared."""
import os
import re
import signal
import subprocess
import time
import xmlrpc.client

import pytest

from support import TESTCHILD, OUR_SUPERVISORD, wait_for, pid_alive, proc_pids, Daemon, raw_request


def prog(name, command, **opts):
    lines = [f"[program:{name}]", f"command={command}"]
    lines += [f"{k}={v}" for k, v in opts.items()]
    return "\n".join(lines) + "\n\n"


def states(rpc):
    return {f"{p['group']}:{p['name']}": p["statename"] for p in rpc.supervisor.getAllProcessInfo()}


def log_lines(d, pattern):
    with open(d.logfile) as f:
        return [l for l in f if re.search(pattern, l)]


def test_autostart_reaches_running_and_shutdown_leaves_no_process(daemon_factory):
    d = daemon_factory(prog("a", f"{TESTCHILD} sleep", startsecs=0)
                       + prog("b", f"{TESTCHILD} sleep", numprocs=3,
                              process_name="%(program_name)s_%(process_num)02d", startsecs=0))
    wait_for(lambda: set(states(d.rpc).values()) == {"RUNNING"}, what="all RUNNING")
    pids = [p["pid"] for p in d.rpc.supervisor.getAllProcessInfo()]
    assert len(pids) == 4 and all(pid_alive(p) for p in pids)
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=20) == 0
    assert not any(pid_alive(p) for p in pids)
    assert not os.path.exists(d.sock), "socket file removed on clean exit"
    assert not os.path.exists(d.dir / "supervisord.pid"), "pidfile removed on clean exit"


def backoff_trace(daemon_factory, impl):
    d = daemon_factory(prog("quick", f"{TESTCHILD} exit 3", startretries=2, startsecs=1,
                            autostart="true"), impl=impl)
    wait_for(lambda: states(d.rpc)["quick:quick"] == "FATAL", timeout=20, what="FATAL")
    info = d.rpc.supervisor.getProcessInfo("quick")
    spawned = len(log_lines(d, r"spawned: 'quick'"))
    gave_up = len(log_lines(d, r"gave up: quick entered FATAL state"))
    return spawned, gave_up, info["spawnerr"], info["exitstatus"]


def test_backoff_to_fatal_counts_match_python_supervisor(daemon_factory):
    ours = backoff_trace(daemon_factory, "ours")
    theirs = backoff_trace(daemon_factory, "python")
    assert ours == theirs
    assert ours[0] == 3  # startretries + 1 attempts


def test_unexpected_exit_from_running_restarts_and_expected_does_not(daemon_factory):
    d = daemon_factory(
        prog("bad", f"{TESTCHILD} exit 5 300", startsecs=0, autorestart="unexpected")
        + prog("good", f"{TESTCHILD} exit 0 300", startsecs=0, autorestart="unexpected"))
    wait_for(lambda: len(log_lines(d, r"spawned: 'bad'")) >= 3, what="bad restarted twice")
    wait_for(lambda: states(d.rpc)["good:good"] == "EXITED", what="good EXITED")
    assert len(log_lines(d, r"spawned: 'good'")) == 1
    assert log_lines(d, r"exited: good \(exit status 0; expected\)")
    assert log_lines(d, r"exited: bad \(exit status 5; not expected\)")


def test_stop_escalates_to_sigkill_after_stopwaitsecs(daemon_factory):
    # startsecs=1: the child must have installed SIG_IGN before the stop signal arrives.
    d = daemon_factory(prog("stubborn", f"{TESTCHILD} ignore-term", startsecs=1, stopwaitsecs=1))
    wait_for(lambda: states(d.rpc)["stubborn:stubborn"] == "RUNNING", what="RUNNING")
    pid = d.rpc.supervisor.getProcessInfo("stubborn")["pid"]
    t0 = time.monotonic()
    assert d.rpc.supervisor.stopProcess("stubborn") is True
    elapsed = time.monotonic() - t0
    assert not pid_alive(pid)
    assert 0.9 <= elapsed < 5
    assert log_lines(d, rf"killing 'stubborn' \({pid}\) with SIGKILL")


def worker_pids(master):
    """Pids in the master's process group other than the master (read from /proc)."""
    return [p for p in proc_pids(lambda f: f[0] != "Z" and int(f[2]) == master) if p != master]


def test_sigkilled_master_workers_are_gone_before_the_new_master_starts(daemon_factory):
    d = daemon_factory(prog("web", f"{TESTCHILD} workers 3 ignore-term", startsecs=1,
                            autorestart="true", stopwaitsecs=1))
    wait_for(lambda: states(d.rpc)["web:web"] == "RUNNING", what="RUNNING")
    master = d.rpc.supervisor.getProcessInfo("web")["pid"]
    workers = wait_for(lambda: worker_pids(master) if len(worker_pids(master)) == 3 else None,
                       what="3 workers")
    os.kill(master, signal.SIGKILL)
    # A new master comes up; by then every old worker must be gone.
    new = wait_for(lambda: (lambda i: i["pid"] if i["pid"] not in (0, master) else None)(
        d.rpc.supervisor.getProcessInfo("web")), timeout=15, what="new master")
    assert not any(pid_alive(w) for w in workers), "old workers outlived their master"
    assert new != master
    wait_for(lambda: len(worker_pids(new)) == 3, what="new workers")
    lines = log_lines(d, r"spawned: 'web'")
    assert len(lines) == 2


def test_start_and_stop_with_wait_answer_after_the_transition(daemon_factory):
    d = daemon_factory(prog("s", f"{TESTCHILD} sleep", startsecs=1, autostart="false"))
    t0 = time.monotonic()
    assert d.rpc.supervisor.startProcess("s") is True
    elapsed = time.monotonic() - t0
    assert elapsed >= 1.0, "startProcess(wait) answers only once RUNNING (startsecs=1)"
    assert elapsed < 2.0, "exact timer, not a 1 s polling loop"
    assert d.rpc.supervisor.getProcessInfo("s")["statename"] == "RUNNING"
    assert d.rpc.supervisor.stopProcess("s") is True
    assert d.rpc.supervisor.getProcessInfo("s")["statename"] == "STOPPED"


def test_faults_have_supervisors_numbers(daemon_factory):
    d = daemon_factory(prog("s", f"{TESTCHILD} sleep", startsecs=0)
                       + prog("nx", "/nonexistent/bin", autostart="false"))
    wait_for(lambda: states(d.rpc)["s:s"] == "RUNNING", what="RUNNING")
    cases = [
        (lambda: d.rpc.supervisor.startProcess("nosuch"), 10, "BAD_NAME: nosuch"),
        (lambda: d.rpc.supervisor.startProcess("s"), 60, "ALREADY_STARTED: s"),
        (lambda: d.rpc.supervisor.startProcess("nx"), 20, "NO_FILE: can't find command '/nonexistent/bin'"),
        (lambda: d.rpc.supervisor.signalProcess("s", "NOSIG"), 11, "BAD_SIGNAL: NOSIG"),
        (lambda: d.rpc.supervisor.nosuchmethod(), 1, "UNKNOWN_METHOD"),
        (lambda: d.rpc.supervisor.getState(1), 2, "INCORRECT_PARAMETERS"),
        (lambda: d.rpc.supervisor.stopProcess("nx"), 70, "NOT_RUNNING: nx"),
    ]
    for call, code, text in cases:
        with pytest.raises(xmlrpc.client.Fault) as e:
            call()
        assert (e.value.faultCode, e.value.faultString) == (code, text)


def test_multicall_runs_calls_in_order_with_faults_inline(daemon_factory):
    d = daemon_factory(prog("s", f"{TESTCHILD} sleep", startsecs=0, autostart="false"))
    r = d.rpc.system.multicall([
        {"methodName": "supervisor.startProcess", "params": ["s"]},
        {"methodName": "supervisor.getProcessInfo", "params": ["s"]},
        {"methodName": "system.multicall", "params": [[]]},
        {"methodName": "supervisor.nosuch", "params": []},
    ])
    assert r[0] is True
    assert r[1]["statename"] == "RUNNING"
    assert r[2] == {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"}
    assert r[3]["faultCode"] == 1


def test_multicall_holds_later_calls_behind_a_deferred_one(daemon_factory):
    d = daemon_factory(prog("s", f"{TESTCHILD} sleep", startsecs=1, autostart="false"))
    t0 = time.monotonic()
    r = d.rpc.system.multicall([
        {"methodName": "supervisor.startProcess", "params": ["s"]},   # answers after startsecs
        {"methodName": "supervisor.getProcessInfo", "params": ["s"]},
        {"methodName": "supervisor.stopProcess", "params": ["s"]},
        {"methodName": "supervisor.getProcessInfo", "params": ["s"]},
    ])
    assert time.monotonic() - t0 >= 1.0
    assert r[0] is True and r[2] is True
    assert r[1]["statename"] == "RUNNING"
    assert r[3]["statename"] == "STOPPED"


def test_bad_http_and_xml_get_errors_and_the_daemon_keeps_supervising(daemon_factory):
    d = daemon_factory(prog("s", f"{TESTCHILD} sleep", startsecs=0))
    wait_for(lambda: states(d.rpc)["s:s"] == "RUNNING", what="RUNNING")
    pid = d.rpc.supervisor.getProcessInfo("s")["pid"]
    bad = [
        b"GARBAGE\r\n\r\n",
        b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n",  # no Content-Length
        b"POST /RPC2 HTTP/1.1\r\nContent-Length: 9\r\n\r\n<notxml>>",
        b"POST /RPC2 HTTP/1.1\r\nContent-Length: 120\r\n\r\n<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><methodCall><methodName>&a;</methodName></methodCall>      ",
        b"GET /RPC2 HTTP/1.1\r\n\r\n",
        b"POST /RPC2 HTTP/1.1\r\nContent-Length: " + str(10**5).encode() + b"\r\n\r\n" + b"<" * 10**5,
        (b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (20 + 2000 * 15)) +
        b"<methodCall><params>" + b"<value><array><data>" * 2000,
    ]
    for req in bad:
        resp = raw_request(d.sock, req)
        assert resp == b"" or re.match(rb"HTTP/1\.[01] (4\d\d|5\d\d)", resp), resp[:200]
    assert d.rpc.supervisor.getState()["statename"] == "RUNNING"
    assert d.rpc.supervisor.getProcessInfo("s")["pid"] == pid and pid_alive(pid)


def test_sighup_restarts_in_the_same_pid_and_reads_the_config_again(daemon_factory):
    d = daemon_factory(prog("a", f"{TESTCHILD} sleep", startsecs=0))
    wait_for(lambda: states(d.rpc)["a:a"] == "RUNNING", what="RUNNING")
    old = d.rpc.supervisor.getProcessInfo("a")["pid"]
    with open(d.conf, "a") as f:
        f.write(prog("b", f"{TESTCHILD} sleep", startsecs=0))
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: not pid_alive(old), what="old child stopped")
    wait_for(lambda: d.ready() and states(d.rpc) == {"a:a": "RUNNING", "b:b": "RUNNING"},
             timeout=15, what="both RUNNING after restart")
    assert d.proc.poll() is None
    assert d.rpc.supervisor.getPID() == d.proc.pid


def test_daemon_mode_forks_writes_pidfile_and_stops_on_sigterm(tmp_path):
    dm = Daemon(tmp_path, prog("a", f"{TESTCHILD} sleep", startsecs=0))
    r = subprocess.run([OUR_SUPERVISORD, "-c", dm.conf], cwd=tmp_path, timeout=20,
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    pidfile = tmp_path / "supervisord.pid"
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="pidfile"))
    try:
        wait_for(lambda: os.path.exists(dm.sock), what="socket")
        rpc = dm.rpc
        wait_for(lambda: rpc.supervisor.getProcessInfo("a")["statename"] == "RUNNING",
                 what="RUNNING")
        child = rpc.supervisor.getProcessInfo("a")["pid"]
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        assert int(fields[3]) == pid, "the daemon leads its own session (setsid)"
        # Contained (cgroup v2 writable): the instances' directory carries the daemon's pid,
        # not the one before the daemonizing fork, which is gone (another daemon's start-up
        # sweep took that for a dead daemon's and killed every instance in it).
        with open(f"/proc/{child}/cgroup") as f:
            cg = f.read()
        if "/supervisord." in cg:
            assert re.search(rf"/supervisord\.{pid}(\.\d+)?/a@a$", cg.strip()), cg
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not pid_alive(pid), timeout=20, what="daemon exit")
        assert not pid_alive(child)
    finally:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_another_daemon_on_the_same_socket_is_refused(daemon_factory, tmp_path):
    d = daemon_factory(prog("a", f"{TESTCHILD} sleep", startsecs=0))
    r = subprocess.run([OUR_SUPERVISORD, "-n", "-c", d.conf], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 2
    assert "Another program is already listening" in r.stderr
    assert d.rpc.supervisor.getState()["statename"] == "RUNNING"


def test_bad_config_is_refused_with_file_and_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[supervisord]\n[program:x]\ncommand=/bin/sleep %(process_num)5001\n")
    r = subprocess.run([OUR_SUPERVISORD, "-n", "-c", str(conf)], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 2
    assert f"{conf}:3" in r.stderr
    assert "badly formatted" in r.stderr


def test_numprocs_1000_start_and_stop_cleanly(daemon_factory):
    d = daemon_factory(prog("many", f"{TESTCHILD} sleep", numprocs=1000, startsecs=0,
                            process_name="%(program_name)s_%(process_num)04d"),
                       extra_main="minfds=8192\n")
    wait_for(lambda: sum(p["statename"] == "RUNNING" for p in d.rpc.supervisor.getAllProcessInfo())
             == 1000, timeout=60, what="1000 RUNNING")
    pids = [p["pid"] for p in d.rpc.supervisor.getAllProcessInfo()]
    assert len(set(pids)) == 1000 and all(pid_alive(p) for p in pids)
    results = d.rpc.supervisor.stopAllProcesses()
    assert len(results) == 1000 and all(r["description"] == "OK" for r in results)
    assert not any(pid_alive(p) for p in pids)
    assert not d.child_pids()


@pytest.mark.skipif(os.geteuid() != 0, reason="the warning is about running as root")
def test_start_up_notes_made_before_the_log_opens_are_its_first_lines_as_in_python(
        daemon_factory):
    """Privileges are dropped before the log file is opened; what that step says (the
    running-as-root warning) still goes to the log, first, and not to stderr."""
    body = prog("p", "/bin/sleep 1000", startsecs=0)
    first = {}
    for impl in ("python", "ours"):
        d = daemon_factory(body, impl=impl)
        wait_for(lambda: log_lines(d, r"supervisord started with pid"), timeout=15,
                 what=f"{impl}: started line")
        with open(d.logfile) as f:
            first[impl] = re.sub(r"^\S+ \S+ ", "", f.readline())
        d.stop()
        with open(d.dir / f"daemon-{impl}.out") as f:   # stderr and the echoed log
            echoed = f.read()
        assert echoed.count("Supervisor is running as root") <= 1
    assert first["ours"] == first["python"]
    assert first["ours"].startswith("CRIT Supervisor is running as root.  Privileges were not "
                                     "dropped because no user is specified in the config file.")
