"""pidproxy against Python Supervisor 4.2.5's (/usr/bin/pidproxy): each scenario runs under
both and must look the same from outside: the usage text, the signals that reach the pid in
the pidfile, a missing or garbage pidfile, exit statuses and the moment of the exit after
the command ends. Then ours as a [program:] of our supervisord. Every proxy runs in a
session of its own and is cleaned up by that process group."""
import os
import signal
import subprocess
import sys
import time

import pytest

from support import OUR_PIDPROXY, PY_PIDPROXY, pid_alive, proc_pids, wait_for

IMPLS = {"ours": OUR_PIDPROXY, "python": PY_PIDPROXY}
PASSED_ON = [signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
             signal.SIGTERM]
CANT_READ = "Can't read child pidfile pf!\n"

# The command a proxy runs, in the foreground like mysqld_safe: it forks the worker, which
# blocks the signals a proxy passes on, writes its pid to the pidfile (whole, by rename)
# and execs sleep; the mask survives exec, so a signal that reaches the worker stays
# pending where /proc shows it.
FOREGROUND = r"""
import os, signal, sys
pid = os.fork()
if pid == 0:
    signal.pthread_sigmask(signal.SIG_BLOCK, [int(s) for s in sys.argv[2:]])
    with open("pf.tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename("pf.tmp", sys.argv[1])
    os.execv("/bin/sleep", ["sleep", "1000"])
os.waitpid(pid, 0)
"""
FOREGROUND_CMD = [sys.executable, "-c", FOREGROUND, "pf", *[str(int(s)) for s in PASSED_ON]]


def pending(pid):
    """The signals pending for the whole process pid (ShdPnd: what kill(2) leaves there)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("ShdPnd:"):
                mask = int(line.split()[1], 16)
                return {s for s in signal.Signals if mask >> (s - 1) & 1}
    return set()


def blocked_sleeper(**popen):
    """A sleep 1000 with the passed-on signals blocked: what it is sent stays pending."""
    return subprocess.Popen(["/bin/sleep", "1000"], **popen,
                            preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK,
                                                                      PASSED_ON))


def state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


class Proxy:
    def __init__(self, impl, d, command, preexec_fn=None):
        d.mkdir(parents=True, exist_ok=True)
        self.dir = d
        self.pidfile = d / "pf"
        # Supervisor's source asks for unbuffered output (python -u); its installed script
        # lost that, and without this its messages would sit in a buffer until it exits.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Before Popen: the proxy's clock starts inside it, and Popen may return late (load).
        self.started = time.monotonic()
        with open(d / "out", "wb") as out, open(d / "err", "wb") as err:
            self.proc = subprocess.Popen([IMPLS[impl], "pf", *command], cwd=d, stdout=out,
                                         stderr=err, start_new_session=True, env=env,
                                         preexec_fn=preexec_fn)

    def worker(self):
        return wait_for(lambda: read_pid(self.pidfile), timeout=10, what="the worker's pid")

    def command_pid(self):
        """The proxy's child (the command it ran)."""
        return wait_for(lambda: proc_pids(lambda f: int(f[1]) == self.proc.pid),
                        timeout=10, what="the proxy's child")[0]

    def send(self, sig):
        # Python's can sleep through a signal that comes as it goes back to time.sleep(5)
        # and act on it up to 5 s later: signal it only once it sleeps.
        wait_for(lambda: state(self.proc.pid) == "S", timeout=10, what="the proxy asleep")
        self.proc.send_signal(sig)

    def out(self):
        return (self.dir / "out").read_text()

    def err(self):
        return (self.dir / "err").read_text()

    def cleanup(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # the session it was started in
        except OSError:
            pass
        self.proc.wait(timeout=10)


@pytest.fixture
def proxies():
    made = []

    def make(*args, **kwargs):
        made.append(Proxy(*args, **kwargs))
        return made[-1]

    yield make
    for p in made:
        p.cleanup()


@pytest.mark.parametrize("args", [[], ["pf"], ["-h"]])
def test_usage_text_and_status(args, tmp_path):
    got = {}
    for impl, exe in IMPLS.items():
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=30)
        got[impl] = (r.returncode, r.stdout.replace(exe, "PIDPROXY"), r.stderr)
    assert got["ours"] == got["python"]
    assert got["ours"][0] == 1
    assert "\nUsage: PIDPROXY <pidfile name> <command> [<cmdarg1> ...]\n\n" in got["ours"][1]


