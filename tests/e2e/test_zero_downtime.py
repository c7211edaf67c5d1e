"""Zero-downtime extensions end to end with Debian's gunicorn + Flask (conf.d/my_app copied
into the test's temp dir): readiness (notify, http probes, liveness), held sockets (fd 3,
LISTEN_FDS), rolling restart and runtime scaling. Load clients are bounded in requests and
time and use 127.0.0.1 only; every process is cleaned up by pid (the fixture)."""
import http.client
import os
import shutil
import signal
import socket
import threading
import time

import pytest

from support import wait_for, pid_alive

HERE = os.path.dirname(__file__)
APP = os.path.join(HERE, "..", "..", "conf.d", "my_app")
GUNICORN = shutil.which("gunicorn") or "/usr/bin/gunicorn"

pytestmark = pytest.mark.skipif(not os.path.exists(GUNICORN), reason="gunicorn not installed")


@pytest.fixture
def app_dir(tmp_path):
    dst = tmp_path / "app"
    shutil.copytree(APP, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def program(app_dir, port_prefix, numprocs=4, bind=True, extra="", name="my_app"):
    b = f"-b 127.0.0.1:{port_prefix}%(process_num)02d" if bind else ""
    return f"""[program:{name}]
command={GUNICORN} -w 1 {b} --graceful-timeout 5 wsgi:app
directory={app_dir}
process_name=%(program_name)s_%(process_num)02d
numprocs={numprocs}
autostart=false
autorestart=true
startsecs=1
stopasgroup=true
killasgroup=true
stopwaitsecs=10
{extra}
"""


def get(port, path="/", timeout=2):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status == 200 and r.read()
    except OSError:
        return False
    finally:
        c.close()


def infos(d):
    return {p["name"]: p for p in d.rpc.supervisor.getAllProcessInfo()}


class Load:
    """A load-balancer-like client: round robin over `ports`; a refused connect is retried
    on the next port (what a load balancer does), any other failure is counted. Bounded:
    stops after `max_requests` or `max_seconds`."""

    def __init__(self, ports, max_requests=20000, max_seconds=60):
        self.ports, self.max_requests, self.max_seconds = ports, max_requests, max_seconds
        self.ok = self.failed = self.retried = 0
        self.errors = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def one(self, port):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            c.request("GET", "/")
            r = c.getresponse()
            body = r.read()
            return r.status == 200 and b"my_app" in body
        finally:
            c.close()

    def run(self):
        deadline = time.monotonic() + self.max_seconds
        i = 0
        while not self.stop.is_set() and time.monotonic() < deadline and \
                self.ok + self.failed < self.max_requests:
            for attempt in range(len(self.ports)):
                port = self.ports[(i + attempt) % len(self.ports)]
                try:
                    if self.one(port):
                        self.ok += 1
                    else:
                        self.failed += 1
                    break
                except ConnectionRefusedError:
                    self.retried += 1
                    continue
                except OSError as e:
                    self.failed += 1
                    self.errors.append(f"{port}: {e!r}")
                    break
            else:
                self.failed += 1
                self.errors.append("every port refused")
            i += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


# ---- readiness -------------------------------------------------------------------------

def test_notify_readiness_gunicorn_running_on_ready_with_status_text(daemon_factory, app_dir):
    d = daemon_factory(program(app_dir, 472, numprocs=1,
                               extra="ready=notify\nready_timeout=30\nstartsecs=100"))
    r = d.ctl("start", "my_app:*", timeout=60)
    # startsecs=100 would hold it in STARTING; READY=1 promotes it at once.
    assert r.returncode == 0, r.stdout
    info = infos(d)["my_app_00"]
    assert info["statename"] == "RUNNING"
    assert "Gunicorn arbiter booted" in info["description"]
    wait_for(lambda: get(47200), timeout=30, what="serves")
    log = open(d.logfile).read()
    assert "entered RUNNING state, process is ready (ready=notify)" in log
