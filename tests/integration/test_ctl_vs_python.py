"""Differential test: our supervisorctl against Python's supervisorctl 4.2.5, both
driving the same Python supervisord on a temp UNIX socket. Each case runs Python's
ctl, then ours, after the same setup, and compares stdout and exit status. Only
pids, uptimes, stop times, temp paths and the program path are normalised (plus
our documented `start` extension inside "ERROR (spawn error...)"). Python's ctl runs
through tests/pyctl.py (its main() forked from one interpreter that imported it once:
~250 runs here, ~0.5 s of CPU each saved); a test below checks that runner against
/usr/bin/supervisorctl itself."""
import os
import re
import subprocess
import time

import pytest

import pyctl
from support import Daemon, OUR_SUPERVISORCTL, PY_SUPERVISORCTL, wait_for

PROGRAMS = """
[program:sleeper]
command=/bin/sleep 1000
startsecs=1

[program:web]
command=/bin/sleep 1000
numprocs=2
process_name=web_%(process_num)02d
startsecs=1

[program:failer]
command=/bin/false
autostart=false
startsecs=1
startretries=0

[program:manual]
command=/bin/sleep 1000
autostart=false
startsecs=0

[program:echoer]
command=/bin/sh -c "echo hello; echo oops >&2; exec /bin/sleep 1000"
startsecs=0
"""

NEWPROG = """
[program:newprog]
command=/bin/sleep 1000
autostart=false
"""


def fresh_daemon(tmp_path_factory, impl):
    """A module-long daemon of `impl` running PROGRAMS, its autostart programs up."""
    d = Daemon(tmp_path_factory.mktemp(f"ctl_{impl}"), PROGRAMS, impl=impl)
    d.start()
    try:
        def all_up():
            states = {p["name"]: p["statename"] for p in d.rpc.supervisor.getAllProcessInfo()}
            return all(states[n] == "RUNNING" for n in ("sleeper", "web_00", "web_01", "echoer"))
        wait_for(all_up, timeout=20, what="autostart programs RUNNING")
        with open(d.conf) as f:
            d.base_conf = f.read()
        yield d
    finally:
        d.stop()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    yield from fresh_daemon(tmp_path_factory, "python")


