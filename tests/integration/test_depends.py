"""Start-order dependencies (depends_on, an extension) against a real daemon: a chain
db -> cache -> app whose members become ready late (db by READY=1 on $NOTIFY_SOCKET, cache
by a TCP port it opens late) starts strictly in order, each after the previous is ready
(times from getProcessHistory) and stops in reverse at shutdown and at `stop all`; a FATAL db leaves app
waiting with the reason until db is fixed and started; a cycle is refused with its file
and line by --check-config and by update (the running config stays)."""
import os
import socket
import subprocess
import sys

from support import OUR_SUPERVISORD, TESTCHILD, wait_for


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Listens on PORT only after DELAY seconds, then sleeps until killed.
LATE_LISTENER = ("import socket, sys, time; time.sleep(float(sys.argv[2])); "
                 "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
                 "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(3600)")


def chain(port, db_command=None):
    db = db_command or f"/bin/sh -c 'sleep 0.4; exec {TESTCHILD} notify'"
    return (f"[program:db]\ncommand={db}\nready=notify\nstartretries=0\n"
            f"[program:cache]\ncommand={sys.executable} -c \"{LATE_LISTENER}\" {port} 0.3\n"
            f"ready=tcp://127.0.0.1:{port}\ndepends_on=db\n"
            # The lowest priority number: without depends_on it would start first.
            f"[program:app]\ncommand={TESTCHILD} sleep\nstartsecs=0\ndepends_on=cache\n"
            f"priority=1\n")


def info(d, name):
    return d.rpc.supervisor.getProcessInfo(name)


def state(d, name):
    return info(d, name)["statename"]


def first_time(history, name, to):
    return min(h["time"] for h in history if h["name"] == name and h["to"] == to)


def test_chain_starts_in_readiness_order_and_stops_in_reverse(daemon_factory):
    d = daemon_factory(chain(free_port()))
    # While db is not ready, app waits and says for what.
    wait_for(lambda: info(d, "app")["description"].startswith("waiting for cache"),
             what="app waiting for cache")
    wait_for(lambda: state(d, "app") == "RUNNING", what="app running")
    h = d.rpc.supervisor.getProcessHistory("", 0 + 100)
    db_ready = first_time(h, "db", "RUNNING")
    cache_start, cache_ready = first_time(h, "cache", "STARTING"), first_time(h, "cache", "RUNNING")
    app_start = first_time(h, "app", "STARTING")
    assert db_ready <= cache_start < cache_ready <= app_start, h
    # The readiness delays are real: each waited for the one before it.
    assert cache_ready - cache_start >= 0.25 and app_start - first_time(h, "db", "STARTING") >= 0.6

    d.stop()
    log = open(d.logfile).read()
    at = {name: log.index(f"stopped: {name} ") for name in ("app", "cache", "db")}
    assert at["app"] < at["cache"] < at["db"], log[-2000:]


def test_stop_all_stops_dependents_first_and_restart_all_brings_the_chain_back(daemon_factory):
    d = daemon_factory(chain(free_port()))
    wait_for(lambda: state(d, "app") == "RUNNING", what="app running")
    r = d.ctl("stop", "all")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(r.stdout.split("\n")[:-1]) == ["app: stopped", "cache: stopped", "db: stopped"]
    h = d.rpc.supervisor.getProcessHistory("", 100)
    stopped = {n: first_time(h, n, "STOPPED") for n in ("app", "cache", "db")}
    stopping = {n: first_time(h, n, "STOPPING") for n in ("app", "cache", "db")}
    assert stopped["app"] <= stopping["cache"] and stopped["cache"] <= stopping["db"], h
    log = open(d.logfile).read()
    at = {name: log.index(f"stopped: {name} ") for name in ("app", "cache", "db")}
    assert at["app"] < at["cache"] < at["db"], log[-2000:]

    r = d.ctl("restart", "all")
    assert r.returncode == 0, r.stdout + r.stderr
    assert all(state(d, n) == "RUNNING" for n in ("app", "cache", "db"))


def test_fatal_dependency_leaves_dependents_waiting_until_it_is_fixed(daemon_factory, tmp_path):
    fixed = tmp_path / "fixed"
    db = f"/bin/sh -c 'test -e {fixed} || exit 1; exec {TESTCHILD} notify'"
    d = daemon_factory(chain(free_port(), db))
    wait_for(lambda: state(d, "db") == "FATAL", what="db FATAL")
    wait_for(lambda: info(d, "cache")["description"] == "waiting for db (FATAL)",
             what="cache waiting with the reason")
    assert state(d, "app") == "STOPPED"
    assert info(d, "app")["description"] == \
        "waiting for cache (STOPPED, waiting for db (FATAL))"
    why = d.ctl("why", "cache")
    assert "waiting for db (FATAL)" in why.stdout, why.stdout

    # start app pulls in db, which fails again: the start fails and says why.
    r = d.ctl("start", "app")
    assert r.returncode != 0
    assert "waiting for" in r.stdout, r.stdout

    fixed.write_text("")
    r = d.ctl("start", "db")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: state(d, "app") == "RUNNING", what="app running after db fixed")
    assert state(d, "cache") == "RUNNING"


def test_cycle_refused_with_file_and_line(daemon_factory, tmp_path):
    d = daemon_factory(f"[program:a]\ncommand={TESTCHILD} sleep\nstartsecs=0\n")
    wait_for(lambda: state(d, "a") == "RUNNING", what="a running")
    text = open(d.conf).read()
    with open(d.conf, "a") as f:
        f.write("depends_on=b\n"
                f"[program:b]\ncommand={TESTCHILD} sleep\ndepends_on=a\n")
    line = text.count("\n") + 1
    r = subprocess.run([OUR_SUPERVISORD, "-c", d.conf, "--check-config"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    expected = f"supervisord.conf:{line}: [program:a] depends_on: dependency cycle: a -> b -> a"
    assert expected in r.stdout + r.stderr, r.stdout + r.stderr

    pid = info(d, "a")["pid"]
    r = d.ctl("update")
    assert r.returncode != 0
    assert "CANT_REREAD" in r.stdout and "a -> b -> a" in r.stdout, r.stdout
    assert info(d, "a")["pid"] == pid
    assert [p["name"] for p in d.rpc.supervisor.getAllProcessInfo()] == ["a"]
