"""Event listeners (http://supervisord.org/events.html): listeners written with Supervisor's own
supervisor.childutils (run by /usr/bin/python3) against our daemon, and the event
sequences compared with Python Supervisor's for the same config and actions."""
import json
import os
import re

import pytest

from support import TESTCHILD, wait_for, pid_alive

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def listener(name, script, args, events, **opts):
    lines = [f"[eventlistener:{name}]",
             f"command={PY} {os.path.join(HERE, 'listeners', script)} {args}",
             f"events={events}"]
    lines += [f"{k}={v}" for k, v in opts.items()]
    return "\n".join(lines) + "\n\n"


def prog(name, command, **opts):
    lines = [f"[program:{name}]", f"command={command}"]
    lines += [f"{k}={v}" for k, v in opts.items()]
    return "\n".join(lines) + "\n\n"


def read_records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def normalise(rec):
    """(eventname, payload) with pids and times replaced; header fields checked here."""
    h = rec["headers"]
    assert h["ver"] == "3.0" and h["server"] == "supervisor"
    assert int(h["len"]) == len(rec["payload"])   # characters, as Supervisor counts
    payload = re.sub(r"pid:\d+", "pid:N", rec["payload"])
    payload = re.sub(r"when:\d+", "when:T", payload)
    return (h["eventname"], payload)


def has(records, eventname, fragment=""):
    return any(r["headers"]["eventname"] == eventname and fragment in r["payload"]
               for r in records)


def run_scenario(daemon_factory, impl, tmp_path):
    """One recorder subscribed to everything but ticks; a sleeper, a talker with log
    events and capture mode; stop the sleeper, send a remote event, then wait."""
    out = str(tmp_path / f"events-{impl}.jsonl")
    talker = ("/bin/sh -c 'echo hello; echo oops >&2; "
              "printf \"<!--XSUPERVISOR:BEGIN-->captured<!--XSUPERVISOR:END-->\"; exec sleep 1000'")
    body = (listener("rec", "recorder.py", out,
                     "PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,REMOTE_COMMUNICATION,"
                     "PROCESS_LOG,PROCESS_COMMUNICATION", buffer_size=100)
            + prog("sleeper", f"{TESTCHILD} sleep", startsecs=1)
            # Holds shutdown ~2 s (SIGKILL after stopwaitsecs) so that the recorder, stopped
            # last, has long answered before SUPERVISOR_STATE_CHANGE_STOPPING comes.
            + prog("slowstop", f"{TESTCHILD} ignore-term", startsecs=0, stopwaitsecs=2,
                   priority=1000)
            + prog("talker", talker, startsecs=1, stdout_events_enabled="true",
                   stderr_events_enabled="true", stdout_capture_maxbytes=1000))
    d = daemon_factory(body, impl=impl)
    wait_for(lambda: has(read_records(out), "PROCESS_STATE_RUNNING", "processname:talker")
             and has(read_records(out), "PROCESS_STATE_RUNNING", "processname:sleeper")
             and has(read_records(out), "PROCESS_COMMUNICATION_STDOUT"),
             timeout=20, what=f"{impl}: RUNNING events for sleeper and talker")
    d.rpc.supervisor.stopProcess("sleeper")
    d.rpc.supervisor.sendRemoteCommEvent("mytype", "some data")
    wait_for(lambda: has(read_records(out), "REMOTE_COMMUNICATION"), timeout=20,
             what=f"{impl}: REMOTE_COMMUNICATION")
    d.stop()
    records = read_records(out)
    # What a listener still gets while shutdown stops the others races its own stop (in
    # Supervisor too): compare up to SUPERVISOR_STATE_CHANGE_STOPPING.
    names = [r["headers"]["eventname"] for r in records]
    assert "SUPERVISOR_STATE_CHANGE_STOPPING" in names
    return records[:names.index("SUPERVISOR_STATE_CHANGE_STOPPING") + 1]


def by_source(records):
    """Events per process (their relative order is deterministic) and the rest in order."""
    per = {}
    for r in records:
        name, payload = normalise(r)
        m = re.match(r"processname:(\S+)", payload)
        key = m.group(1) if m else "*"
        if name.endswith("_STDERR"):   # the two pipes race each other: order per pipe
            key += "/stderr"
        per.setdefault(key, []).append((name, payload))
    return per