def run(daemon, impl, line, *opts):
    args = ["-c", daemon.conf, *opts] + (line.split() if line else [])
    if impl == "python":
        r = pyctl.run(args)
    else:
        r = subprocess.run([OUR_SUPERVISORCTL, *args], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout


@pytest.mark.parametrize("line,opts", [("status", ()), ("tail -3 echoer", ()), ("help", ()),
                                       ("stop nosuch", ()), ("", ("-h",)), ("status", ("-x",))])
def test_the_forked_runner_prints_what_pythons_supervisorctl_prints(daemon, line, opts):
    args = ["-c", daemon.conf, *opts] + (line.split() if line else [])
    real = subprocess.run([PY_SUPERVISORCTL, *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    forked = pyctl.run(args)
    assert (forked.returncode, normalise(forked.stdout, daemon), forked.stderr) == (
        real.returncode, normalise(real.stdout, daemon), real.stderr)


def normalise(text, daemon):
    text = text.replace(OUR_SUPERVISORCTL, "SUPERVISORCTL").replace(PY_SUPERVISORCTL, "SUPERVISORCTL")
    text = text.replace(str(daemon.dir), "TMP")
    text = re.sub(r"pid \d+", "pid N", text)
    text = re.sub(r"uptime (\d+ days?, )?\d+:\d\d:\d\d", "uptime T", text)
    text = re.sub(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M", "DATE", text)
    text = re.sub(r"(?m)^\d+$", "N", text)
    # Our extension: the reason after the standard prefix (see commands.cc).
    text = re.sub(r"ERROR \((spawn error|abnormal termination)[^)\n]*\)", r"ERROR (\1)", text)
    return text


def set_config(daemon, extra):
    with open(daemon.conf, "w") as f:
        f.write(daemon.base_conf + extra)


def py(daemon, line):
    return run(daemon, "python", line)


def settled(name):
    """A setup step: wait until `name` is not STARTING or BACKOFF."""
    def step(daemon):
        wait_for(lambda: daemon.rpc.supervisor.getProcessInfo(name)["statename"]
                 not in ("STARTING", "BACKOFF"), what=f"{name} settled")
    return step


# (id, setup steps, command line, extra options). Setup steps are Python ctl lines
# or callables; they run before each of the two ctls so both see the same state.
CASES = [
    ("status", [], "status", ()),
    ("status_one", [], "status sleeper", ()),
    ("status_group", [], "status web:*", ()),
    ("status_group_colon", [], "status web:", ()),
    ("status_mixed_unknown", [], "status web:web_00 nosuch nosuch:*", ()),
    ("status_all", [], "status sleeper all", ()),
    ("pid_daemon", [], "pid", ()),
    ("pid_named", [], "pid sleeper web:web_01", ()),
    ("pid_all", [], "pid all", ()),
    ("pid_not_running", [], "pid manual", ()),
    ("pid_unknown", [], "pid nosuch", ()),
    ("avail", [], "avail", ()),
    ("avail_args", [], "avail x", ()),
    ("version", [], "version", ()),
    ("version_args", [], "version x", ()),
    ("help_start", [], "help start", ()),
    ("help_tail", [], "help tail", ()),
    ("help_maintail", [], "help maintail", ()),
    ("help_help", [], "help help", ()),
    ("help_unknown", [], "help nosuch", ()),
    ("unknown_command", [], "frobnicate now", ()),
    ("tail_stdout", [], "tail echoer", ()),
    ("tail_stderr", [], "tail echoer stderr", ()),
    ("tail_bytes", [], "tail -3 echoer", ()),
    ("tail_bad_channel", [], "tail echoer bogus", ()),
    ("tail_bad_modifier", [], "tail -x echoer", ()),
    ("tail_no_args", [], "tail", ()),
    ("tail_too_many", [], "tail a b c d", ()),
    ("tail_unknown", [], "tail nosuch", ()),
    ("maintail_bad", [], "maintail x", ()),
    ("maintail_too_many", [], "maintail -1 -2", ()),
    ("clear_no_args", [], "clear", ()),
    ("clear_unknown", [], "clear nosuch", ()),
    ("clear_named", [], "clear manual", ()),
    ("signal_no_args", [], "signal HUP", ()),
    ("signal_one", [], "signal CONT sleeper", ()),
    ("signal_group", [], "signal CONT web:*", ()),
    ("signal_bad_name", [], "signal FOO sleeper", ()),
    ("signal_not_running", [], "signal CONT manual", ()),
    ("signal_unknown", [], "signal CONT nosuch nosuch:*", ()),
    ("stop_no_args", [], "stop", ()),
    ("stop_not_running", [], "stop manual", ()),
    ("stop_unknown", [], "stop nosuch nosuch:*", ()),
    ("stop_one", ["start manual"], "stop manual", ()),
    ("stop_group", ["start web:*"], "stop web:*", ()),
    ("start_no_args", [], "start", ()),
    ("start_already", [], "start sleeper", ()),
    ("start_unknown", [], "start nosuch", ()),
    ("start_unknown_group", [], "start nosuch:*", ()),
    ("start_one", ["stop manual"], "start manual", ()),
    ("start_group", ["stop web:*"], "start web:*", ()),
    # The previous ctl's start leaves failer in BACKOFF for a moment (startretries=0, then
    # FATAL): the next start must find it settled, or it is "already started".
    ("start_spawn_error", [settled("failer")], "start failer", ()),
    ("restart_no_args", [], "restart", ()),
    ("restart_stopped", ["stop manual"], "restart manual", ()),
    ("restart_running", ["start manual"], "restart manual", ()),
    ("reread_nothing", [], "reread", ()),
    ("reread_args", [], "reread x", ()),
    ("reread_new", [lambda d: set_config(d, NEWPROG)], "reread", ()),
    ("update_adds", [lambda d: set_config(d, ""), "update", lambda d: set_config(d, NEWPROG)], "update", ()),
    ("update_unknown_group", [], "update nosuch", ()),
    ("update_removes", [lambda d: set_config(d, NEWPROG), "update", lambda d: set_config(d, "")], "update", ()),
    ("add_unknown", [], "add nosuch", ()),
    ("add_active", [], "add sleeper", ()),
    ("remove_running", [], "remove sleeper", ()),
    ("remove_unknown", [], "remove nosuch", ()),
    ("remove_stopped", ["stop manual", "add manual"], "remove manual", ()),
    ("add_removed", ["stop manual", "remove manual"], "add manual", ()),
    ("shutdown_args", [], "shutdown x", ()),
    ("reload_args", [], "reload x", ()),
    ("open_bad_url", [], "open ftp://x", ()),
    ("eof", [], "EOF", ()),
    ("quit", [], "quit", ()),
    ("question_mark_help", [], "? stop", ()),
    ("upcheck_missing_socket_status", [], "status", ("-s", "unix:///nonexistent/sock")),
    ("upcheck_missing_socket_version", [], "version", ("-s", "unix:///nonexistent/sock")),
    ("missing_socket_avail", [], "avail", ("-s", "unix:///nonexistent/sock")),
    ("missing_socket_shutdown", [], "shutdown", ("-s", "unix:///nonexistent/sock")),
    ("refused_tcp_status", [], "status", ("-s", "http://127.0.0.1:1")),
    ("refused_tcp_avail", [], "avail", ("-s", "http://127.0.0.1:1")),
    ("usage_help", [], "", ("-h",)),
]


# Group results come in the daemon's completion order, which varies between runs.
UNORDERED = {"stop_group", "start_group", "signal_group"}


@pytest.mark.parametrize("case,setup,line,opts", CASES, ids=[c[0] for c in CASES])
def test_ctl_output_and_exit_status_match_python(daemon, case, setup, line, opts):
    results = {}
    for impl in ("python", "ours"):
        for step in setup:
            if callable(step):
                step(daemon)
            else:
                py(daemon, step)
        code, out = run(daemon, impl, line, *opts)
        out = normalise(out, daemon)
        if case in UNORDERED:
            out = "\n".join(sorted(out.splitlines()))
        results[impl] = (code, out)
    set_config(daemon, "")
    assert results["ours"] == results["python"]


# Python's supervisorctl with a [ctlplugin:extension] offering our extra commands: its bare
# `help` is the table ours prints (the default table first, unchanged, then ours).
EXTENSION_PLUGIN = """from supervisor.supervisorctl import ControllerPluginBase


class Extension(ControllerPluginBase):
    name = "extension"
""" + "".join(f"""
    def do_{c}(self, arg):
        pass

    def help_{c}(self):
        pass
""" for c in ("history", "reexec", "scale", "why")) + """

def make(controller, **config):
    return Extension(controller)
"""


def test_bare_help_is_pythons_table_then_ours_as_a_plugin_would_list_them(daemon, tmp_path):
    (tmp_path / "extension_plugin.py").write_text(EXTENSION_PLUGIN)
    conf = tmp_path / "plugin.conf"
    conf.write_text(daemon.base_conf + "\n[ctlplugin:extension]\n"
                    "supervisor.ctl_factory = extension_plugin:make\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    with_plugin = subprocess.run([PY_SUPERVISORCTL, "-c", str(conf), "help"], capture_output=True,
                                 text=True, timeout=60, env=env)
    plain = run(daemon, "python", "help")
    ours = run(daemon, "ours", "help")
    assert with_plugin.returncode == plain[0] == ours[0] == 0
    assert ours[1] == with_plugin.stdout
    assert ours[1].startswith(plain[1]) and "extension commands" not in plain[1]
    assert "\nhistory  reexec  scale  why\n" in ours[1]


def test_usage_errors_match_python_on_stderr(daemon):
    for args in (["-x"], ["-s"], ["-s", "foo", "status"], ["--inter=3"], ["-i", "-i"],
                 ["-c", "/nonexistent/x.conf", "status"]):
        outs = []
        for exe in (PY_SUPERVISORCTL, OUR_SUPERVISORCTL):
            argv = [exe] + args if args[0] == "-c" else [exe, "-c", daemon.conf] + args
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            outs.append((r.returncode, r.stdout, normalise(r.stderr, daemon)))
        assert outs[1] == outs[0], args


def test_start_failure_says_why_after_standard_prefix(daemon):
    code, out = run(daemon, "ours", "start failer")
    assert code == 7
    assert out.startswith("failer: ERROR (spawn error")
    # The reason depends on where the daemon's background retries are when we ask
    # (render unit tests pin the texts); the standard prefix and status must hold.
    assert out.endswith(")\n")


def test_piped_shell_prints_prompts_status_first_and_exits_0(daemon):
    script = "status sleeper\nhelp quit\n\nfrobnicate\nversion\n"
    outs = []
    for exe in (PY_SUPERVISORCTL, OUR_SUPERVISORCTL):
        r = subprocess.run([exe, "-c", daemon.conf], capture_output=True, text=True, timeout=60,
                           input=script)
        outs.append((r.returncode, normalise(r.stdout, daemon)))
    assert outs[1] == outs[0]
    assert outs[1][0] == 0
    assert outs[1][1].endswith("supervisor> \n")


def _pty_read_until(fd, needle, timeout=10.0):
    """Reads the pty until `needle` shows up (bounded poll, no fixed sleeps)."""
    import select
    import time
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {needle!r}; got {out!r}")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


@pytest.mark.parametrize("typed", ["status\nu\n", "status\n", ""],
                         ids=["eof_at_username", "eof_at_password", "eof_at_once"])
@pytest.mark.parametrize("impl", ["python", "ours"])
def test_shell_end_of_input_at_the_auth_prompt_ends_the_command_as_python(
        daemon_factory, typed, impl):
    """The shell's first `status` gets 401 and asks for a username and password on stdin.
    Input that ends there is Python's EOFError line, then the prompt and a clean exit (our
    ctl used to ask again forever, until its stack ran out). Both ctls, same daemon."""
    d = daemon_factory("", impl=impl, server_extra="username=u\npassword=p\n")
    out = {}
    for ctl in (OUR_SUPERVISORCTL, PY_SUPERVISORCTL):
        r = subprocess.run([ctl, "-c", d.conf], input=typed, capture_output=True, text=True,
                           timeout=30)
        out[ctl] = (r.stdout, r.returncode)
    assert out[OUR_SUPERVISORCTL] == out[PY_SUPERVISORCTL]
    assert "error: <class 'EOFError'>" in out[OUR_SUPERVISORCTL][0]
    assert out[OUR_SUPERVISORCTL][1] == 0


def test_shell_on_a_terminal_completes_names_and_keeps_plain_history(daemon, tmp_path):
    import pty
    hist = tmp_path / "hist"
    hist.write_text("version\n")   # GNU readline's format, as Python's ctl writes it
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(OUR_SUPERVISORCTL, [OUR_SUPERVISORCTL, "-c", daemon.conf, "-r", str(hist)])
    try:
        _pty_read_until(fd, b"supervisor> ")            # status ran first, then the prompt
        os.write(fd, b"status web:web_0\t")
        _pty_read_until(fd, b"web:web_0")
        os.write(fd, b"0\r")
        # The prompt must be the one after the status lines: the line editor may redraw
        # "supervisor> status web:web_0" after the Tab, and a Ctrl-C sent then would arrive
        # while the command runs. "web:web_00 " (a space) is only in status's own output.
        out = _pty_read_until(fd, b"web:web_00 ")
        rest = out.split(b"web:web_00 ", 1)[1]
        if b"supervisor> " not in rest:
            rest += _pty_read_until(fd, b"supervisor> ")
        assert b"web:web_01" not in rest
        os.write(fd, b"\x03")                             # Ctrl-C leaves with status 0
        deadline = time.monotonic() + 10
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            assert time.monotonic() < deadline, "supervisorctl did not leave on Ctrl-C"
            time.sleep(0.01)
        pid = 0
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert hist.read_text().splitlines() == ["version", "status web:web_00"]
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)


def test_tail_f_streams_log_and_ctrl_c_ends_with_blank_line_exit_0(daemon):
    import signal
    p = subprocess.Popen([OUR_SUPERVISORCTL, "-c", daemon.conf, "tail", "-f", "echoer"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out = _pty_read_until(p.stdout.fileno(), b"hello\n")
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert (out + rest) == b"==> Press Ctrl-C to exit <==\nhello\n\n"
    assert err == b""
    assert p.returncode == 0


# ---- the other direction: Python's supervisorctl cannot tell our daemon from Python's ----

# A pair of daemons of their own, both fresh: the cases above leave state behind (e.g.
# a FATAL process) in the shared Python daemon.
@pytest.fixture(scope="module")
def their_daemon(tmp_path_factory):
    yield from fresh_daemon(tmp_path_factory, "python")


@pytest.fixture(scope="module")
def our_daemon(tmp_path_factory):
    yield from fresh_daemon(tmp_path_factory, "ours")


# Cases decided by the client alone (help, argument errors, unreachable servers) say
# nothing about the daemon: only the ones that reach it are run in this direction.
CLIENT_ONLY = {"help_start", "help_tail", "help_maintail", "help_help", "help_unknown",
               "unknown_command", "usage_help", "open_bad_url", "eof", "quit",
               "question_mark_help", "shutdown_args", "reload_args", "avail_args",
               "version_args", "reread_args", "tail_bad_channel", "tail_bad_modifier",
               "tail_no_args", "tail_too_many", "maintail_bad", "maintail_too_many",
               "clear_no_args", "signal_no_args", "stop_no_args", "start_no_args",
               "restart_no_args", "upcheck_missing_socket_status",
               "upcheck_missing_socket_version", "missing_socket_avail",
               "missing_socket_shutdown", "refused_tcp_status", "refused_tcp_avail"}
DAEMON_CASES = [c for c in CASES if c[0] not in CLIENT_ONLY]


@pytest.mark.parametrize("case,setup,line,opts", DAEMON_CASES, ids=[c[0] for c in DAEMON_CASES])
def test_pythons_ctl_prints_the_same_against_our_daemon(their_daemon, our_daemon, case, setup, line,
                                                        opts):
    results = {}
    for name, d in (("python", their_daemon), ("ours", our_daemon)):
        for step in setup:
            if callable(step):
                step(d)
            else:
                py(d, step)
        code, out = run(d, "python", line, *opts)
        out = normalise(out, d)
        if case in UNORDERED:
            out = "\n".join(sorted(out.splitlines()))
        results[name] = (code, out)
        set_config(d, "")
    assert results["ours"] == results["python"]
