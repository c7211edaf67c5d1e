"""File descriptors under limits (the daemon started through prlimit): a process that is not
running holds no descriptor, log files are open only from a run's first output to its end,
channels that go nowhere hold no pipe, stdin is opened only when sendProcessStdin first
writes, the soft RLIMIT_NOFILE is raised toward the hard limit when the config needs it, and
when descriptors run out anyway the control socket keeps answering and the spawn error names
the limit. Python Supervisor 4.2.5 runs with the same config and limits where the test
compares counts: ours must run at least as many processes as it does."""
import os
import subprocess
import time
import xmlrpc.client

import pytest

from support import wait_for, pid_alive

pytestmark = pytest.mark.skipif(
    subprocess.run(["prlimit", "--version"], capture_output=True).returncode != 0,
    reason="prlimit (util-linux) is needed")


def program(name="w", numprocs=1, command="sleep 1000", extra=""):
    return f"""
[program:{name}]
command={command}
process_name={name}_%(process_num)02d
numprocs={numprocs}
startsecs=0
startretries=0
stopwaitsecs=5
{extra}
"""


def start_limited(daemon_factory, body, nofile, impl="ours", extra_main=""):
    d = daemon_factory(body, impl=impl, start=False, extra_main=extra_main)
    d.prefix = ["prlimit", f"--nofile={nofile}", "--"]
    d.start()
    return d


def fds_of(pid):
    """The daemon's open descriptors as {fd: target}."""
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return out


def held(pid):
    """Pipes and files the daemon holds: sockets come and go with the test's own clients."""
    return len([t for t in fds_of(pid).values() if not t.startswith("socket:")])


def states(d):
    info = d.rpc.supervisor.getAllProcessInfo()
    counts = {}
    for p in info:
        counts[p["statename"]] = counts.get(p["statename"], 0) + 1
    return counts, info


def settled(d, total):
    """Every process RUNNING, or given up on (FATAL/BACKOFF with startretries=0)."""
    counts, _ = states(d)
    return sum(counts.get(s, 0) for s in ("RUNNING", "FATAL", "EXITED")) == total


def test_processes_that_are_not_running_hold_no_descriptor(daemon_factory):
    d = daemon_factory(program(numprocs=1, extra="autostart=false"))
    one = held(d.proc.pid)
    d.stop()
    d = daemon_factory(program(numprocs=50, extra="autostart=false"), sub="fifty")
    fifty = held(d.proc.pid)
    # 50 configured processes with AUTO logs on both channels: no file, no pipe held.
    assert fifty == one, (one, fifty)
    logs = [t for t in fds_of(d.proc.pid).values() if t.endswith(".log") and "/logs/" in t]
    assert logs == []


def test_a_run_holds_its_pipes_and_log_files_only_while_it_runs(daemon_factory, tmp_path):
    body = program(numprocs=1, command="sh -c 'echo hello; echo oops >&2; exec sleep 1000'",
                   extra="autostart=false")
    d = daemon_factory(body)
    # A first run sets up what every spawn shares (the spawn slots): count after it.
    assert d.rpc.supervisor.startProcess("w:w_00")
    assert d.rpc.supervisor.stopProcess("w:w_00")
    base = fds_of(d.proc.pid)
    base_held = held(d.proc.pid)
    assert d.rpc.supervisor.startProcess("w:w_00")
    info = d.rpc.supervisor.getProcessInfo("w:w_00")

    def logs_open():
        return sorted(t for t in fds_of(d.proc.pid).values()
                      if t in (info["stdout_logfile"], info["stderr_logfile"]))

    # The first output opens each log file; it stays open while the process runs.
    wait_for(lambda: len(logs_open()) == 2, what="both log files open after the first output")
    pipes = [t for t in fds_of(d.proc.pid).values() if t.startswith("pipe:")]
    base_pipes = [t for t in base.values() if t.startswith("pipe:")]
    assert len(pipes) - len(base_pipes) == 2   # stdout and stderr; no stdin pipe held
    assert d.rpc.supervisor.stopProcess("w:w_00")
    # Stopped: back to the descriptors the daemon had before the start.
    wait_for(lambda: held(d.proc.pid) == base_held, what="descriptors given back")
    assert logs_open() == []
    # The warm-up run may or may not have printed before its stop; this run did.
    assert set(open(info["stdout_logfile"]).read().splitlines()) == {"hello"}
    assert set(open(info["stderr_logfile"]).read().splitlines()) == {"oops"}


def test_an_explicit_log_file_is_created_at_spawn_before_any_output(daemon_factory, tmp_path):
    path = tmp_path / "quiet.log"
    d = daemon_factory(program(command="sleep 1000", extra=f"stdout_logfile={path}"))
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("w:w_00")["statename"] == "RUNNING")
    assert path.exists()   # as Supervisor: the file exists once the process is spawned
    assert str(path) not in fds_of(d.proc.pid).values()   # but is not held until output


