"""Shared fixtures for the integration tests: a real supervisord (ours or Python's) on a
temp UNIX socket, driven by a supervisorctl (ours or Python's). Every daemon started here
is stopped by pid; waits are bounded polls, never sleeps used as synchronisation."""
import os
import re
import signal
import subprocess
import sys
import time
import xmlrpc.client
import http.client
import socket

import pytest

BUILD = os.environ.get("SUPERVISOR_CPP_BUILD",
                       os.path.join(os.path.dirname(__file__), "..", "..", "build"))
BUILD = os.path.abspath(BUILD)
OUR_SUPERVISORD = os.path.join(BUILD, "supervisord", "supervisord")
OUR_SUPERVISORCTL = os.path.join(BUILD, "supervisorctl", "supervisorctl")
OUR_PIDPROXY = os.path.join(BUILD, "pidproxy", "pidproxy")
# The child helper; the sanitized run keeps the plain one (signals it is sent on purpose,
# SIGSEGV among them, would be sanitizer reports).
TESTCHILD = os.environ.get("SUPERVISOR_CPP_TESTCHILD", os.path.join(BUILD, "tests", "testchild"))
PY_SUPERVISORD = "/usr/bin/supervisord"
PY_SUPERVISORCTL = "/usr/bin/supervisorctl"
PY_PIDPROXY = "/usr/bin/pidproxy"


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Polls predicate until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class UnixStreamHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        return UnixStreamHTTPConnection(self.unix_path)


def raw_request(sock_path, data, read_timeout=5):
    """Sends raw bytes to a UNIX socket and returns what comes back until the peer closes,
    a Content-Length worth of body has arrived, or read_timeout passes (b"" when the daemon
    closes without answering)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(read_timeout)
    s.connect(sock_path)
    s.sendall(data)
    chunks = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks += c
            if b"\r\n\r\n" in chunks:
                head, _, body = chunks.partition(b"\r\n\r\n")
                m = re.search(rb"Content-Length: (\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    except socket.timeout:
        pass
    s.close()
    return chunks


def rpc_proxy(sock_path):
    return xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(sock_path))


class Daemon:
    """One supervisord in the foreground on a temp directory's socket."""

    def __init__(self, tmp_path, body, impl="ours", extra_main="", logfile=None,
                 server_extra=""):
        self.dir = tmp_path
        self.impl = impl
        self.sock = str(tmp_path / "supervisor.sock")
        self.conf = str(tmp_path / "supervisord.conf")
        self.logfile = logfile or str(tmp_path / "supervisord.log")
        self.prefix = []   # a command the daemon is exec'd through (e.g. unshare)
        self.exe = None    # another supervisord binary than the build's (impl "ours")
        (tmp_path / "logs").mkdir(exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f"""[unix_http_server]
file={self.sock}
{server_extra}
[supervisord]
logfile={self.logfile}
pidfile={tmp_path}/supervisord.pid
childlogdir={tmp_path}/logs
loglevel=debug
{extra_main}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{self.sock}

""")
            f.write(body)
        self.proc = None

    def start(self, wait=True):
        exe = (self.exe or OUR_SUPERVISORD) if self.impl == "ours" else PY_SUPERVISORD
        self.out = open(self.dir / f"daemon-{self.impl}.out", "wb")
        self.proc = subprocess.Popen([*self.prefix, exe, "-n", "-c", self.conf], stdout=self.out,
                                     stderr=subprocess.STDOUT, cwd=str(self.dir))
        if wait:
            wait_for(self.ready, timeout=15, what=f"{self.impl} supervisord socket")
        return self

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"supervisord exited with {self.proc.returncode}: "
                                 + open(self.dir / f"daemon-{self.impl}.out").read())
        try:
            return rpc_proxy(self.sock).supervisor.getState()["statename"] == "RUNNING"
        except xmlrpc.client.ProtocolError as e:   # up, and asking for credentials
            return e.errcode == 401
        except (OSError, xmlrpc.client.Error):
            return False

    @property
    def rpc(self):
        return rpc_proxy(self.sock)

    def ctl(self, *args, impl=None, timeout=60, stdin=None):
        exe = OUR_SUPERVISORCTL if (impl or "ours") == "ours" else PY_SUPERVISORCTL
        r = subprocess.run([exe, "-c", self.conf, *args], capture_output=True, text=True,
                           timeout=timeout, input=stdin)
        return r

    def child_pids(self):
        """Pids whose parent is this daemon (read from /proc)."""
        return proc_pids(lambda fields: int(fields[1]) == self.proc.pid)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        kids = self.child_pids()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pid in kids:   # by pid: anything the daemon failed to stop
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.out.close()


@pytest.fixture
def daemon_factory(tmp_path):
    made = []

    def make(body, impl="ours", start=True, sub=None, **daemon_options):
        d = tmp_path / (sub or impl)
        d.mkdir(exist_ok=True)
        dm = Daemon(d, body, impl=impl, **daemon_options)
        made.append(dm)
        if start:
            dm.start()
        return dm

    yield make
    for dm in made:
        dm.stop()


def proc_pids(match):
    """Pids whose /proc/PID/stat fields after the command name (state, ppid, pgrp, ...)
    satisfy match(fields)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if match(fields):
                pids.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return pids


def kill_pids(pids):
    """SIGKILL to each pid (cleanup by pid, never by name)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie counts as dead
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
