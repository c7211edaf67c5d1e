"""Config differential: every fixture of tests/fixtures/config through Python Supervisor's
parser (pyref_config.py) and through ours (`--check-config --json`, for now via the
test-only tests/config_dump), asserting the same accept/refuse and, when accepted, the same
groups, processes and supervisord settings. Refusals of ours must point at file:line.

Run: /usr/bin/python3 -m pytest tests/integration/test_config_differential.py
Binary: $SUPERVISOR_CPP_BUILD (default /work/main/build)/tests/config_dump, or
$SUPERVISOR_CPP_CHECK_CONFIG = a command taking `-c FILE --check-config --json`.
"""
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "config")
BUILD = os.environ.get("SUPERVISOR_CPP_BUILD", "/work/main/build")
PYREF = os.path.join(HERE, "pyref_config.py")
TIMEOUT = 60

# Same environment, cwd and host for both sides; the fixtures use these ENV_* names.
ENV = {"HOME": "/root", "USER": "root", "PRIO": "7", "PATH": "/usr/bin:/bin",
       "LANG": "C.UTF-8", "LC_CTYPE": "C.UTF-8", "TMPDIR": "/tmp"}

FIXTURE_FILES = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".conf"))


def ours_command(path):
    custom = os.environ.get("SUPERVISOR_CPP_CHECK_CONFIG")
    if custom:
        return shlex.split(custom) + ["-c", path, "--check-config", "--json"]
    return [os.path.join(BUILD, "tests", "config_dump"), "--json", path]


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, timeout=TIMEOUT)


def run_pyref(path, cwd):
    r = run(["/usr/bin/python3", PYREF, path], cwd)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return json.loads(r.stdout)


def run_ours(path, cwd):
    r = run(ours_command(path), cwd)
    # Never a crash: exit 0 (valid) or 2 (refused), never a signal.
    assert r.returncode in (0, 2), (r.returncode, r.stderr.decode(errors="replace"))
    out = json.loads(r.stdout.decode(errors="surrogateescape") or "{}")
    out["_exit"] = r.returncode
    out["_stderr"] = r.stderr.decode(errors="replace")
    return out


PROCESS_KEYS = None  # the keys pyref emits; ours has more


def normalise_ours(doc):
    groups = []
    for g in doc["groups"]:
        procs = {}
        for p in g["processes"]:
            q = dict(p)
            q["environment"] = dict(p["environment"])
            procs[p["name"]] = q
        out = {"name": g["name"], "priority": g["priority"],
               "processes": sorted(procs.values(), key=lambda p: p["name"])}
        if g["kind"] == "eventlistener":
            first = g["processes"][0] if g["processes"] else {}
            out["events"] = sorted(first.get("events", []))
            out["buffer_size"] = first.get("buffer_size", 10)
        groups.append(out)
    return groups


def project(groups, keys):
    result = []
    for g in groups:
        h = {k: v for k, v in g.items() if k != "processes"}
        h["processes"] = [{k: p.get(k, "<missing>") for k in keys} for p in g["processes"]]
        result.append(h)
    return result


def compare(path, cwd=FIXTURES):
    ref = run_pyref(path, cwd)
    ours = run_ours(path, cwd)
    assert ours["ok"] == ref["ok"], "accept/refuse differs:\n python: %s\n ours: %s" % (
        ref.get("error"), ours.get("error"))
    if not ref["ok"]:
        assert ours["_exit"] == 2
        return ref, ours
    assert ours["_exit"] == 0
    keys = sorted({k for g in ref["groups"] for p in g["processes"] for k in p})
    mine = normalise_ours(ours)
    if ref["groups"] and not keys:
        keys = []
    assert project(mine, keys) == project(ref["groups"], keys)
    for k, v in ref["supervisord"].items():
        assert ours["supervisord"][k] == v, k
    ref_servers = sorted(ref["servers"], key=lambda s: s["section"])
    our_servers = sorted(({k: s[k] for k in s if k != "auth"} for s in ours["servers"]),
                         key=lambda s: s["section"])
    assert our_servers == ref_servers
    return ref, ours


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_agrees_with_python_supervisor(name):
    ref, ours = compare(name)
    if not ref["ok"]:
        # Ours points at the text: file:line (a file we read) — or names the file for
        # problems with no line (missing file / section).
        first = ours["error"].splitlines()[0]
        assert re.match(r"^[^:\s]+(\.conf|\.ini):\d+: ", first), ours["error"]


