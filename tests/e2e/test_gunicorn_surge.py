"""Surge restarts end to end with Debian's gunicorn (conf.d/my_app copied into the test's
temp dir): the replacement master starts next to the old one on the same held socket, the
old one is stopped only once the new one is ready. Readiness comes from the new master's
first worker (a gunicorn config file takes NOTIFY_SOCKET away from the master, whose own
READY=1 comes before any worker exists, and a worker sends READY=1 once it can serve).
Load clients are bounded in requests and time and use 127.0.0.1 only; every process is
cleaned up by pid (the fixture)."""
import os
import socket
import struct
import threading
import time

from support import wait_for, pid_alive
from test_gunicorn_zero_downtime import Load, app_dir, get, infos, program, pytestmark  # noqa: F401

# Loaded by the gunicorn master: READY=1 is sent by a worker after its init, not by the
# master before it has workers.
READY_FROM_WORKER = '''
import os, socket
_notify = os.environ.pop("NOTIFY_SOCKET", None)

def post_worker_init(worker):
    if _notify:
        addr = "\\0" + _notify[1:] if _notify.startswith("@") else _notify
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"READY=1\\nSTATUS=worker ready", addr)
        s.close()
'''

# The broken "new version": it never says it is ready.
NEVER_READY = '''
import os
os.environ.pop("NOTIFY_SOCKET", None)
'''


def surge_program(app_dir, prefix, numprocs, extra=""):
    (app_dir / "surge_conf.py").write_text(READY_FROM_WORKER)
    return program(app_dir, prefix, numprocs=numprocs, bind=False,
                   extra=f"socket=tcp://127.0.0.1:{prefix}%(process_num)02d\n"
                         "ready=notify\nready_timeout=20\n" + extra) \
        .replace("wsgi:app", "-c surge_conf.py wsgi:app")


class Looping:
    """A thread calling `step` every `pause` s until stopped or `max_seconds` passed."""
    __enter__, __exit__ = Load.__enter__, Load.__exit__   # start / stop and join

    def __init__(self, max_seconds, pause):
        self.max_seconds, self.pause = max_seconds, pause
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        deadline = time.monotonic() + self.max_seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.step()
            self.stop.wait(self.pause)


class ConnectProbe(Looping):
    """A client connecting in a loop to each port (connect, close; 2 ms apart), keeping the
    slowest connect and the failures. Each close is abortive (SO_LINGER 0: a reset): a
    normal close leaves the client's port in TIME_WAIT for 60 s, and ~2000 connects a
    second walk the whole ephemeral range (32768-60999) within seconds, so that other
    tests' fixed ports in it could not be bound for a minute (they are below it now: 271xx,
    27[2-8]xx, 28[0-3]xx)."""

    def __init__(self, ports, max_seconds=60):
        super().__init__(max_seconds, 0.002)
        self.ports = ports
        self.slowest = 0.0
        self.connects = 0
        self.errors = []

    def step(self):
        for port in self.ports:
            t0 = time.perf_counter()
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=5)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
            except OSError as e:
                self.errors.append(f"{port}: {e!r}")
                continue
            self.slowest = max(self.slowest, time.perf_counter() - t0)
            self.connects += 1


class StatusWatch(Looping):
    """Polls getAllProcessInfo and keeps every description and row count seen."""

    def __init__(self, d, max_seconds=60):
        super().__init__(max_seconds, 0.02)
        self.d = d
        self.descriptions, self.rows = set(), set()

    def step(self):
        all_info = self.d.rpc.supervisor.getAllProcessInfo()
        self.rows.add(len(all_info))
        self.descriptions.update(p["description"] for p in all_info)


def at_rest(d, ports):
    """The slowest connect in 2 s at rest, under the same client load as during the surge
    (the load and status threads share the GIL and the CPUs with the probe)."""
    with Load(ports, max_seconds=10), StatusWatch(d, max_seconds=10), \
            ConnectProbe(ports, max_seconds=2) as probe:
        probe.thread.join(timeout=10)
    assert not probe.errors, probe.errors[:5]
    return probe.slowest