def test_usage_names_the_path_executed_not_argv0(tmp_path):
    for impl, exe in IMPLS.items():
        os.symlink(exe, tmp_path / f"pp-{impl}")
    got = {impl: subprocess.run(["some-argv0"], executable=f"./pp-{impl}", cwd=tmp_path,
                                capture_output=True, text=True, timeout=30).stdout
           for impl in IMPLS}
    assert got["ours"].replace("pp-ours", "pp") == got["python"].replace("pp-python", "pp")
    assert "Usage: ./pp-ours <pidfile name>" in got["ours"]


@pytest.mark.parametrize("impl", IMPLS)
def test_signals_reach_the_pid_in_the_pidfile(impl, tmp_path, proxies):
    # One proxy gets HUP, USR1 and USR2 (it must still be there for each next one), then
    # TERM; INT and QUIT each end one more.
    many = proxies(impl, tmp_path / "many", FOREGROUND_CMD)
    ends = {sig: proxies(impl, tmp_path / sig.name, FOREGROUND_CMD)
            for sig in (signal.SIGINT, signal.SIGQUIT)}
    worker, command = many.worker(), many.command_pid()
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
        many.send(sig)
        wait_for(lambda: sig in pending(worker), timeout=10, what=f"{sig.name} at the worker")
    assert many.proc.wait(timeout=10) == 0
    # It exits without waiting for its command, and does not signal it.
    assert pid_alive(command)
    for sig, p in ends.items():
        w = p.worker()
        p.send(sig)
        wait_for(lambda: sig in pending(w), timeout=10, what=f"{sig.name} at the worker")
        assert p.proc.wait(timeout=10) == 0
        assert pending(w) == {sig}
    for p in [many, *ends.values()]:
        assert (p.out(), p.err()) == ("", "")


@pytest.mark.parametrize("impl", IMPLS)
def test_pidfile_missing_or_garbage_is_reported_and_the_proxy_stays(impl, tmp_path, proxies):
    p = proxies(impl, tmp_path / "p", ["/bin/sleep", "1000"])
    target = blocked_sleeper()
    try:
        p.command_pid()
        lines = 0
        for content, sig in [(None, signal.SIGTERM), ("abc\n", signal.SIGTERM),
                             ("", signal.SIGHUP), ("12 34", signal.SIGQUIT),
                             ("dir", signal.SIGINT)]:
            if content == "dir":
                p.pidfile.unlink()
                p.pidfile.mkdir()
            elif content is not None:
                p.pidfile.write_text(content)
            p.send(sig)
            lines += 1
            wait_for(lambda: p.out() == CANT_READ * lines, timeout=10,
                     what=f"message {lines} after {sig.name}")
        p.pidfile.rmdir()
        # Python's int() syntax: white space around, a sign, '_' between digits.
        digits = str(target.pid)
        p.pidfile.write_text(f" \t+{digits[0]}_{digits[1:]}\n\n")
        p.send(signal.SIGTERM)
        assert p.proc.wait(timeout=10) == 0
        assert pending(target.pid) == {signal.SIGTERM}
        assert (p.out(), p.err()) == (CANT_READ * lines, "")
    finally:
        target.kill()
        target.wait(timeout=10)


@pytest.mark.parametrize("content", ["stale", "99999999999999", "-99999999999999"])
def test_a_kill_that_fails_ends_the_proxy_with_status_1(content, tmp_path, proxies):
    if content == "stale":   # a pid that was just reaped
        gone = subprocess.Popen(["/bin/true"])
        gone.wait(timeout=10)
        content = str(gone.pid)
    got = {}
    for impl in IMPLS:
        p = proxies(impl, tmp_path / impl, ["/bin/sleep", "1000"])
        p.pidfile.write_text(content + "\n")
        p.command_pid()
        p.send(signal.SIGHUP)
        got[impl] = (p.proc.wait(timeout=10), p.out())
        if impl == "ours":
            assert ("No such process" if content.isdigit() and len(content) < 10
                    else "out of range") in p.err()
        else:
            assert "Traceback" in p.err()
    assert got["ours"] == got["python"] == (1, "")


def test_ours_refuses_a_pid_that_names_a_process_group(tmp_path, proxies):
    # Python's would kill(-N): the whole group N (with 0 its own group, with -1 everything).
    victim = blocked_sleeper(start_new_session=True)   # process group = its pid
    target = blocked_sleeper()
    p = proxies("ours", tmp_path / "p", ["/bin/sleep", "1000"])
    try:
        p.command_pid()
        for lines, content in enumerate([f"-{victim.pid}", "0", "-0"], start=1):
            p.pidfile.write_text(content + "\n")
            p.send(signal.SIGTERM)
            wait_for(lambda: p.out() == CANT_READ * lines, timeout=10, what=f"message {lines}")
            assert f"pf: {int(content)} is not a process id" in p.err()
        assert p.proc.poll() is None
        p.pidfile.write_text(f"{target.pid}\n")
        p.send(signal.SIGTERM)
        assert p.proc.wait(timeout=10) == 0
        assert pending(target.pid) == {signal.SIGTERM}
        assert pending(victim.pid) == set()
    finally:
        for proc in (victim, target):
            proc.kill()
            proc.wait(timeout=10)


