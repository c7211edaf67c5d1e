"""The seed scenario end to end with the real programs: Debian's gunicorn and Flask,
the example app of conf.d/my_app, 4 instances x 4 workers, on test ports. Each check
polls with a deadline; every process is cleaned up by pid (the fixture)."""
import os
import re
import shutil
import signal
import ssl
import subprocess
import urllib.request

import pytest

from support import wait_for, pid_alive

HERE = os.path.dirname(__file__)
APP = os.path.join(HERE, "..", "..", "conf.d", "my_app")
BASE = 271  # ports 27100..27103: 271%(process_num)02d, below the ephemeral range
GUNICORN = shutil.which("gunicorn") or "/usr/bin/gunicorn"

pytestmark = pytest.mark.skipif(not os.path.exists(GUNICORN), reason="gunicorn not installed")


def program(app_dir, workers=4, extra=""):
    return f"""[program:my_app]
command={GUNICORN} -w {workers} -b 127.0.0.1:{BASE}%(process_num)02d wsgi:app
directory={app_dir}
process_name=%(program_name)s_%(process_num)02d
numprocs=4
autostart=false
autorestart=true
startsecs=1
stopasgroup=true
killasgroup=true
stopwaitsecs=10
{extra}
"""


def get(port, scheme="http", timeout=2):
    ctx = None
    if scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(f"{scheme}://127.0.0.1:{port}/", timeout=timeout,
                                    context=ctx) as r:
            return r.status == 200 and r.read()
    except OSError:
        return False


def tree(d):
    return {p["name"]: p for p in d.rpc.supervisor.getAllProcessTreeInfo()}


def gunicorns():
    out = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open(f"/proc/{e}/cmdline", "rb") as f:
                    if b"gunicorn" in f.read() and f"127.0.0.1:{BASE}".encode() in open(f"/proc/{e}/cmdline", "rb").read():
                        out.append(int(e))
            except OSError:
                pass
    return [p for p in out if pid_alive(p)]


@pytest.fixture
def app_dir(tmp_path):
    dst = tmp_path / "app"
    shutil.copytree(APP, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def start_all(d):
    r = d.ctl("start", "my_app:*", timeout=90)
    assert r.returncode == 0, r.stdout
    for i in range(4):
        wait_for(lambda i=i: get(BASE * 100 + i), timeout=30, what=f"port {BASE * 100 + i}")
    wait_for(lambda: all(p["worker_count"] == 4 for p in tree(d).values()), timeout=30,
             what="4 workers per instance")


def test_the_seed_deployment_serves_and_survives_its_masters(daemon_factory, app_dir):
    d = daemon_factory(program(app_dir))
    start_all(d)
    t = tree(d)
    assert len(t) == 4

    # status -v shows the workers of every instance.
    r = d.ctl("status", "-v")
    assert r.returncode == 0
    assert r.stdout.count("workers 4") == 4

    # SIGKILL one master: restarted; its old workers are gone before the new master
    # binds; the port answers again; no gunicorn outside supervisord's tree.
    victim = t["my_app_01"]
    os.kill(victim["pid"], signal.SIGKILL)
    new = wait_for(lambda: (lambda p: p if p["pid"] not in (0, victim["pid"]) else None)(
        tree(d)["my_app_01"]), timeout=40, what="new master")
    assert not any(pid_alive(w) for w in victim["workers"]), "old workers outlived the master"
    wait_for(lambda: get(BASE * 100 + 1), timeout=30, what="port answers again")
    def ours():
        pids = set()
        for p in tree(d).values():
            pids.add(p["pid"])
            pids.update(p["workers"])
        return pids

    # Read both sides each time: the new master may still be forking workers.
    wait_for(lambda: set(gunicorns()) <= ours(), timeout=20, what="no stray gunicorn")

    # restart one instance: only it gets new pids.
    before = {n: p["pid"] for n, p in tree(d).items()}
    r = d.ctl("restart", "my_app:my_app_02", timeout=60)
    assert r.returncode == 0, r.stdout
    after = {n: p["pid"] for n, p in tree(d).items()}
    assert after["my_app_02"] != before["my_app_02"]
    assert all(after[n] == before[n] for n in before if n != "my_app_02")

    # HUP reloads the workers, the master keeps its pid; TTIN adds a worker.
    p0 = tree(d)["my_app_00"]
    r = d.ctl("signal", "HUP", "my_app:my_app_00")
    assert r.stdout.strip() == "my_app:my_app_00: signalled"
    wait_for(lambda: (lambda p: p["pid"] == p0["pid"] and p["worker_count"] == 4
                      and not set(p["workers"]) & set(p0["workers"]))(tree(d)["my_app_00"]),
             timeout=30, what="new workers under the same master")
    d.ctl("signal", "TTIN", "my_app:my_app_00")
    wait_for(lambda: tree(d)["my_app_00"]["worker_count"] == 5, timeout=30, what="5 workers")
    assert "workers 5" in d.ctl("status", "-v", "my_app:my_app_00").stdout

    # stop everything: no gunicorn left.
    every = set(gunicorns())
    r = d.ctl("stop", "my_app:*", timeout=60)
    assert r.returncode == 0
    wait_for(lambda: not any(pid_alive(p) for p in every), timeout=20, what="all gone")


def test_a_broken_app_goes_fatal_and_why_shows_the_python_error(daemon_factory, app_dir):
    (app_dir / "wsgi.py").write_text("from server import create_app\nimport no_such_module\n"
                                     "app = create_app()\n")
    d = daemon_factory(program(app_dir, workers=1).replace("numprocs=4", "numprocs=1")
                       .replace("startsecs=1", "startsecs=10\nstartretries=1"))
    r = d.ctl("start", "my_app:my_app_00", timeout=90)
    assert r.returncode == 7
    assert r.stdout.startswith("my_app:my_app_00: ERROR (spawn error")
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("my_app:my_app_00")["statename"] == "FATAL",
             timeout=60, what="FATAL")
    r = d.ctl("why", "my_app:my_app_00")
    assert "FATAL" in r.stdout
    assert "No module named 'no_such_module'" in r.stdout
    assert "(gunicorn: worker failed to boot)" in r.stdout or \
           "(gunicorn: app failed to load)" in r.stdout
    log = open(d.logfile).read()
    assert re.search(r"diagnosis: my_app_00 exited with status [34] \(gunicorn: [a-z ]+\) "
                     r"after [0-9.]+ s; last output: ", log), log


def test_https_variant_gunicorn_owns_the_certificate(daemon_factory, app_dir, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    port = BASE * 100 + 43
    d = daemon_factory(f"""[program:tls]
command={GUNICORN} -w 2 -b 127.0.0.1:{port} --certfile {cert} --keyfile {key} wsgi:app
directory={app_dir}
startsecs=1
stopasgroup=true
""")
    wait_for(lambda: get(port, "https"), timeout=40, what="HTTPS answer")
    assert not get(port, "http", timeout=2)
