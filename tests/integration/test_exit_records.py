"""How a run ended, told the same way in `why`, `history` and the daemon log:
each kind of end (exit, signal, stop that needed SIGKILL, failed start, core dump) with
its real run time, measured here with the test's own clock. The daemon reads the exit as
data from the process table, never back from its own log text."""
import os
import re
import signal
import time

from support import TESTCHILD, wait_for


def info(d, name):
    return d.rpc.supervisor.getProcessInfo(name)


def why(d, name):
    r = d.ctl("why", name)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def history(d, name):
    r = d.ctl("history", name)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.splitlines()


def lived(text, status):
    """The run time `why` gives after `status` ("... <status> after 2.3 s")."""
    m = re.search(re.escape(status) + r" after ([0-9.]+) s", text)
    assert m, f"no {status!r} in:\n{text}"
    return float(m.group(1))


def log_text(d):
    with open(d.logfile) as f:
        return f.read()


def test_each_way_a_run_ends_is_told_with_its_run_time(daemon_factory):
    t_before = time.time()   # every program is spawned after this and before it is RUNNING
    d = daemon_factory(f"""[program:killed]
command={TESTCHILD} sleep
startsecs=0
autorestart=true

[program:stubborn]
command={TESTCHILD} ignore-term
startsecs=0
stopwaitsecs=1

[program:crash]
command=/bin/sh -c 'echo boom >&2; exec {TESTCHILD} sleep'
startsecs=0
autorestart=false

[program:quick]
command=/bin/sh -c 'echo too soon >&2; exit 2'
startsecs=5
startretries=0
autorestart=false
""")
    for name in ("killed", "stubborn", "crash"):
        wait_for(lambda: info(d, name)["statename"] == "RUNNING", what=f"{name} RUNNING")
    t_running = time.time()
    wait_for(lambda: info(d, "quick")["statename"] == "FATAL", what="quick FATAL")
    # Let each run for a measurable while (well above the 0.1 s resolution of `why`).
    wait_for(lambda: time.time() - t_running >= 1.5, timeout=5, interval=0.1,
             what="runs of 1.5 s")

    def about(lived_s, t_end):
        """The run ended at t_end (our clock) and began between t_before and t_running
        (getProcessInfo's start is whole seconds): lived_s must fall in that window."""
        return t_end - t_running - 0.2 <= lived_s <= t_end - t_before + 0.2

    killed_pid = info(d, "killed")["pid"]
    os.kill(killed_pid, signal.SIGKILL)
    t_killed = time.time()
    wait_for(lambda: info(d, "killed")["pid"] not in (0, killed_pid), what="killed restarted")

    crash_pid = info(d, "crash")["pid"]
    os.kill(crash_pid, signal.SIGSEGV)
    t_crash = time.time()
    wait_for(lambda: info(d, "crash")["statename"] == "EXITED", what="crash EXITED")

    stubborn_pid = info(d, "stubborn")["pid"]
    assert d.rpc.supervisor.stopProcess("stubborn") is True
    t_stubborn = time.time()

    # why: each run's status and how long it lived (against our clock, within 0.5 s).
    w = why(d, "killed")
    assert about(lived(w, "terminated by SIGKILL"), t_killed), w
    w = why(d, "stubborn")
    assert about(lived(w, "stopped: terminated by SIGKILL"), t_stubborn), w
    w = why(d, "crash")
    assert about(lived(w, "terminated by SIGSEGV"), t_crash), w
    assert "| boom" in w
    w = why(d, "quick")
    assert lived(w, "exit status 2") < 1.0, w
    assert "spawn error: Exited too quickly" in w

    # getProcessDiagnosis gives the same facts as fields.
    e = d.rpc.supervisor.getProcessDiagnosis("killed")["exits"][-1]
    assert (e["kind"], e["exitstatus"], e["signal"]) == ("exited", -1, "SIGKILL")
    e = d.rpc.supervisor.getProcessDiagnosis("stubborn")["exits"][-1]
    assert (e["kind"], e["signal"]) == ("stopped", "SIGKILL")
    e = d.rpc.supervisor.getProcessDiagnosis("quick")["exits"][-1]
    assert (e["kind"], e["exitstatus"], e["signal"]) == ("failed start", 2, "")

    # history: the signal or the exit code of the run that ended, not the restart's 0.
    def has(lines, pattern):
        return any(re.search(pattern, line) for line in lines)

    wait_for(lambda: has(history(d, "killed"), rf"RUNNING -> EXITED pid {killed_pid} signal SIGKILL"),
             what="history of killed")
    wait_for(lambda: has(history(d, "stubborn"),
                         rf"STOPPING -> STOPPED pid {stubborn_pid} signal SIGKILL"),
             what="history of stubborn")
    wait_for(lambda: has(history(d, "crash"), rf"RUNNING -> EXITED pid {crash_pid} signal SIGSEGV"),
             what="history of crash")
    wait_for(lambda: has(history(d, "quick"), r"STARTING -> BACKOFF pid \d+ exit 2"),
             what="history of quick")

    # The daemon log: Supervisor's line, then ours with the same run time.
    log = log_text(d)
    assert "exited: killed (terminated by SIGKILL; not expected)" in log
    m = re.search(r"diagnosis: killed was terminated by SIGKILL after ([0-9.]+) s; "
                  r"no output on stderr", log)
    assert m and about(float(m.group(1)), t_killed), log
    assert re.search(r"diagnosis: crash was terminated by SIGSEGV after [0-9.]+ s; "
                     r"last output: boom", log), log
    assert re.search(r"diagnosis: quick exited with status 2 after [0-9.]+ s; "
                     r"last output: too soon", log), log
    # A stop is not a failure: no diagnosis line for it.
    assert "stopped: stubborn (terminated by SIGKILL)" in log
    assert "diagnosis: stubborn" not in log