def voluntary_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("voluntary_ctxt"))


def test_exit_after_the_command_ends_and_what_the_command_inherits(tmp_path, proxies):
    def ignore_and_block():   # as a background shell job might start it
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGWINCH])

    cases = {
        # daemonizes: the sh returns at once, its sleep lives on
        "daemon": (["/bin/sh", "-c", "sleep 1000 & echo $! > pf"], None),
        # no PATH search: ./sh does not exist
        "noexec": (["sh", "-c", "exit 0"], None),
        # the missing file makes grep exit 2
        "inherit": (["/bin/grep", "-hsE", "^Sig(Blk|Ign)", "/proc/self/status", "missing"],
                    ignore_and_block),
    }
    ps = {(impl, name): proxies(impl, tmp_path / impl / name, command, preexec_fn=pre)
          for name, (command, pre) in cases.items() for impl in IMPLS}
    idle = proxies("ours", tmp_path / "idle", ["/bin/sleep", "1000"])
    idle.command_pid()
    wait_for(lambda: state(idle.proc.pid) == "S", timeout=5, what="the idle proxy asleep")
    switches = voluntary_switches(idle.proc.pid)

    took = {}

    def all_exited():
        for key, p in ps.items():
            if key not in took and p.proc.poll() is not None:
                took[key] = time.monotonic() - p.started
        return len(took) == len(ps)

    wait_for(all_exited, timeout=20, interval=0.01, what="every proxy's exit")
    for key, p in ps.items():
        assert p.proc.returncode == 0, key
        # Python's checks every 5 s from its start (its own start-up comes before).
        assert 5.0 <= took[key] < (6.0 if key[0] == "ours" else 8.0), (key, took[key])
    for impl in IMPLS:
        sleeper = read_pid(ps[(impl, "daemon")].pidfile)
        assert sleeper and pid_alive(sleeper)
        assert ps[(impl, "inherit")].out() == ps[("python", "inherit")].out()
        assert ps[(impl, "noexec")].out() == ""
    # PIPE, XFSZ (Python's own) and ALRM (inherited) ignored; INT default; WINCH blocked.
    assert ps[("ours", "inherit")].out() == ("SigBlk:\t0000000008000000\n"
                                             "SigIgn:\t0000000001003000\n")
    assert ps[("python", "noexec")].err() == ""
    assert ps[("ours", "noexec")].err() == \
        f"pidproxy: cannot execute {tmp_path}/ours/noexec/sh: No such file or directory\n"
    # Ours slept through it all: no wake-up while its command ran (Python's: every 5 s).
    assert state(idle.proc.pid) == "S"
    assert voluntary_switches(idle.proc.pid) == switches


def test_under_supervisord_stop_reaches_the_daemonized_worker(daemon_factory, tmp_path):
    pf = tmp_path / "db.pid"
    d = daemon_factory(f"[program:db]\ncommand={OUR_PIDPROXY} {pf} /bin/sh -c "
                       f"'sleep 1000 & echo $! > {pf}; wait'\n"
                       "autostart=false\nstartsecs=1\nstopwaitsecs=10\n")
    r = d.ctl("start", "db")
    assert (r.returncode, r.stdout) == (0, "db: started\n"), r.stderr
    proxy = d.rpc.supervisor.getProcessInfo("db")["pid"]
    worker = wait_for(lambda: read_pid(pf), timeout=5, what="the worker's pid")
    group = proc_pids(lambda f: int(f[2]) == proxy)
    assert worker in group and len(group) == 3   # pidproxy, sh, sleep
    r = d.ctl("stop", "db")
    assert (r.returncode, r.stdout) == (0, "db: stopped\n"), r.stderr
    info = d.rpc.supervisor.getProcessInfo("db")
    assert (info["statename"], info["exitstatus"]) == ("STOPPED", 0)
    # The worker got SIGTERM through the proxy; nothing of the group is left.
    wait_for(lambda: not any(pid_alive(pid) for pid in group), timeout=5,
             what="the proxy's process group to be gone")
