"""gunicorn's USR2 binary upgrade under supervision (follow_upgrade=gunicorn): USR2 makes
the master fork+exec a new master (same process group, same listening socket); the
operator then TERMs the old one. With the option the new master becomes the process
(re-parented to supervisord, its pid in status, no restart); without it, today's
behaviour: the old master's exit drains the group and a third master is started.
Load clients use 127.0.0.1 only; processes are cleaned up by pid (the fixture)."""
import os
import signal

from support import wait_for, pid_alive
from test_gunicorn_zero_downtime import Load, app_dir, get, infos, program, pytestmark  # noqa: F401


def stat(pid):
    """(ppid, pgid) of a live process, None when it is gone or a zombie."""
    try:
        text = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[2]))


def group_members(pgid):
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = stat(int(name))
            if s and s[1] == pgid:
                out.append((int(name), s[0]))
    return out


def successor_of(old):
    """The master gunicorn's USR2 started: a child of `old` whose environment names it."""
    for pid, ppid in group_members(old):
        if ppid != old:
            continue
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if f"GUNICORN_PID={old}".encode() in env:
            return pid
    return None


def usr2_then_term(d, old, port):
    """USR2 to the master, wait for its successor and the successor's worker, TERM the
    old master; returns (successor pid, load)."""
    with Load([port], max_seconds=60) as load:
        wait_for(lambda: load.ok >= 10, timeout=20, what="load running")
        os.kill(old, signal.SIGUSR2)
        new = wait_for(lambda: successor_of(old), timeout=30, what="USR2's new master")
        wait_for(lambda: any(ppid == new for _, ppid in group_members(old)), timeout=30,
                 what="the new master's worker")
        os.kill(old, signal.SIGTERM)
        wait_for(lambda: not pid_alive(old), timeout=20, what="old master gone")
        wait_for(lambda: infos(d)["my_app_00"]["statename"] == "RUNNING" and
                 infos(d)["my_app_00"]["pid"] != old, timeout=30, what="a master in status")
        n = load.ok
        wait_for(lambda: load.ok >= n + 10, timeout=30, what="served after the upgrade")
    return new, load


def test_usr2_upgrade_is_followed_with_follow_upgrade(daemon_factory, app_dir):
    d = daemon_factory(program(app_dir, 280, numprocs=1, extra="follow_upgrade=gunicorn"))
    assert d.ctl("start", "my_app:*", timeout=60).returncode == 0
    wait_for(lambda: get(28000), timeout=30, what="serves")
    old = infos(d)["my_app_00"]["pid"]
    new, load = usr2_then_term(d, old, 28000)
    info = infos(d)["my_app_00"]
    assert info["pid"] == new and info["statename"] == "RUNNING"
    daemon_pid = d.rpc.supervisor.getPID()
    assert stat(new) == (daemon_pid, old)          # our child, the instance's process group
    masters = [pid for pid, ppid in group_members(old) if ppid == daemon_pid]
    assert masters == [new]                         # exactly one master
    assert any(ppid == new for _, ppid in group_members(old))   # its workers serve
    log = open(d.logfile).read()
    assert f"upgraded: my_app_00 pid {old} -> pid {new}" in log
    assert log.count("spawned: 'my_app_00'") == 1   # no restart
    print(f"USR2 upgrade followed: {load.ok} ok, {load.failed} failed, {load.retried} refused")
    assert load.failed == 0, load.errors[:5]
    # stop reaches the adopted master and its group
    assert d.ctl("stop", "my_app:my_app_00", timeout=30).returncode == 0
    wait_for(lambda: not group_members(old), timeout=20, what="group gone after stop")


def test_usr2_upgrade_without_the_option_restarts_as_today(daemon_factory, app_dir):
    d = daemon_factory(program(app_dir, 281, numprocs=1))
    assert d.ctl("start", "my_app:*", timeout=60).returncode == 0
    wait_for(lambda: get(28100), timeout=30, what="serves")
    old = infos(d)["my_app_00"]["pid"]
    new, _ = usr2_then_term(d, old, 28100)
    now = infos(d)["my_app_00"]["pid"]
    assert now not in (old, new)                    # a third master, started by us
    wait_for(lambda: not pid_alive(new), timeout=20, what="the USR2 master drained")
    log = open(d.logfile).read()
    assert "upgraded:" not in log
    assert log.count("spawned: 'my_app_00'") == 2
