"""Hostile text: characters XML 1.0 forbids and bytes that are not UTF-8, in XML-RPC requests,
in config files and in program output, against our supervisord and Python Supervisor 4.2.5
with the same config.

Different on purpose (README "Different on purpose", man/supervisord.8):
- a request body that is not UTF-8: Python's medusa raises UnicodeDecodeError outside its
  handler and drops the connection without an answer; ours answers 400 like any other
  malformed request body.
- text that is not UTF-8 or holds characters XML forbids (a process's output in tails and
  readLog, a name with a control character): Python answers 500 (UnicodeDecodeError) or
  writes them raw so that xmlrpc.client fails to parse the answer (ExpatError); ours writes
  U+FFFD for each, so its clients keep working.
"""
import os
import re
import subprocess
import xmlrpc.client

import pytest

from support import (OUR_SUPERVISORCTL, OUR_SUPERVISORD, PY_SUPERVISORCTL, PY_SUPERVISORD,
                     TESTCHILD, raw_request, rpc_proxy, wait_for)

REPLACEMENT = "\ufffd"

WORKERS = f"""[program:w]
command={TESTCHILD} sleep
process_name=%(program_name)s_%(process_num)02d
numprocs=2
startsecs=0
"""


def post(body):
    return (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def stop_call(name):
    return (b"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.stopProcess"
            b"</methodName>\n<params>\n<param>\n<value><string>" + name +
            b"</string></value>\n</param>\n</params>\n</methodCall>\n")


def status_and_body(response):
    """(status code, body) of a raw HTTP answer; (None, b"") when the peer closed silently."""
    if not response:
        return None, b""
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def pids(d):
    return {p["name"]: (p["statename"], p["pid"]) for p in d.rpc.supervisor.getAllProcessInfo()}


# Every form a character XML 1.0 does not allow can take in a request, after "w:w_00".
FORBIDDEN = [b"&#0;", b"&#1;", b"&#x1;", b"&#xFFFE;", b"&#xD800;", b"&#x110000;",
             b"\x00", b"\x01", b"\x1b", b"\xef\xbf\xbe"]
# Bytes that are not UTF-8: Python drops the connection, ours answers 400.
NOT_UTF8 = [b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf"]


def test_forbidden_characters_in_a_request_are_refused_and_nothing_is_stopped(daemon_factory):
    ours = daemon_factory(WORKERS, impl="ours")
    py = daemon_factory(WORKERS, impl="py")
    for d in (ours, py):
        wait_for(lambda: all(s == "RUNNING" for s, _ in pids(d).values()), what="RUNNING")
    before = pids(ours)
    for form in FORBIDDEN + NOT_UTF8:
        request = post(stop_call(b"w:w_00" + form + b"junk"))
        got = status_and_body(raw_request(ours.sock, request))
        want = status_and_body(raw_request(py.sock, request))
        if form in NOT_UTF8:
            assert want == (None, b""), form
            assert got[0] == 400, form
        else:
            assert got == want, form
            assert got[0] == 400, form
        assert pids(ours) == before, f"{form!r} acted on a process"
    # The method name is checked too, and the daemon still answers.
    request = post(b"<?xml version='1.0'?><methodCall><methodName>supervisor.stopAllProcesses"
                   b"&#0;</methodName></methodCall>")
    assert status_and_body(raw_request(ours.sock, request))[0] == 400
    assert pids(ours) == before
    # Characters XML allows still reach the method (tab, C1, DEL): same fault on both.
    for form in (b"&#9;", b"&#x85;", b"\x7f"):
        request = post(stop_call(b"w:w_00" + form + b"junk"))
        got = status_and_body(raw_request(ours.sock, request))
        assert got == status_and_body(raw_request(py.sock, request)), form
        assert got[0] == 200 and b"BAD_NAME" in got[1]
    assert pids(ours) == before


BAD_CONFIGS = {
    # what is not UTF-8, where (line number of the bad byte in the file ours names)
    "section name": (b"[program:bad\xff\xfename]\ncommand=/bin/cat\n", "supervisord.conf"),
    "value": (b"[program:ok]\ncommand=/bin/cat caf\xe9\n", "supervisord.conf"),
    "comment": (b"; \xed\xa0\x80\n[program:ok]\ncommand=/bin/cat\n", "supervisord.conf"),
    "included file": (b"[include]\nfiles=conf.d/*.ini\n", "conf.d/bad.ini"),
}


@pytest.mark.parametrize("where", sorted(BAD_CONFIGS))
def test_config_that_is_not_utf8_is_refused_by_both_and_ours_names_file_and_line(
        tmp_path, where):
    body, bad_file = BAD_CONFIGS[where]
    conf = tmp_path / "supervisord.conf"
    conf.write_bytes(b"[supervisord]\nlogfile=%s\npidfile=%s\n" % (
        str(tmp_path / "sd.log").encode(), str(tmp_path / "sd.pid").encode()) + body)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "bad.ini").write_bytes(b"[program:inc]\ncommand=/bin/cat\xff\n")
    bad_text = (tmp_path / bad_file).read_bytes()
    bad_line = next(i for i, l in enumerate(bad_text.split(b"\n"), 1) if l.decode(
        errors="replace") != l.decode(errors="ignore"))
    results = {}
    for exe in (PY_SUPERVISORD, OUR_SUPERVISORD):
        r = subprocess.run([exe, "-n", "-c", str(conf)], cwd=tmp_path, capture_output=True,
                           timeout=30)
        results[exe] = r
        assert r.returncode == 2, (exe, r.stdout, r.stderr)
        assert b"codec can't decode byte" in r.stderr, (exe, r.stderr)
    ours = results[OUR_SUPERVISORD].stderr.decode()   # itself valid UTF-8
    assert re.search(rf"(^|/){re.escape(bad_file)}:{bad_line}: 'utf-8' codec can't decode",
                     ours), ours
    assert re.search(r"\n *\^\n", ours), "a caret under the byte"
    check = subprocess.run([OUR_SUPERVISORD, "--check-config", "-c", str(conf)], cwd=tmp_path,
                           capture_output=True, timeout=30)
    assert check.returncode == 2 and f"{bad_file}:{bad_line}:".encode() in check.stderr
    # supervisorctl reads the same file (not its [include]s, in both): both refuse it too.
    ctl = {}
    for exe in (PY_SUPERVISORCTL, OUR_SUPERVISORCTL):
        r = subprocess.run([exe, "-c", str(conf), "status"], cwd=tmp_path, capture_output=True,
                           timeout=30)
        ctl[exe] = (r.returncode, b"codec can't decode byte" in r.stdout + r.stderr)
    assert ctl[PY_SUPERVISORCTL] == ctl[OUR_SUPERVISORCTL]
    assert ctl[OUR_SUPERVISORCTL] == (2, bad_file == "supervisord.conf")


def test_reread_of_a_config_that_is_not_utf8_is_refused_and_the_running_config_stays(
        daemon_factory):
    ours = daemon_factory(WORKERS, impl="ours")
    py = daemon_factory(WORKERS, impl="py")
    faults = {}
    for d in (ours, py):
        wait_for(lambda: all(s == "RUNNING" for s, _ in pids(d).values()), what="RUNNING")
        before = pids(d)
        with open(d.conf, "ab") as f:
            f.write(b"\n[program:bad\xff\xfename]\ncommand=/bin/cat\n")
        with pytest.raises(xmlrpc.client.Fault) as e:
            d.rpc.supervisor.reloadConfig()
        faults[d.impl] = e.value
        assert pids(d) == before
    assert faults["ours"].faultCode == faults["py"].faultCode == 92   # CANT_REREAD
    bad_line = open(ours.conf, "rb").read().split(b"\n").index(b"[program:bad\xff\xfename]") + 1
    assert f"supervisord.conf:{bad_line}: 'utf-8' codec" in faults["ours"].faultString


# Three writes: text Python's xmlrpc.client can carry, text with characters XML forbids
# (valid UTF-8), bytes that are not UTF-8.
CHILD = r"""#!/bin/sh
printf 'plain caf\303\251\n'
printf 'ctl \001 esc \033[31mred\033[0m\n'
printf 'bad \377\376 end\n'
exec sleep 1000
"""
PLAIN = "plain caf\u00e9\n"


def expected_text(raw):
    """What ours sends for bytes `raw`: Python's decode(errors='replace'), then U+FFFD for each
    character XML 1.0 forbids."""
    text = raw.decode("utf-8", errors="replace")
    return "".join(c if c in "\t\n\r" or 0x20 <= ord(c) < 0xFFFE and not 0xD800 <= ord(c) < 0xE000
                   or ord(c) >= 0x10000 else REPLACEMENT for c in text)


def test_output_that_is_not_utf8_or_xml_reaches_python_clients_replaced(daemon_factory, tmp_path):
    script = tmp_path / "child.sh"
    script.write_text(CHILD)
    script.chmod(0o755)
    body = f"[program:p]\ncommand={script}\nstartsecs=0\n"
    ours = daemon_factory(body, impl="ours")
    py = daemon_factory(body, impl="py")
    logs = {}
    for d in (ours, py):
        logfile = d.rpc.supervisor.getProcessInfo("p")["stdout_logfile"]
        wait_for(lambda: os.path.exists(logfile) and b" end\n" in open(logfile, "rb").read(),
                 what="output logged")
        logs[d.impl] = open(logfile, "rb").read()
    raw = logs["ours"]
    assert raw == logs["py"]
    size = len(raw)
    plain_bytes = len(PLAIN.encode())

    # Where Python's clients work against Python's daemon, they get the same from ours:
    # byte offsets and lengths, the returned offset (the file size in bytes).
    for d in (ours, py):
        assert d.rpc.supervisor.readProcessStdoutLog("p", 0, plain_bytes) == PLAIN
        assert d.rpc.supervisor.readProcessStdoutLog("p", 6, plain_bytes - 6) == PLAIN[6:]
        assert d.rpc.supervisor.tailProcessStdoutLog("p", size, 100) == ["", size, False]
    # Where Python fails (500 for bytes that are not UTF-8), ours answers with U+FFFD.
    with pytest.raises(xmlrpc.client.ProtocolError) as e:
        py.rpc.supervisor.readProcessStdoutLog("p", 0, 0)
    assert e.value.errcode == 500
    assert ours.rpc.supervisor.readProcessStdoutLog("p", 0, 0) == expected_text(raw)
    assert ours.rpc.supervisor.tailProcessStdoutLog("p", 0, 1000) == [expected_text(raw), size,
                                                                      False]
    # A window that cuts 'é' in half: the lone byte is one U+FFFD, offsets stay bytes.
    assert ours.rpc.supervisor.readProcessStdoutLog("p", plain_bytes - 2, 2) == REPLACEMENT + "\n"
    # Python's supervisorctl tail against ours works and shows the replaced text.
    r = ours.ctl("tail", "p", impl="py")
    assert r.returncode == 0 and r.stdout == expected_text(raw) + "\n", r
    assert ours.ctl("tail", "p", impl="ours").stdout == r.stdout
    assert py.ctl("tail", "p", impl="py").returncode != 0   # Python's own: the 500
    # The daemon log (loglevel=debug) shows the undecodable chunk as Python's does.
    log = ours.rpc.supervisor.readLog(0, 0)
    assert "'p' stdout output:\nUndecodable: b'" in log and "\\xff\\xfe" in log


def test_a_name_with_a_control_character_does_not_break_every_status_call(daemon_factory):
    body = f"[program:a\x01b]\ncommand={TESTCHILD} sleep\nstartsecs=0\n"
    ours = daemon_factory(body, impl="ours")
    wait_for(lambda: ours.rpc.supervisor.getAllProcessInfo()[0]["statename"] == "RUNNING",
             what="RUNNING")
    info = ours.rpc.supervisor.getAllProcessInfo()
    assert info[0]["name"] == "a" + REPLACEMENT + "b"
    r = ours.ctl("status", impl="py")
    assert r.returncode == 0 and "a\ufffdb" in r.stdout, r
    py = daemon_factory(body, impl="py")
    with pytest.raises(Exception):   # Python writes \x01 raw: ExpatError in xmlrpc.client
        rpc_proxy(py.sock).supervisor.getAllProcessInfo()