def test_event_sequences_match_python_supervisor(daemon_factory, tmp_path):
    ours = run_scenario(daemon_factory, "ours", tmp_path)
    theirs = run_scenario(daemon_factory, "python", tmp_path)
    # Serials: global and per pool, strictly increasing from 0 for a single pool.
    for recs in (ours, theirs):
        serials = [int(r["headers"]["serial"]) for r in recs]
        assert serials == sorted(serials) and serials[0] == 0
        assert [int(r["headers"]["poolserial"]) for r in recs] == serials
    o, t = by_source(ours), by_source(theirs)
    assert o == t
    assert ("PROCESS_COMMUNICATION_STDOUT",
            "processname:talker groupname:talker pid:N\ncaptured") in o["talker"]
    assert ("PROCESS_LOG_STDERR",
            "processname:talker groupname:talker pid:N channel:stderr\noops\n") in o["talker/stderr"]
    assert o["*"][:5] == [("PROCESS_GROUP_ADDED", "groupname:rec\n"),
                          ("PROCESS_GROUP_ADDED", "groupname:sleeper\n"),
                          ("PROCESS_GROUP_ADDED", "groupname:talker\n"),
                          ("PROCESS_GROUP_ADDED", "groupname:slowstop\n"),
                          ("SUPERVISOR_STATE_CHANGE_RUNNING", "")]
    assert ("REMOTE_COMMUNICATION", "type:mytype\nsome data") in o["*"]


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_crash_notifier_sees_unexpected_exits_only(daemon_factory, tmp_path, impl):
    out = str(tmp_path / f"crash-{impl}.txt")
    d = daemon_factory(listener("crash", "crashnotify.py", out, "PROCESS_STATE_EXITED",
                                startsecs=0)
                       + prog("bad", f"{TESTCHILD} exit 5 1500", startsecs=1,
                              autorestart="false")
                       + prog("good", f"{TESTCHILD} exit 0 1500", startsecs=1,
                              autorestart="false"), impl=impl)
    wait_for(lambda: os.path.exists(out) and "bad:bad pid" in open(out).read(), timeout=20,
             what="crash notice")
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("good")["statename"] == "EXITED",
             what="good exited")
    text = open(out).read()
    assert "good" not in text
    assert re.fullmatch(r"bad:bad pid \d+\n", text)


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_memory_monitor_restarts_an_instance_over_xmlrpc(daemon_factory, tmp_path, impl):
    out = str(tmp_path / f"memmon-{impl}.txt")
    hog = f"{PY} -c 'x = bytearray(80 * 1024 * 1024); import time; time.sleep(1000)'"
    d = daemon_factory(listener("memmon", "memmon.py", f"{40 * 1024 * 1024} {out}", "TICK_5",
                                startsecs=0)
                       + prog("hog", hog, startsecs=0)
                       + prog("small", f"{TESTCHILD} sleep", startsecs=0), impl=impl)
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("hog")["statename"] == "RUNNING",
             what="hog running")
    first = d.rpc.supervisor.getProcessInfo("hog")["pid"]
    small = d.rpc.supervisor.getProcessInfo("small")["pid"]
    wait_for(lambda: os.path.exists(out) and f"restarted hog:hog {first}" in open(out).read(),
             timeout=20, what="memmon restart")
    info = d.rpc.supervisor.getProcessInfo("hog")
    assert info["statename"] == "RUNNING" and info["pid"] != first
    assert not pid_alive(first)
    assert d.rpc.supervisor.getProcessInfo("small")["pid"] == small


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_rejected_event_is_sent_again_with_the_same_serials(daemon_factory, tmp_path, impl):
    out = str(tmp_path / f"failer-{impl}.txt")
    d = daemon_factory(listener("failer", "failer.py", out, "REMOTE_COMMUNICATION",
                                startsecs=0), impl=impl)
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("failer")["statename"] == "RUNNING",
             what="listener running")
    d.rpc.supervisor.sendRemoteCommEvent("t", "payload")
    wait_for(lambda: os.path.exists(out) and len(open(out).read().splitlines()) >= 2,
             timeout=20, what="second delivery")
    lines = open(out).read().splitlines()
    assert lines[0] == lines[1] == "0 0 REMOTE_COMMUNICATION type:t|payload"
    d.rpc.supervisor.sendRemoteCommEvent("t", "next")
    wait_for(lambda: len(open(out).read().splitlines()) >= 4, timeout=20, what="next event")
    assert open(out).read().splitlines()[2:4] == ["1 1 REMOTE_COMMUNICATION type:t|next"] * 2


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_bad_listeners_do_not_lose_events_or_disturb_supervision(daemon_factory, tmp_path, impl):
    """A pool with one good recorder and protocol violators: every event still reaches
    the recorder; a listener that dies mid-event is restarted (autorestart) and the
    event it held goes to the recorder; other programs keep running."""
    out = str(tmp_path / f"rec-{impl}.jsonl")
    events = "REMOTE_COMMUNICATION"
    body = (f"[eventlistener:die]\ncommand={PY} {HERE}/listeners/garbage.py die\n"
            f"events={events}\nstartsecs=0\nautorestart=true\npriority=1\n\n"
            f"[eventlistener:garbage]\ncommand={PY} {HERE}/listeners/garbage.py garbage\n"
            f"events={events}\nstartsecs=0\npriority=2\n\n"
            f"[eventlistener:badresult]\ncommand={PY} {HERE}/listeners/garbage.py badresult\n"
            f"events={events}\nstartsecs=0\npriority=3\n\n"
            + listener("rec", "recorder.py", out, events, startsecs=0)
            + prog("app", f"{TESTCHILD} sleep", startsecs=0))
    d = daemon_factory(body, impl=impl)
    wait_for(lambda: all(i["statename"] == "RUNNING" for i in d.rpc.supervisor.getAllProcessInfo()),
             what="all running")
    app_pid = d.rpc.supervisor.getProcessInfo("app")["pid"]
    die_pid = d.rpc.supervisor.getProcessInfo("die")["pid"]
    for i in range(3):
        d.rpc.supervisor.sendRemoteCommEvent("n", str(i))
    wait_for(lambda: len(read_records(out)) >= 3, timeout=20, what="recorder got 3 events")
    assert [r["payload"] for r in read_records(out)] == ["type:n\n0", "type:n\n1", "type:n\n2"]
    # The dying listener was restarted; the app was never touched.
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("die")["pid"] not in (0, die_pid),
             what="die restarted")
    assert d.rpc.supervisor.getProcessInfo("app")["pid"] == app_pid
    log = open(d.logfile).read()
    assert "garbage: has entered the UNKNOWN state" in log
    assert "badresult: bad result line: 'RESULT x'" in log


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_buffer_overflow_discards_the_oldest_and_logs_it(daemon_factory, tmp_path, impl):
    out = str(tmp_path / f"rec-{impl}.jsonl")
    d = daemon_factory(listener("rec", "recorder.py", out, "REMOTE_COMMUNICATION",
                                buffer_size=2, autostart="false"), impl=impl)
    for i in range(4):
        d.rpc.supervisor.sendRemoteCommEvent("n", str(i))
    d.rpc.supervisor.startProcess("rec")
    wait_for(lambda: len(read_records(out)) >= 2, timeout=20, what="two events")
    recs = read_records(out)
    assert [r["payload"] for r in recs] == ["type:n\n2", "type:n\n3"]
    assert [r["headers"]["serial"] for r in recs] == ["2", "3"]
    log = open(d.logfile).read()
    assert "pool rec event buffer overflowed, discarding event 0" in log
    assert "pool rec event buffer overflowed, discarding event 1" in log


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_non_ascii_and_undecodable_payloads_reach_a_childutils_listener(
        daemon_factory, tmp_path, impl):
    """`len:` counts characters, as Supervisor's: a childutils listener reads the payload
    with read(len) from a text stream. A non-ASCII remote event, then program output with
    non-ASCII text and bytes that are not UTF-8 (PROCESS_LOG, PROCESS_COMMUNICATION), then
    ASCII events: every one arrives whole, in order, and the same as from Python's daemon.
    (With a byte count the listener waited for characters that never came, and every later
    event of the pool was lost.)"""
    out = str(tmp_path / f"rec-{impl}.jsonl")
    talker = ("/bin/sh -c 'sleep 0.5; printf \"h\\303\\244llo \\342\\234\\223\\n\"; "
              "printf \"bad \\377\\376\\n\"; "
              "printf \"<!--XSUPERVISOR:BEGIN-->d\\303\\244t\\303\\244<!--XSUPERVISOR:END-->\"; "
              "exec sleep 1000'")
    body = (listener("rec", "recorder.py", out,
                     "REMOTE_COMMUNICATION,PROCESS_LOG,PROCESS_COMMUNICATION",
                     startsecs=0, buffer_size=100)
            + prog("talker", talker, startsecs=0, stdout_events_enabled="true",
                   stdout_capture_maxbytes="1MB", autostart="false"))
    d = daemon_factory(body, impl=impl)
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("rec")["statename"] == "RUNNING",
             what="listener running")
    d.rpc.supervisor.sendRemoteCommEvent("t", "dätä ✓")
    d.rpc.supervisor.startProcess("talker")
    wait_for(lambda: sum(1 for r in read_records(out)
                         if r["headers"]["eventname"] == "PROCESS_COMMUNICATION_STDOUT") == 1,
             timeout=20, what=f"{impl}: the captured event")
    for i in range(3):
        d.rpc.supervisor.sendRemoteCommEvent("t", f"ascii {i}")
    wait_for(lambda: sum(1 for r in read_records(out) if "ascii 2" in r["payload"]) == 1,
             timeout=20, what=f"{impl}: the last ASCII event")
    recs = [normalise(r) for r in read_records(out)]
    remote = [p for e, p in recs if e == "REMOTE_COMMUNICATION"]
    assert remote == ["type:t\ndätä ✓", "type:t\nascii 0", "type:t\nascii 1", "type:t\nascii 2"]
    logged = "".join(p.split("\n", 1)[1] for e, p in recs if e == "PROCESS_LOG_STDOUT")
    # One chunk or two, as the reads fell: the valid text as text or inside the repr of an
    # undecodable chunk, the invalid bytes always as Python's repr.
    assert "hällo ✓\n" in logged or "h\\xc3\\xa4llo \\xe2\\x9c\\x93\\n" in logged
    assert "Undecodable: b'" in logged and "\\xff\\xfe" in logged
    comm = [p for e, p in recs if e == "PROCESS_COMMUNICATION_STDOUT"]
    assert len(comm) == 1 and comm[0].endswith("\ndätä")