def test_channels_that_go_nowhere_get_dev_null_and_no_pipe(daemon_factory):
    body = program(numprocs=1, command="sleep 1000",
                   extra="stdout_logfile=NONE\nstderr_logfile=NONE\nautostart=false")
    # loglevel=debug (the test default) shows output in the daemon log, which keeps pipes;
    # at info nothing reads a NONE channel.
    d = daemon_factory(body, extra_main="loglevel=info")
    assert d.rpc.supervisor.startProcess("w:w_00")
    assert d.rpc.supervisor.stopProcess("w:w_00")
    base = held(d.proc.pid)
    assert d.rpc.supervisor.startProcess("w:w_00")
    pid = d.rpc.supervisor.getProcessInfo("w:w_00")["pid"]
    assert os.readlink(f"/proc/{pid}/fd/1") == "/dev/null"
    assert os.readlink(f"/proc/{pid}/fd/2") == "/dev/null"
    assert held(d.proc.pid) == base


def test_stdin_is_opened_on_the_first_write_and_reads_block_until_then(daemon_factory):
    body = program(numprocs=1, command="sh -c 'read line; echo got:$line; exec sleep 1000'")
    for impl in ("ours", "python"):
        d = daemon_factory(body, impl=impl)
        wait_for(lambda: d.rpc.supervisor.getProcessInfo("w:w_00")["statename"] == "RUNNING")
        pid = d.rpc.supervisor.getProcessInfo("w:w_00")["pid"]
        # Nobody wrote yet: the child's read blocks (a writer exists), it does not see EOF.
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            assert d.rpc.supervisor.readProcessStdoutLog("w:w_00", 0, 100) == ""
            time.sleep(0.05)
        assert pid_alive(pid)
        assert d.rpc.supervisor.sendProcessStdin("w:w_00", "hello\n") is True
        wait_for(lambda: d.rpc.supervisor.readProcessStdoutLog("w:w_00", 0, 100) == "got:hello\n",
                 what=f"{impl}: the child read what was sent")
        d.stop()


def test_stdin_that_the_child_replaced_is_not_written_to(daemon_factory):
    """A child that moved its fd 0 elsewhere: ours answers NO_FILE (the stdin channel is
    closed) rather than writing into whatever fd 0 now is."""
    body = program(numprocs=1, command="sh -c 'exec 0</dev/null; exec sleep 1000'")
    d = daemon_factory(body)
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("w:w_00")["statename"] == "RUNNING")
    wait_for(lambda: os.readlink(
        f"/proc/{d.rpc.supervisor.getProcessInfo('w:w_00')['pid']}/fd/0") == "/dev/null")
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.rpc.supervisor.sendProcessStdin("w:w_00", "x\n")
    assert e.value.faultCode == 20   # NO_FILE
    assert d.rpc.supervisor.getProcessInfo("w:w_00")["statename"] == "RUNNING"


def running_count(d):
    counts, _ = states(d)
    return counts.get("RUNNING", 0)


@pytest.mark.parametrize("nofile,numprocs,minfds", [
    ("64:64", 100, 64),        # the reference runs 10 here
    ("1024:20000", 520, 1024),  # a systemd default: the reference runs 202
])
def test_under_a_low_limit_more_run_than_under_python_and_rpc_answers(
        daemon_factory, nofile, numprocs, minfds):
    body = program(numprocs=numprocs)
    running = {}
    for impl in ("python", "ours"):
        d = start_limited(daemon_factory, body, nofile, impl=impl, extra_main=f"minfds={minfds}")
        wait_for(lambda: settled(d, numprocs), timeout=60, interval=1,
                 what=f"{impl}: every process RUNNING or given up")
        running[impl] = running_count(d)
        if impl == "ours":
            # The control plane answers, through both clients, with every process listed.
            r = d.ctl("status")
            assert r.stdout.count("\n") == numprocs, r.stdout[-2000:]
            r = d.ctl("status", impl="python")
            assert r.stdout.count("\n") == numprocs, r.stdout[-2000:]
            counts, info = states(d)
            failed = [p for p in info if p["statename"] != "RUNNING"]
            soft, hard = (int(x) for x in nofile.split(":"))
            if soft == hard:   # ran out: the spawn error says which limit and what to do
                assert failed
                why = (f"out of file descriptors (RLIMIT_NOFILE soft {soft}, hard {hard}): "
                       "raise minfds= in [supervisord] or the hard limit")
                assert all(p["spawnerr"] == f"too many open files to spawn '{p['name']}': {why}"
                           and p["statename"] in ("BACKOFF", "FATAL")
                           and p["description"] == p["spawnerr"] for p in failed), failed[:3]
                # status shows them as what they are, with the reason.
                assert f"FATAL     too many open files to spawn 'w_" in r.stdout
                # One WARN line in the daemon log says it too, not one per process.
                warned = [line for line in open(d.logfile) if " WARN " in line and why in line]
                assert 1 <= len(warned) <= 2, warned
            else:              # the soft limit was raised toward the hard one: all run
                assert failed == []
                log = open(d.logfile).read()
                assert "Increased RLIMIT_NOFILE soft limit from 1024 to" in log
            # What runs keeps running, and can still be stopped.
            before = {p["name"]: p["pid"] for p in info if p["statename"] == "RUNNING"}
            assert d.rpc.supervisor.stopProcess("w:w_00")
            _, info = states(d)
            after = {p["name"]: p["pid"] for p in info if p["statename"] == "RUNNING"}
            del before["w_00"]
            assert after == before
        d.stop()
    assert running["ours"] >= running["python"], running
    if nofile == "1024:20000":
        assert running["ours"] == numprocs


