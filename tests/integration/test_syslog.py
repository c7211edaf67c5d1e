"""stdout_syslog / stderr_syslog and logfile=syslog, against Python Supervisor.

Both daemons run in a private mount namespace whose /dev/log is a datagram socket the test
binds in its temp directory, so nothing reaches (or disturbs) the machine's own syslog.
Needs root and unshare(1); skipped where mount namespaces are not allowed.

Differences from Python Supervisor, on purpose (README "Different on purpose", supervisord.conf(5)):
- the daemon log's records carry the priority of their level (CRIT -> LOG_CRIT, ...);
  Python sends every record as LOG_INFO;
- records are sent without blocking: a syslog daemon that stops reading makes us drop (and
  count, and report) records, where Python's daemon waits, with every process it supervises.
"""
import os
import re
import socket
import subprocess

import pytest

from support import TESTCHILD, wait_for

# /dev is replaced, in the namespace only, by a directory holding the usual devices and
# the test's socket as /dev/log.
NAMESPACE_SCRIPT = r"""set -e
T=$0
mkdir $T/dev
for n in null zero full random urandom tty; do
  touch $T/dev/$n; mount --bind /dev/$n $T/dev/$n
done
ln -s /proc/self/fd $T/dev/fd
touch $T/dev/log; mount --bind $T/log.sock $T/dev/log
mount --rbind $T/dev /dev
exec "$@"
"""

HEADER = re.compile(rb"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d supervisord: (.*)$", re.S)


def namespaces_allowed():
    if os.geteuid() != 0:
        return False
    r = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return r.returncode == 0


pytestmark = pytest.mark.skipif(not namespaces_allowed(),
                                reason="needs root and mount namespaces (unshare -m)")


class SyslogReceiver:
    """The syslog daemon's end: a datagram socket at <dir>/log.sock."""

    def __init__(self, directory):
        self.path = str(directory / "log.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.records = []   # (priority, text)

    def drain(self):
        while True:
            try:
                data = self.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return self.records
            m = HEADER.match(data)
            assert m, f"not a syslog(3) record: {data!r}"
            self.records.append((int(m.group(1)), m.group(2).decode()))

    def close(self):
        self.sock.close()


def start_in_namespace(daemon_factory, impl, body, logfile=None):
    d = daemon_factory(body, impl=impl, start=False, logfile=logfile)
    rx = SyslogReceiver(d.dir)
    d.prefix = ["unshare", "-m", "sh", "-c", NAMESPACE_SCRIPT, str(d.dir)]
    d.start()
    return d, rx


TALKER = r"""
[program:talker]
command=/bin/sh -c "echo out-one; echo err-one >&2; printf 'two\nlines\n'; exec /bin/sleep 1000"
stdout_syslog=true
stderr_syslog=true
startsecs=0
"""


def normalise(text):
    """A daemon-log record without its time and pids."""
    text = re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", "", text)
    return re.sub(r"pid \d+", "pid N", text)


def test_child_output_and_daemon_log_records_match_python_supervisor(daemon_factory):
    seen = {}
    for impl in ("python", "ours"):
        d, rx = start_in_namespace(daemon_factory, impl, TALKER, logfile="syslog")
        try:
            def talker_done():
                return sum(1 for _, t in rx.drain() if t.startswith("talker ")) >= 4
            wait_for(talker_done, timeout=15, what=f"{impl}: talker's four lines in syslog")
            wait_for(lambda: any("success: talker entered RUNNING" in t for _, t in rx.drain()),
                     timeout=15, what=f"{impl}: the RUNNING line in syslog")
            seen[impl] = list(rx.records)
        finally:
            d.stop()
            rx.close()

    def child_records(records):
        return sorted((p, t) for p, t in records if t.startswith("talker "))

    # One record per line, "<name> <line>", LOG_USER|LOG_INFO, from either daemon.
    assert child_records(seen["ours"]) == child_records(seen["python"]) == sorted(
        [(14, "talker out-one"), (14, "talker err-one"), (14, "talker two"),
         (14, "talker lines")])

    def daemon_lines(records):
        return {(p, normalise(t)) for p, t in records if not t.startswith("talker ")}

    ours, theirs = daemon_lines(seen["ours"]), daemon_lines(seen["python"])
    # Each record is a daemon-log line, its newline included (Supervisor's quirk, kept);
    # every record Python's daemon sent, ours sent too (ours adds its statefile lines).
    texts_ours = {t for _, t in ours}
    texts_theirs = {t for _, t in theirs}
    assert "INFO spawned: 'talker' with pid N\n" in texts_theirs
    assert "DEBG out-one\n" in texts_theirs
    assert texts_theirs - texts_ours == set()
    # Python sends every level as LOG_INFO; ours maps levels (DEBG -> LOG_DEBUG = 15).
    assert all(p == 14 for p, _ in theirs)
    assert {p for p, t in ours if t.startswith("DEBG ")} == {15}
    assert {p for p, t in ours if t.startswith("INFO ")} == {14}
    assert {p for p, t in ours if t.startswith("CRIT ")} == {10}


FLOOD = f"""
[program:flood]
command={TESTCHILD} spew 20000000 out
stdout_syslog=true
stdout_logfile=NONE
startsecs=0
autorestart=false
"""


def test_a_syslog_that_stops_reading_does_not_stop_the_daemon(daemon_factory):
    """20 MB of lines to a syslog socket nobody reads: Python's daemon would block on the
    first full queue (and with it every RPC); ours drops, stays responsive, and reports."""
    d, rx = start_in_namespace(daemon_factory, "ours", FLOOD)
    try:
        wait_for(lambda: d.rpc.supervisor.getProcessInfo("flood")["statename"] == "EXITED",
                 timeout=60, what="the flood child to finish writing")
        assert d.rpc.supervisor.getState()["statename"] == "RUNNING"
        got = len(rx.drain())
        assert 0 < got < 20000000 // 64   # some fitted in the queue, most were dropped
        # The loss is told once the socket takes records again.
        d.rpc.supervisor.startProcess("flood", False)
        rx.drain()
        log = lambda: open(d.logfile).read()
        wait_for(lambda: re.search(r"WARN syslog: \d+ records dropped while /dev/log was not "
                                   r"accepting them", log()) is not None,
                 timeout=30, what="the drop report in the daemon log", interval=0.05)
    finally:
        d.stop()
        rx.close()