def group_gone(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def surge_under_load(d, ports, names, *ctl_args):
    """Surges `names` (their ports are `ports`) with `restart ctl_args` under load."""
    rest = at_rest(d, ports)
    rows = len(infos(d))
    before = {n: p["pid"] for n, p in infos(d).items() if n in names}
    with Load(ports, max_seconds=60) as load, ConnectProbe(ports) as probe, \
            StatusWatch(d) as watch:
        wait_for(lambda: load.ok >= 20, timeout=20, what="load running")
        r = d.ctl("restart", *ctl_args, timeout=90)
        n = load.ok
        wait_for(lambda: load.ok >= n + 20, timeout=20, what="served after the surge")
    assert r.returncode == 0, r.stdout + r.stderr
    after = {n: p["pid"] for n, p in infos(d).items()}
    for name, old in before.items():
        assert after[name] != old
        assert f"my_app:{name}: replaced (pid {old} -> {after[name]})" in r.stdout, r.stdout
        wait_for(lambda: group_gone(old), timeout=10, what=f"old master {old} and workers gone")
        assert pid_alive(after[name])
    assert all(p["statename"] == "RUNNING" and "draining" not in p["description"]
               for p in infos(d).values())
    bound = max(10 * rest, 0.1)   # a stop-then-start gap is seconds of gunicorn boot
    print(f"surge {' '.join(ctl_args)}: {load.ok} requests ok, {load.failed} failed, "
          f"{load.retried} refused; connect max at rest {rest * 1000:.2f} ms, during "
          f"{probe.slowest * 1000:.2f} ms over {probe.connects} connects (bound "
          f"{bound * 1000:.1f} ms)")
    assert load.failed == 0 and load.retried == 0, load.errors[:5]
    assert not probe.errors, probe.errors[:5]
    assert probe.slowest < bound
    # Never a second row; while they overlapped, the old master showed as draining.
    assert watch.rows == {rows}
    assert any(f"draining pid {old}" in t for old in before.values() for t in watch.descriptions)
    return before, after


def test_surge_restart_of_one_then_rolling_surge_of_4_gunicorns_under_load(daemon_factory,
                                                                            app_dir):
    d = daemon_factory(surge_program(app_dir, 277, numprocs=4))
    assert d.ctl("start", "my_app:*", timeout=90).returncode == 0
    ports = [27700 + i for i in range(4)]
    wait_for(lambda: all(get(p) for p in ports), timeout=30, what="all serve")
    # One instance: its port alone under load.
    surge_under_load(d, ports[:1], ["my_app_00"], "--surge", "my_app:my_app_00")
    assert "surge: my_app_00 old master drained" in open(d.logfile).read()
    # The group, two at a time, every port under load.
    surge_under_load(d, ports, [f"my_app_0{i}" for i in range(4)], "--rolling", "--surge", "--batch", "2", "my_app:*")
    assert d.ctl("status", "--health").stdout.strip() == "my_app: 4/4 ready"


def test_surge_replacement_never_ready_is_stopped_and_old_keeps_serving(daemon_factory, app_dir):
    d = daemon_factory(surge_program(app_dir, 278, numprocs=1,
                                     extra="ready_timeout=4\nstartretries=0"))
    r = d.ctl("restart", "--surge", "my_app:my_app_00", timeout=30)
    assert r.returncode == 1 and "my_app_00 is not RUNNING" in r.stdout, r.stdout
    assert d.ctl("start", "my_app:*", timeout=60).returncode == 0
    wait_for(lambda: get(27800), timeout=30, what="serves")
    old = infos(d)["my_app_00"]["pid"]
    (app_dir / "surge_conf.py").write_text(NEVER_READY)   # the new "version" never gets ready
    r = d.ctl("restart", "--surge", "my_app:my_app_00", timeout=60)
    assert r.returncode == 1, r.stdout
    assert "my_app:my_app_00: ERROR (not ready: not ready within 4 seconds" in r.stdout, r.stdout
    assert f"pid {old} kept" in r.stdout
    info = infos(d)["my_app_00"]
    assert info["pid"] == old and info["statename"] == "RUNNING"
    assert "draining" not in info["description"]
    log = open(d.logfile).read()
    new = int(log.split("surge: my_app_00 replacement pid ")[1].split()[0])
    wait_for(lambda: group_gone(new), timeout=10, what="the replacement's group gone")
    assert get(27800) and pid_alive(old)
