"""supervisor.reexec / `supervisorctl reexec` (extension): the daemon replaces its own image
under its running programs. The real gunicorn deployment of conf.d/my_app under client
load, fsm deadlines across the switch, a refused binary, and the gap a client sees."""
import os
import shutil
import stat
import threading
import time
import urllib.request

import pytest

from support import OUR_SUPERVISORD, pid_alive, rpc_proxy, wait_for

HERE = os.path.dirname(__file__)
APP = os.path.join(HERE, "..", "..", "conf.d", "my_app")
GUNICORN = shutil.which("gunicorn") or "/usr/bin/gunicorn"
BASE = 283  # ports 28300..28303, below the ephemeral range
PY = "/usr/bin/python3"

COUNTER = """import itertools, sys, time
for i in itertools.count():
    sys.stdout.write("%d\\n" % i)
    sys.stdout.flush()
    time.sleep(0.003)
"""


def image(pid):
    """The start of the daemon's code segment (/proc/PID/stat start_code): ASLR places
    each exec'd image elsewhere, so it changes when the image does, not otherwise."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[23]


def reexec(d):
    """`supervisorctl reexec`; returns seconds from the command to the first RPC a new
    connection got answered by the new image."""
    before = image(d.proc.pid)
    t0 = time.monotonic()
    r = d.ctl("reexec")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Re-executing" in r.stdout

    def answered_by_new_image():
        try:
            rpc_proxy(d.sock).supervisor.getPID()
        except (OSError, Exception):
            return False
        return image(d.proc.pid) != before and time.monotonic()

    t1 = wait_for(answered_by_new_image, timeout=20, interval=0.002, what="the new image")
    assert d.proc.poll() is None, "the daemon exited"
    return t1 - t0


def infos(d):
    return {p["name"]: p for p in d.rpc.supervisor.getAllProcessInfo()}


def trees(d):
    return {p["name"]: p for p in d.rpc.supervisor.getAllProcessTreeInfo()}


def numbers(path):
    with open(path) as f:
        return [int(line) for line in f.read().split("\n")[:-1]]


@pytest.fixture
def app_dir(tmp_path):
    dst = tmp_path / "app"
    shutil.copytree(APP, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


@pytest.mark.skipif(not os.path.exists(GUNICORN), reason="gunicorn not installed")
def test_gunicorn_under_load_keeps_every_pid_byte_and_uptime(daemon_factory, tmp_path, app_dir):
    (tmp_path / "counter.py").write_text(COUNTER)
    d = daemon_factory(f"""[program:my_app]
command={GUNICORN} -w 4 -b 127.0.0.1:{BASE}%(process_num)02d wsgi:app
directory={app_dir}
process_name=%(program_name)s_%(process_num)02d
numprocs=4
startsecs=1
stopasgroup=true
killasgroup=true

[program:counter]
command={PY} -u {tmp_path}/counter.py
stdout_logfile={tmp_path}/counter.log
startsecs=0
""")
    wait_for(lambda: all(p["statename"] == "RUNNING" for p in infos(d).values()), timeout=60,
             what="all RUNNING")
    wait_for(lambda: all(t["worker_count"] == 4 for n, t in trees(d).items() if n != "counter"),
             timeout=60, what="4 workers each")
    ports = [int(f"{BASE}{i:02d}") for i in range(4)]
    stop = threading.Event()
    counts = {p: [0, 0] for p in ports}  # port -> [ok, failed]
    errors = []

    def load(port):
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=20) as r:
                    ok = r.status == 200
            except OSError as e:
                ok = False
                errors.append((time.monotonic(), port, repr(e)))
            counts[port][0 if ok else 1] += 1

    threads = [threading.Thread(target=load, args=(p,), daemon=True) for p in ports]
    for t in threads:
        t.start()
    wait_for(lambda: all(c[0] >= 5 for c in counts.values()), timeout=30, what="load")
    # Counted from here: the first requests also meet workers still booting.
    for c in counts.values():
        c[:] = [0, 0]
    errors.clear()
    wait_for(lambda: all(c[0] >= 5 for c in counts.values()), timeout=30, what="steady load")
    before_info, before_tree = infos(d), trees(d)
    before_history = d.rpc.supervisor.getProcessHistory("my_app:my_app_00", 100)
    before_diag = d.rpc.supervisor.getProcessDiagnosis("my_app:my_app_00")
    daemon_pid = d.proc.pid

    switch = time.monotonic()
    gap = reexec(d)
    served = {p: c[0] for p, c in counts.items()}
    wait_for(lambda: all(counts[p][0] >= served[p] + 5 for p in ports), timeout=30,
             what="requests after the switch")
    stop.set()
    for t in threads:
        t.join(timeout=15)
    print(f"reexec gap: {gap * 1000:.1f} ms; requests {sum(c[0] for c in counts.values())}")

    assert sum(c[1] for c in counts.values()) == 0, [(round(t - switch, 3), p, e)
                                                     for t, p, e in errors]
    assert d.rpc.supervisor.getPID() == daemon_pid
    after_info, after_tree = infos(d), trees(d)
    for name, b in before_info.items():
        a = after_info[name]
        assert (a["statename"], a["pid"], a["start"]) == ("RUNNING", b["pid"], b["start"]), name
        assert a["now"] - a["start"] >= b["now"] - b["start"]  # uptime goes on
        assert after_tree[name]["restarts"] == before_tree[name]["restarts"], name
        if name != "counter":
            assert sorted(after_tree[name]["workers"]) == sorted(before_tree[name]["workers"])
            assert all(pid_alive(w) for w in after_tree[name]["workers"])
    history = d.rpc.supervisor.getProcessHistory("my_app:my_app_00", 100)
    assert history[:len(before_history)] == before_history
    assert d.rpc.supervisor.getProcessDiagnosis("my_app:my_app_00")["exits"] == before_diag["exits"]
    # The counter's log: every number once, in order, across the switch.
    seen = len(numbers(tmp_path / "counter.log"))
    wait_for(lambda: len(numbers(tmp_path / "counter.log")) > seen + 50, timeout=20,
             what="more counter output")
    got = numbers(tmp_path / "counter.log")
    assert got == list(range(len(got)))
    log = open(d.logfile).read()
    assert "re-exec: adopted 5 instances" in log


def test_starting_and_backoff_keep_their_deadlines(daemon_factory, tmp_path):
    d = daemon_factory(f"""[program:slow]
