"""[eventlistener:x] result_handler: the supervisor-stdout plugin's handler
(supervisor_stdout:event_handler) built in, compared with Python Supervisor running a
stand-in module of the same behaviour; an unknown handler refused with file:line; and, at
loglevel=debug, program output that is not UTF-8 shown in the daemon log as
"Undecodable: b'...'" as Supervisor shows it, never as raw bytes (log file and stdout).

The listener side is Python, as with the plugin: it reads each event with
supervisor.childutils and sends the payload back as its RESULT. The handler side is the
daemon's: ours natively, Python's through the stand-in module on PYTHONPATH."""
import re
import subprocess

import pytest

from support import OUR_SUPERVISORD, PY_SUPERVISORD, Daemon, wait_for

PY = "/usr/bin/python3"

# What the plugin's listener (supervisor_stdout.main) does, through childutils: READY, one
# event, its payload sent back as the RESULT. The length is counted in bytes as the plugin
# counts it (childutils.listener.send counts characters, which breaks on non-ASCII).
LISTENER = """\
import sys
from supervisor import childutils

while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    sys.stdout.write("RESULT %d\\n%s" % (len(payload.encode("utf-8")), payload))
    sys.stdout.flush()
"""

# Stand-in for the plugin's daemon side, for Python's daemon only: the response's first
# line holds the payload headers; each LF-separated piece of the rest (the empty one after
# a final LF too) is printed to supervisord's stdout behind "<processname> <channel> | ".
FAKE_PLUGIN = """\
def event_handler(event, response):
    first, rest = response.decode("utf-8").split("\\n", 1)
    fields = dict(token.split(":") for token in first.split())
    tag = fields["processname"] + " " + fields["channel"] + " | "
    print("\\n".join(tag + piece for piece in rest.split("\\n")))
"""

# Each program says everything with one write per pipe, so that each channel's output
# reaches the daemon as one chunk in both implementations (a chunk is one event).
TALKER = """\
import os, sys, time
if sys.argv[1] == "plain":
    os.write(1, "hello\\nw\\u00f6rld\\n".encode("utf-8"))
    os.write(2, b"oops\\n")
    time.sleep(1000)
else:
    os.write(1, b"\\x88\\n")
    os.write(2, b"boom \\x88\\n")
    sys.exit(3)
"""

# Per (process, channel), the lines relayed to stdout in order: the plugin prints the empty
# piece after each chunk's final LF as a line of its own.
EXPECTED = {
    ("plain", "stdout"): ["plain stdout | hello", "plain stdout | w\u00f6rld", "plain stdout | "],
    ("plain", "stderr"): ["plain stderr | oops", "plain stderr | "],
    ("bad", "stdout"): ["bad stdout | Undecodable: b'\\x88\\n'"],
    ("bad", "stderr"): ["bad stderr | Undecodable: b'boom \\x88\\n'"],
}

RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.M)


def config(tmp_path):
    (tmp_path / "listener.py").write_text(LISTENER)
    (tmp_path / "talker.py").write_text(TALKER)
    env = 'environment=PYTHONIOENCODING="utf-8"'
    listener = f"{PY} {tmp_path / 'listener.py'}"
    return f"""
[program:plain]
command={PY} {tmp_path / 'talker.py'} plain
startsecs=0
stdout_events_enabled=true
stderr_events_enabled=true

[program:bad]
command={PY} {tmp_path / 'talker.py'} bad
startsecs=0
autorestart=false
stdout_events_enabled=true
stderr_events_enabled=true

[eventlistener:stdout]
command={listener}
events=PROCESS_LOG
buffer_size=100
result_handler=supervisor_stdout:event_handler
startsecs=0
priority=-1
{env}

[eventlistener:state]
command={listener}
events=PROCESS_STATE_RUNNING
result_handler = supervisor_stdout:event_handler
startsecs=0
{env}
; Not the stdout listener's priority: Supervisor 4.2.5 re-queues a rejected event in every
; pool holding a process of the same priority (Subprocess.__eq__ compares priorities; a
; listener process's is 999 unless set), so the state event would land in the stdout pool
; too. The programs' priority: one shutdown step (about a second) fewer for Python's daemon.
priority=999
"""


def relayed(out_bytes):
    """Lines "<process> <channel> | ..." on the daemon's stdout, grouped per channel."""
    groups = {}
    for line in out_bytes.decode("utf-8", errors="replace").split("\n"):
        m = re.match(r"(plain|bad) (stdout|stderr) \| ", line)
        if m:
            groups.setdefault((m.group(1), m.group(2)), []).append(line)
    return groups


