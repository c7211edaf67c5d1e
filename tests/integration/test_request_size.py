"""Large XML-RPC requests: [supervisord] http_request_maxbytes.

Python Supervisor reads a request body of any size into memory; we keep a bound, an option
of ours (default 64MB, supervisord.conf(5) EXTENSIONS) that Python ignores, so the same
config runs both daemons. The default must take what Supervisor's own clients send:
5 MB of sendProcessStdin data (up to 26 MB once xmlrpc.client escapes '&') and a
100,000-call system.multicall (about 25 MB), and our answer to the latter must reach
xmlrpc.client.

Different on purpose (README "Different on purpose"): a body over the bound is answered 413
with the limit and the option named in the page and in the daemon log; Python has no bound.

Runtime: about 6 s in all, most of it xmlrpc.client encoding and decoding in this process.
The 100,000-call multicall runs against our daemon only: Python's takes about 50 s.
"""
import hashlib
import json
import os
import socket
import subprocess
import xmlrpc.client

import pytest

from support import OUR_SUPERVISORD, wait_for

MIB = 1024 * 1024

# Counts and hashes what arrives on stdin; the file is replaced after every read, so the
# test sees either the previous or the new total, never half a write.
COUNTER = r"""import hashlib, os, sys
out = sys.argv[1]
n, h = 0, hashlib.sha256()
while True:
    b = os.read(0, 1 << 16)
    if not b:
        break
    n += len(b)
    h.update(b)
    with open(out + ".tmp", "w") as f:
        f.write("%d %s" % (n, h.hexdigest()))
    os.replace(out + ".tmp", out)
"""


def counter_program(tmp_path):
    script = tmp_path / "counter.py"
    script.write_text(COUNTER)
    received = tmp_path / "received"
    body = f"""[program:counter]
command=/usr/bin/python3 {script} {received}
startsecs=0
"""
    return body, received


def read_received(path):
    try:
        n, digest = path.read_text().split()
    except (OSError, ValueError):
        return None
    return int(n), digest


def wait_running(d, name):
    wait_for(lambda: d.rpc.supervisor.getProcessInfo(name)["statename"] == "RUNNING",
             timeout=10, what=f"{name} RUNNING")


def raw_post(sock_path, head_only_length=None, body=b""):
    """POST /RPC2 on a fresh connection; with head_only_length, only the headers are sent,
    declaring that many body bytes. Returns the whole answer (the server closes after it).
    A refused request was never parsed, so the answer says HTTP/1.0, as for a 400."""
    length = head_only_length if head_only_length is not None else len(body)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(sock_path)
        s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
                  b"Content-Length: %d\r\n\r\n" % length + body)
        answer = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return bytes(answer)
            answer += chunk
    finally:
        s.close()


@pytest.mark.parametrize("impl", ["ours", "py"])
def test_send_process_stdin_of_5_mb_reaches_the_program_whole(daemon_factory, tmp_path, impl):
    body, received = counter_program(tmp_path)
    d = daemon_factory(body, impl=impl)
    wait_running(d, "counter")
    # Characters xmlrpc.client escapes are spread through it: the body is larger than the data
    # and the daemon must unescape every one.
    piece = "x" * 1021 + "<&>"
    data = (piece * (5 * MIB // len(piece) + 1))[:5 * MIB]
    assert d.rpc.supervisor.sendProcessStdin("counter", data) is True
    want = (len(data), hashlib.sha256(data.encode()).hexdigest())
    got = wait_for(lambda: (r := read_received(received)) and r[0] >= len(data) and r,
                   timeout=30, what="5 MiB on the program's stdin")
    assert got == want


def test_multicall_of_100000_calls_is_answered_whole(daemon_factory):
    d = daemon_factory("")
    calls = [{"methodName": "supervisor.getState", "params": []}] * 100_000
    results = d.rpc.system.multicall(calls)
    assert len(results) == 100_000
    assert all(r == {"statecode": 1, "statename": "RUNNING"} for r in results)
    # The default bound, declared without sending a byte of the body: refused at once.
    answer = raw_post(d.sock, head_only_length=64 * MIB + 1)
    assert answer.startswith(b"HTTP/1.0 413 Request Entity Too Large\r\n")
    assert (b"request body of 67108865 bytes exceeds the limit of 67108864 bytes "
            b"([supervisord] http_request_maxbytes)") in answer


def test_body_over_a_lower_configured_bound_gets_413_and_the_daemon_keeps_answering(
        daemon_factory, tmp_path):
    body, received = counter_program(tmp_path)
    d = daemon_factory(body, extra_main="http_request_maxbytes=1MB")
    wait_running(d, "counter")
    why = ("exceeds the limit of 1048576 bytes ([supervisord] http_request_maxbytes)")

    # xmlrpc.client sends the whole 2 MB body before it reads: it gets the 413, not EPIPE.
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        d.rpc.supervisor.sendProcessStdin("counter", "y" * (2 * MIB))
    assert refused.value.errcode == 413

    answer = raw_post(d.sock, head_only_length=2 * MIB)
    assert answer.startswith(b"HTTP/1.0 413 Request Entity Too Large\r\n")
    assert b"Message: Request Entity Too Large: request body of 2097152 bytes " + \
        why.encode() + b"." in answer

    # Under the bound still passes, on the same daemon.
    data = "z" * (900 * 1024)
    assert d.rpc.supervisor.sendProcessStdin("counter", data) is True
    got = wait_for(lambda: (r := read_received(received)) and r[0] >= len(data) and r,
                   timeout=10, what="900 KiB on the program's stdin")
    assert got[0] == len(data)   # the refused 2 MB never reached the program
    assert d.rpc.supervisor.getState()["statename"] == "RUNNING"
    log = open(d.logfile).read()
    assert "refused an HTTP request: request body of 2097152 bytes " + why in log


@pytest.mark.parametrize("value, error", [
    ("0", "0 is below lower bound (1024)"),
    ("-1MB", "-1048576 is below lower bound (1024)"),
    ("2GB", "2147483648 is above upper bound (1073741824)"),
    ("lots", "invalid literal for int() with base 10: 'lots'"),
])
def test_bad_bound_is_refused_with_file_and_line(tmp_path, value, error):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"[supervisord]\nlogfile={tmp_path}/s.log\nhttp_request_maxbytes={value}\n")
    r = subprocess.run([OUR_SUPERVISORD, "-c", str(conf), "--check-config"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert f"{conf}:3: [supervisord] http_request_maxbytes: {error}" in r.stdout + r.stderr


def test_bound_is_shown_by_check_config(tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"[supervisord]\nlogfile={tmp_path}/s.log\nhttp_request_maxbytes=1MB\n")
    r = subprocess.run([OUR_SUPERVISORD, "-c", str(conf), "--check-config", "--json"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["supervisord"]["http_request_maxbytes"] == 1048576