command=/bin/sleep 1000
startsecs=4

[program:flappy]
command=/bin/false
startsecs=1
startretries=100
""")
    wait_for(lambda: infos(d)["slow"]["statename"] == "STARTING" and
             infos(d)["flappy"]["statename"] == "BACKOFF", timeout=15, what="STARTING + BACKOFF")
    slow = infos(d)["slow"]
    # Switch 2 s into startsecs: a fresh deadline would then be 6 s after the spawn.
    wait_for(lambda: time.time() - slow["start"] >= 2.0, timeout=5, what="2 s into startsecs")
    assert infos(d)["slow"]["statename"] == "STARTING"
    flappy_tries = [e for e in d.rpc.supervisor.getProcessHistory("flappy", 1000)
                    if e["to"] == "STARTING"]
    reexec(d)
    after = infos(d)
    assert after["slow"]["statename"] == "STARTING" and after["slow"]["pid"] == slow["pid"]
    wait_for(lambda: infos(d)["slow"]["statename"] == "RUNNING", timeout=10, what="RUNNING")
    running = [e for e in d.rpc.supervisor.getProcessHistory("slow", 100)
               if e["to"] == "RUNNING"][-1]["time"]
    # The original deadline (spawn + 4 s), not a fresh one (the switch + 4 s).
    assert running - slow["start"] < 5.4, (running, slow["start"])
    assert infos(d)["slow"]["pid"] == slow["pid"]
    # The BACKOFF one retries after the switch, with its tries counted on.
    wait_for(lambda: len([e for e in d.rpc.supervisor.getProcessHistory("flappy", 1000)
                          if e["to"] == "STARTING"]) > len(flappy_tries),
             timeout=15, what="flappy retried")
    assert trees(d)["flappy"]["restarts"] >= len(flappy_tries)


def test_a_broken_binary_is_refused_then_a_good_one_taken(daemon_factory, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "supervisord"
    shutil.copy2(OUR_SUPERVISORD, exe)
    d = daemon_factory("""[program:sleeper]
command=/bin/sleep 1000
startsecs=0
""", start=False)
    d.exe = str(exe)
    d.start()
    wait_for(lambda: infos(d)["sleeper"]["statename"] == "RUNNING", timeout=15, what="RUNNING")
    child = infos(d)["sleeper"]["pid"]
    daemon_image = image(d.proc.pid)

    # A package manager replaces the file (a new inode); this one refuses the config.
    broken = bindir / "supervisord.new"
    broken.write_text("#!/bin/sh\necho 'broken build' >&2\nexit 1\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    os.replace(broken, exe)
    r = d.ctl("reexec")
    assert r.returncode != 0
    assert "not re-executed" in r.stdout and "exit status 1" in r.stdout, r.stdout
    assert "broken build" in r.stdout
    # One that cannot read this record version is refused the same way.
    broken.write_text("#!/bin/sh\necho 'cannot read hand-over record version 1' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    os.replace(broken, exe)
    r = d.ctl("reexec")
    assert r.returncode != 0 and "hand-over record version 1" in r.stdout, r.stdout
    os.unlink(exe)
    r = d.ctl("reexec")
    assert r.returncode != 0 and "No such file" in r.stdout, r.stdout
    assert d.proc.poll() is None and image(d.proc.pid) == daemon_image
    assert infos(d)["sleeper"]["pid"] == child and pid_alive(child)

    shutil.copy2(OUR_SUPERVISORD, bindir / "supervisord.good")
    os.replace(bindir / "supervisord.good", exe)
    reexec(d)
    assert infos(d)["sleeper"]["pid"] == child and pid_alive(child)
    assert infos(d)["sleeper"]["statename"] == "RUNNING"


def test_a_connected_client_and_the_gap(daemon_factory):
    d = daemon_factory("""[program:sleeper]
command=/bin/sleep 1000
startsecs=0
""")
    wait_for(lambda: infos(d)["sleeper"]["statename"] == "RUNNING", timeout=15, what="RUNNING")
    connected = rpc_proxy(d.sock)   # one keep-alive connection, used before and after
    assert connected.supervisor.getState()["statename"] == "RUNNING"
    gaps = [reexec(d) for _ in range(3)]
    print("reexec gaps (ms): " + ", ".join(f"{g * 1000:.1f}" for g in gaps))
    # The old connection may have been closed by the switch: a new one is answered.
    try:
        connected.supervisor.getState()
    except (OSError, Exception):
        pass
    assert rpc_proxy(d.sock).supervisor.getState()["statename"] == "RUNNING"
    assert max(gaps) < 10