def records(log_text, fragment):
    """Daemon log records (timestamp removed) holding fragment; a record may span lines."""
    starts = [m.start() for m in RECORD.finditer(log_text)] + [len(log_text)]
    out = []
    for a, b in zip(starts, starts[1:]):
        text = RECORD.sub("", log_text[a:b], count=1)
        if fragment in text:
            out.append(text)
    return out


def run(tmp_path, impl):
    """Starts one daemon on the scenario, waits for everything to be relayed, stops it;
    returns its stdout and daemon log bytes."""
    d = Daemon(tmp_path / impl, config(tmp_path), impl=impl)
    out_path = d.dir / f"daemon-{impl}.out"

    def done():
        log = open(d.logfile, encoding="utf-8", errors="replace").read()
        got = relayed(out_path.read_bytes())
        return (all(len(got.get(k, [])) >= len(v) for k, v in EXPECTED.items())
                and "state: event caused an error" in log and "exited: bad" in log)

    try:
        d.start()
        wait_for(done, timeout=20, what=f"{impl}: relayed output and the handler error")
    finally:
        d.stop()
    return out_path.read_bytes(), open(d.logfile, "rb").read()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The same config on both daemons, once for the tests below: {impl: (stdout, log)}."""
    tmp_path = tmp_path_factory.mktemp("handlers")
    for impl in ("ours", "py"):
        (tmp_path / impl).mkdir()
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "supervisor_stdout.py").write_text(FAKE_PLUGIN)
    results = {"ours": run(tmp_path, "ours")}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", str(plugin))
        mp.setenv("PYTHONUNBUFFERED", "1")   # the plugin's print() reaches the file at once
        results["py"] = run(tmp_path, "py")
    return results


def test_stdout_handler_relays_as_python_with_the_plugin(scenario):
    (ours_out, ours_log), (py_out, py_log) = scenario["ours"], scenario["py"]
    assert relayed(py_out) == EXPECTED
    assert relayed(ours_out) == EXPECTED
    # The relayed bytes exactly, LF-terminated, for one chunk.
    assert b"plain stdout | hello\nplain stdout | w\xc3\xb6rld\nplain stdout | \n" in ours_out
    # A handler that fails (a PROCESS_STATE payload has no LF) makes the listener UNKNOWN.
    for log in (ours_log.decode(errors="replace"), py_log.decode(errors="replace")):
        assert "WARN state: event caused an error" in log
        assert "WARN state: has entered the UNKNOWN state" in log
        assert "stdout: event caused an error" not in log


def test_undecodable_output_in_the_debug_log_as_python(scenario):
    (ours_out, ours_log), (py_out, py_log) = scenario["ours"], scenario["py"]
    # Nothing raw: not in the log file, not on stdout (the log's copy and the relay), not in
    # our crash diagnosis line, which quotes the program's last stderr line.
    for name, blob in (("our log", ours_log), ("our stdout", ours_out), ("Python's log", py_log),
                       ("Python's stdout", py_out)):
        assert b"\x88" not in blob, f"raw \\x88 in {name}"
    want = ["DEBG 'bad' stdout output:\nUndecodable: b'\\x88\\n'\n",
            "DEBG 'bad' stderr output:\nUndecodable: b'boom \\x88\\n'\n"]
    assert sorted(records(py_log.decode("utf-8"), "DEBG 'bad' ")) == sorted(want)
    assert sorted(records(ours_log.decode("utf-8"), "DEBG 'bad' ")) == sorted(want)
    assert "last output: Undecodable: b'boom \\x88'" in ours_log.decode()


def test_unknown_handler_is_refused_with_its_place(tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"""[supervisord]
logfile={tmp_path}/supervisord.log
pidfile={tmp_path}/supervisord.pid

[eventlistener:x]
command=/bin/cat
events=PROCESS_STATE
result_handler = mymod:handler
""")
    results = {}
    for impl, exe in (("ours", OUR_SUPERVISORD), ("py", PY_SUPERVISORD)):
        r = subprocess.run([exe, "-n", "-c", str(conf)], capture_output=True, text=True,
                           timeout=30, cwd=str(tmp_path))
        results[impl] = r
        assert r.returncode == 2, (impl, r.stdout, r.stderr)
        assert "mymod:handler cannot be resolved within [eventlistener:x]" in r.stderr
    err = results["ours"].stderr
    assert f"{conf}:8:" in err and "result_handler" in err
    assert "supervisor_stdout:event_handler" in err   # what is built in
