"""Child output end to end: every byte a child writes reaches its log files, across
rotation, and the log commands read them back."""
import glob
import os
import signal
import socket
import time

from support import TESTCHILD, wait_for


def test_one_gigabyte_of_output_is_all_in_the_log_and_its_backups(daemon_factory, tmp_path):
    total = 1 << 30
    logf = tmp_path / "big.log"
    # Large writes (tr's buffer), so the test measures the daemon, not the writer.
    d = daemon_factory(f"""[program:big]
command=/bin/sh -c "head -c {total} /dev/zero | tr '\\\\0' x"
startsecs=0
autorestart=false
stdout_logfile={logf}
stdout_logfile_maxbytes=100MB
stdout_logfile_backups=20
""")
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("big")["statename"] == "EXITED",
             timeout=120, what="writer done")
    files = glob.glob(str(logf) + "*")
    assert len(files) >= 10, "rotated at 100 MB"
    assert sum(os.path.getsize(f) for f in files) == total
    with open(sorted(files)[0], "rb") as f:
        assert f.read(1 << 20) == b"x" * (1 << 20)


def test_sigusr2_reopens_child_logs_for_logrotate(daemon_factory, tmp_path):
    logf = tmp_path / "app.log"
    d = daemon_factory(f"""[program:app]
command=/bin/sh -c "echo first; read line; echo second; exec sleep 1000"
startsecs=0
stdout_logfile={logf}
""")
    wait_for(lambda: logf.exists() and logf.read_text() == "first\n", what="first line")
    os.rename(logf, str(logf) + ".old")          # what logrotate does
    d.proc.send_signal(signal.SIGUSR2)
    wait_for(lambda: logf.exists(), what="reopened file")
    d.rpc.supervisor.sendProcessStdin("app", "go\n")
    wait_for(lambda: logf.read_text() == "second\n", what="second line in the new file")
    assert open(str(logf) + ".old").read() == "first\n"


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_a_tail_f_client_that_stops_reading_costs_the_daemon_no_memory(daemon_factory,
                                                                        tmp_path):
    """`tail -f` over HTTP while the program writes 48 MiB and the client reads nothing:
    the follower pauses (the bytes wait in the file, not in the daemon), the daemon keeps
    answering, and once the client reads again it gets every byte, in order."""
    total = 48 << 20
    logf = tmp_path / "w.log"
    d = daemon_factory(f"""[program:w]
command=/bin/sh -c "read go; head -c {total} /dev/zero | tr '\\\\0' x; exec sleep 1000"
startsecs=0
stdout_logfile={logf}
stdout_logfile_maxbytes=0
""")
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("w")["statename"] == "RUNNING",
             what="writer RUNNING")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(d.sock)
    s.sendall(b"GET /logtail/w HTTP/1.1\r\nHost: localhost\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)   # the head only: the body stays unread
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower()
    before = _rss_kib(d.proc.pid)
    d.rpc.supervisor.sendProcessStdin("w", "go\n")
    wait_for(lambda: logf.stat().st_size == total, timeout=60, what="48 MiB in the log")
    grown = _rss_kib(d.proc.pid) - before
    assert grown < 8 * 1024, f"daemon RSS grew {grown} KiB for a client that reads nothing"
    assert d.rpc.supervisor.getProcessInfo("w")["statename"] == "RUNNING"
    # Now read: every byte the program wrote arrives (chunked coding removed), in order.
    buf, body = b"", 0
    deadline = time.monotonic() + 60
    while body < total and time.monotonic() < deadline:
        c = s.recv(1 << 20)
        assert c, f"stream closed after {body} of {total} bytes"
        buf += c
        while True:   # take every complete chunk in buf
            eol = buf.find(b"\r\n")
            if eol < 0:
                break
            size = int(buf[:eol], 16)
            if len(buf) < eol + 2 + size + 2:
                break
            data = buf[eol + 2:eol + 2 + size]
            assert data == b"x" * size
            body += size
            buf = buf[eol + 2 + size + 2:]
    s.close()
    assert body == total