def test_there_are_at_least_30_fixtures():
    assert len(FIXTURE_FILES) >= 30


# ---- bad input, generated at test time -------------------------------------------------------

def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_directory_as_config_is_a_clear_error(tmp_path):
    d = tmp_path / "dir.conf"
    d.mkdir()
    ref, ours = compare(str(d), str(tmp_path))
    assert "could not read config file" in ours["error"]


def test_missing_config_file_is_a_clear_error(tmp_path):
    ref, ours = compare(str(tmp_path / "absent.conf"), str(tmp_path))
    assert "could not find config file" in ours["error"]


def test_missing_include_directory_is_only_a_warning(tmp_path):
    p = write(tmp_path, "s.conf", b"[supervisord]\n[include]\nfiles=nodir/*.conf\n"
                                  b"[program:a]\ncommand=/bin/cat\n")
    ref, ours = compare(p, str(tmp_path))
    assert ref["ok"]
    assert any("No file matches" in w for w in ours["warnings"])


def test_binary_garbage_is_refused_without_a_crash(tmp_path):
    data = bytes((i * 7919 + 13) % 256 for i in range(4096)) + b"\x00\xff\xfe"
    p = write(tmp_path, "garbage.conf", data)
    ref, ours = compare(p, str(tmp_path))
    assert not ours["ok"]


def test_ten_megabyte_file_loads_in_time(tmp_path):
    chunk = b"".join(b"[program:p%d]\ncommand=/bin/echo %d\n" % (i, i) for i in range(1000))
    body = b"[supervisord]\n" + b"; filler " * 10 + b"\n"
    filler = (b"; " + b"x" * 1000 + b"\n") * (11 * 1024)
    p = write(tmp_path, "big.conf", body + filler + chunk)
    assert os.path.getsize(p) >= 10 * 1024 * 1024
    ours = run_ours(p, str(tmp_path))
    assert ours["ok"]
    assert len(ours["groups"]) == 1000


def test_hundred_thousand_continuation_lines_load_in_time(tmp_path):
    lines = b"".join(b"  arg%d\n" % i for i in range(100000))
    p = write(tmp_path, "cont.conf", b"[supervisord]\n[program:long]\ncommand=/bin/echo\n" + lines)
    ref, ours = compare(p, str(tmp_path))
    assert ours["ok"]
    assert ours["groups"][0]["processes"][0]["command"].count("\n") == 100000


@pytest.mark.parametrize("text, line, words", [
    ("[supervisord]\n[program:a]\ncommand=/bin/true\nthis is garbage\n", 4,
     "contains parsing errors"),
    ("[supervisord]\n[program:a]\ncommand=/bin/true\n=1\n", 4, "contains parsing errors"),
    ("logfile=x.log\n[supervisord]\n", 1, "contains no section headers"),
])
def test_unparseable_line_says_so_in_supervisors_words(tmp_path, text, line, words):
    """Both daemons refuse (exit 2) before starting and both say the words scripts grep
    for; ours also names file:line."""
    sys.path.insert(0, os.path.dirname(HERE))
    from support import OUR_SUPERVISORD, PY_SUPERVISORD
    p = write(tmp_path, "a.conf", text.encode())
    for exe in (PY_SUPERVISORD, OUR_SUPERVISORD):
        r = subprocess.run([exe, "-n", "-c", p], cwd=str(tmp_path), env=ENV,
                           capture_output=True, timeout=10)
        err = r.stderr.decode()
        assert r.returncode == 2, (exe, err)
        assert words in err.lower(), (exe, err)
    assert f"a.conf:{line}: " in err, err
