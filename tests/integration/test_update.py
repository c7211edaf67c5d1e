"""`update` down to the instance (extension, Supervisor#177/#591/#1154): our supervisorctl
calls supervisor.update, which keeps untouched processes of a changed group running.
Python's supervisorctl against our daemon keeps Supervisor's whole-group behaviour."""
import re

from support import TESTCHILD, wait_for


def web(numprocs, extra=""):
    return (f"[program:web]\ncommand={TESTCHILD} sleep\nnumprocs={numprocs}\n"
            f"process_name=%(program_name)s_%(process_num)02d\nstartsecs=0\n{extra}\n")


def pids(d):
    return {p["name"]: p["pid"] for p in d.rpc.supervisor.getAllProcessInfo()}


def all_running(d, n):
    info = d.rpc.supervisor.getAllProcessInfo()
    return len(info) == n and all(p["statename"] == "RUNNING" for p in info)


def rewrite(d, body):
    text = open(d.conf).read()
    head = text[: text.index("[program:")] if "[program:" in text else text
    with open(d.conf, "w") as f:
        f.write(head + body)


def test_numprocs_4_to_6_starts_two_and_touches_none(daemon_factory):
    d = daemon_factory(web(4))
    wait_for(lambda: all_running(d, 4), what="4 running")
    before = pids(d)
    rewrite(d, web(6))
    r = d.ctl("update")
    assert r.returncode == 0, r.stdout
    assert r.stdout == "web: updated process group\n"
    wait_for(lambda: all_running(d, 6), what="6 running")
    after = pids(d)
    for name, pid in before.items():
        assert after[name] == pid, f"{name} was restarted"
    assert set(after) - set(before) == {"web_04", "web_05"}


def test_numprocs_6_to_4_stops_only_the_two_removed(daemon_factory):
    d = daemon_factory(web(6))
    wait_for(lambda: all_running(d, 6), what="6 running")
    before = pids(d)
    rewrite(d, web(4))
    r = d.ctl("update")
    assert r.returncode == 0 and r.stdout == "web: updated process group\n"
    after = pids(d)
    assert set(after) == {"web_00", "web_01", "web_02", "web_03"}
    assert all(after[n] == before[n] for n in after)


def test_changed_member_of_a_group_restarts_alone(daemon_factory):
    body = (f"[group:g]\nprograms=a,b\n\n[program:a]\ncommand={TESTCHILD} sleep\nstartsecs=0\n\n"
            f"[program:b]\ncommand={TESTCHILD} sleep\nstartsecs=0\n")
    d = daemon_factory(body)
    wait_for(lambda: all_running(d, 2), what="2 running")
    before = pids(d)
    rewrite(d, body.replace("[program:b]\ncommand=", "[program:b]\nenvironment=X=1\ncommand="))
    r = d.ctl("update")
    assert r.stdout == "g: updated process group\n"
    wait_for(lambda: all_running(d, 2), what="2 running again")
    after = pids(d)
    assert after["a"] == before["a"]
    assert after["b"] != before["b"]


def test_added_and_removed_groups_and_unknown_name(daemon_factory):
    d = daemon_factory(web(1) + f"[program:old]\ncommand={TESTCHILD} sleep\nstartsecs=0\n")
    wait_for(lambda: all_running(d, 2), what="running")
    rewrite(d, web(1) + f"[program:new]\ncommand={TESTCHILD} sleep\nstartsecs=0\n")
    r = d.ctl("update")
    assert r.stdout == ("old: stopped\nold: removed process group\n"
                        "new: added process group\n")
    r = d.ctl("update", "nosuch")
    assert r.returncode == 1
    assert "ERROR: no such group: nosuch" in r.stdout


def test_update_with_nothing_to_do_prints_nothing(daemon_factory):
    d = daemon_factory(web(2))
    wait_for(lambda: all_running(d, 2), what="running")
    r = d.ctl("update")
    assert (r.returncode, r.stdout) == (0, "")


def test_pythons_ctl_still_updates_our_daemon_the_classic_way(daemon_factory):
    d = daemon_factory(web(2))
    wait_for(lambda: all_running(d, 2), what="running")
    before = pids(d)
    rewrite(d, web(3))
    r = d.ctl("update", impl="python")
    assert r.returncode == 0
    assert r.stdout == "web: stopped\nweb: updated process group\n"
    wait_for(lambda: all_running(d, 3), what="3 running")
    after = pids(d)
    assert all(after[n] != before[n] for n in before), "classic update restarts the whole group"


def test_update_with_a_broken_config_is_refused_and_changes_nothing(daemon_factory):
    d = daemon_factory(web(2))
    wait_for(lambda: all_running(d, 2), what="running")
    before = pids(d)
    rewrite(d, web(2, "startsecs=notanumber"))
    r = d.ctl("update")
    assert r.returncode == 1
    assert re.search(r"CANT_REREAD", r.stdout)
    assert pids(d) == before