def test_when_descriptors_run_out_concurrent_clients_are_still_answered(daemon_factory):
    """64 descriptors, 100 processes wanting 2 pipes each and their log files once they
    print: the table fills up to the last descriptor. Eight clients at once (the reserve's
    size) each get an answer, none is reset or left waiting."""
    # They print a moment after their start, once every spawn has been tried.
    body = program(numprocs=100, command="sh -c 'sleep 1; echo out; echo err >&2; exec sleep 1000'")
    d = start_limited(daemon_factory, body, "64:64", extra_main="minfds=64")
    wait_for(lambda: settled(d, 100), timeout=30, interval=0.2, what="spawns settled")
    # Full: every descriptor below the limit is taken (the reserve's among them).
    wait_for(lambda: len(fds_of(d.proc.pid)) == 64, what="the descriptor table full")
    procs = [subprocess.Popen([*_ctl(d), "status", "w:w_00"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(8)]
    outs = [p.communicate(timeout=30)[0] for p in procs]
    assert all("w:w_00" in o and "RUNNING" in o for o in outs), outs


def _ctl(d):
    from support import OUR_SUPERVISORCTL
    return [OUR_SUPERVISORCTL, "-c", d.conf]


def test_check_config_prints_the_estimate(daemon_factory, tmp_path):
    from support import OUR_SUPERVISORD
    d = daemon_factory(program(numprocs=100), start=False)
    r = subprocess.run(["prlimit", "--nofile=64:64", "--", OUR_SUPERVISORD, "--check-config",
                        "-c", d.conf], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "resources: 100 processes need about" in r.stdout
    assert "warning: the hard RLIMIT_NOFILE 64 is below" in r.stdout


# The row is 10,000 processes under a 20,000 hard limit (Python Supervisor: 3998
# RUNNING). Exec'ing 10,000 programs takes about 90 s on the 2-core CI machine, so the test
# command runs the same ratio at 2,000 / 4,000; SUPERVISOR_CPP_HUGE=10000 runs the row
# itself (measured: 9983 RUNNING, the rest refused naming the limit).
HUGE = int(os.environ.get("SUPERVISOR_CPP_HUGE", "2000"))


def test_twice_as_many_descriptors_as_processes_run_all_but_the_daemons_own(daemon_factory):
    """numprocs=N with default logs under soft 1024 / hard 2N. Each running process costs
    two descriptors (stdout and stderr pipes; log files open only with output, stdin only
    once written), so N need 2N plus the daemon's own few dozen: all but those few dozen
    run, the rest fail with the spawn error naming the limit, and RPC answers throughout."""
    n = HUGE
    d = start_limited(daemon_factory, program(numprocs=n), f"1024:{2 * n}")
    # Polled every 2 s: an answer about thousands of processes is not free for either side.
    wait_for(lambda: settled(d, n), timeout=130, interval=2, what=f"{n} spawns settled")
    counts, info = states(d)
    running = counts.get("RUNNING", 0)
    assert n - 64 <= running < n, counts
    failed = [p for p in info if p["statename"] != "RUNNING"]
    assert all("too many open files to spawn" in p["spawnerr"] for p in failed), failed[:3]
    assert os.path.exists(d.dir / "supervisord.pid")
    r = d.ctl("pid")
    assert r.stdout.strip() == str(d.proc.pid)
    # Stopping them all gives every descriptor back.
    d.rpc.supervisor.stopAllProcesses()
    wait_for(lambda: len(fds_of(d.proc.pid)) < 80, timeout=60, interval=0.5,
             what="descriptors given back after stopAllProcesses")
