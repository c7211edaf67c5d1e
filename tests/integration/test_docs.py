"""Docs and packaging: the generated sample config loads in our supervisord and in Python
Supervisor's option parser (as printed, and with every option uncommented); `meson install`
puts binaries, man pages, the sample and the examples where they belong; the bash completion
offers commands and the running daemon's names; the repository stands alone (no file cites
a document outside it, and docs/ARCHITECTURE.md names only files and sections that exist)."""
import os
import re
import shutil
import stat
import subprocess

import pytest

from support import BUILD, OUR_SUPERVISORD, OUR_SUPERVISORCTL, TESTCHILD

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ECHO_CONF = os.path.join(BUILD, "supervisord", "echo_supervisord_conf")
PY = "/usr/bin/python3"

# Python Supervisor's own parsers: ServerOptions for the daemon, ClientOptions for the ctl.
PY_LOAD = """
import sys
from supervisor.options import ServerOptions, ClientOptions
s = ServerOptions()
s.realize(args=['-c', sys.argv[1]])
c = ClientOptions()
c.realize(args=['-c', sys.argv[1]])
print(sorted(g.name for g in s.process_group_configs))
print(sorted(x['section'] for x in s.server_configs))
print(c.serverurl)
"""


def sample_text(*args):
    return subprocess.run([*args], capture_output=True, text=True, check=True).stdout


def uncomment_all(text):
    """Every ';[section]' and ';key=value' line becomes active; explanations stay comments."""
    return re.sub(r"(?m)^;(\[|[a-z_.]+=)", r"\1", text)


def have_python_supervisor():
    return subprocess.run([PY, "-c", "import supervisor.options"],
                          capture_output=True).returncode == 0


def test_sample_config_and_echo_supervisord_conf_print_the_same_text():
    a = sample_text(OUR_SUPERVISORD, "--sample-config")
    b = sample_text(ECHO_CONF)
    assert a == b
    assert "[supervisord]" in a and "[program:theprogramname]" in a


@pytest.mark.parametrize("full", [False, True], ids=["as_printed", "all_uncommented"])
def test_sample_config_loads_in_ours(tmp_path, full):
    text = sample_text(ECHO_CONF)
    if full:
        text = uncomment_all(text)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(text)
    r = subprocess.run([OUR_SUPERVISORD, "-c", str(conf), "--check-config"],
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    want = "3 groups" if full else "0 groups"
    assert want in r.stdout


@pytest.mark.skipif(not have_python_supervisor(), reason="Python Supervisor not installed")
@pytest.mark.parametrize("full", [False, True], ids=["as_printed", "all_uncommented"])
def test_sample_config_loads_in_python_supervisor(tmp_path, full):
    text = sample_text(ECHO_CONF)
    if full:
        text = uncomment_all(text)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(text)
    r = subprocess.run([PY, "-c", PY_LOAD, str(conf)], capture_output=True, text=True,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    groups, servers, url = r.stdout.splitlines()
    if full:
        assert groups == "['theeventlistenername', 'thefcgiprogramname', 'thegroupname']"
        assert servers == "['inet_http_server', 'unix_http_server']"
    else:
        assert groups == "[]"
        assert servers == "['unix_http_server']"
    assert url == "unix:///tmp/supervisor.sock"


def test_meson_install_puts_every_file_in_place(tmp_path):
    dest = tmp_path / "dest"
    # The build dir is shared: ninja (which meson install may run) goes through the lock.
    r = subprocess.run(["flock", "/tmp/ninja.lock", "meson", "install", "-C", BUILD,
                        "--destdir", str(dest), "--no-rebuild", "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    found = list(dest.rglob("bin/supervisord"))
    assert len(found) == 1, found
    prefix = found[0].parent.parent
    for rel in ["bin/supervisord", "bin/supervisorctl", "bin/pidproxy",
                "bin/echo_supervisord_conf",
                "share/man/man8/supervisord.8", "share/man/man1/supervisorctl.1",
                "share/man/man1/pidproxy.1", "share/man/man1/echo_supervisord_conf.1",
                "share/man/man5/supervisord.conf.5",
                "share/doc/supervisor-cpp/supervisord.conf",
                "share/doc/supervisor-cpp/conf.d/my_app.conf",
                "share/doc/supervisor-cpp/conf.d/my_app/wsgi.py",
                "share/doc/supervisor-cpp/supervisord.service",
                "share/doc/supervisor-cpp/supervisord.init",
                "lib/systemd/system/supervisord.service",
                "share/bash-completion/completions/supervisorctl"]:
        assert (prefix / rel).is_file(), rel
    for exe in ["bin/supervisord", "bin/supervisorctl", "bin/pidproxy",
                "share/doc/supervisor-cpp/supervisord.init"]:
        assert os.stat(prefix / exe).st_mode & stat.S_IXUSR, exe
    assert (prefix / "share/doc/supervisor-cpp/supervisord.conf").read_text() == \
        sample_text(ECHO_CONF)
    unit = (prefix / "lib/systemd/system/supervisord.service").read_text()
    assert "@" not in unit.replace("$MAINPID", "")
    bindir = "/" + str(prefix.relative_to(dest) / "bin")
    assert f"ExecStart={bindir}/supervisord " in unit
    assert "Type=forking" in unit and "KillMode=process" in unit
    assert re.search(r"(?m)^PIDFile=(\S+)$", unit).group(1) in unit.split("ExecStart=")[1]


def complete(words, env):
    script = os.path.join(ROOT, "packaging", "supervisorctl.bash")
    quoted = " ".join("'" + w + "'" for w in words)
    cmd = (f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
           "_supervisorctl; printf '%s\\n' \"${COMPREPLY[@]}\"")
    r = subprocess.run(["bash", "--norc", "-c", cmd], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return sorted(w for w in r.stdout.splitlines() if w)


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completion_offers_commands_and_the_daemons_names(daemon_factory):
    body = (f"[program:web]\ncommand={TESTCHILD} sleep\nprocess_name=web_%(process_num)d\n"
            "numprocs=2\nautostart=false\n\n"
            f"[program:solo]\ncommand={TESTCHILD} sleep\nautostart=false\n\n")
    d = daemon_factory(body)
    env = dict(os.environ, PATH=os.path.dirname(OUR_SUPERVISORCTL) + ":" + os.environ["PATH"])
    assert complete(["supervisorctl", "st"], env) == ["start", "status", "stop"]
    names = complete(["supervisorctl", "-c", d.conf, "start", ""], env)
    assert names == ["all", "solo", "web:*", "web:web_0", "web:web_1"]
    assert complete(["supervisorctl", "-c", d.conf, "update", ""], env) == ["solo", "web"]


# ---- the repository stands alone ---------------------------------------------------------

ARCHITECTURE = "docs/ARCHITECTURE.md"
# Citations of documents a clone does not have. Built from pieces so that this file does
# not match itself.
OUTSIDE = ["../" + "shared", "DESIGN " + "\u00a7", "reference " + "\u00a7", "STYLE " + "#"]
# A relative path with an extension, alone in backquotes: `supervisord/process/fsm.cc`.
# URLs, absolute paths and globs (`rpc/methods_*.cc`) are not paths in the repository.
BACKQUOTED_PATH = re.compile(r"`([\w.-]+(?:/[\w.-]+)+\.[A-Za-z0-9]+)`")
ANCHOR_CITED = re.compile(re.escape(ARCHITECTURE) + r"#([\w-]+)")


def tracked_files():
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True, timeout=60)
    if r.returncode != 0:
        pytest.skip("not a git checkout: " + r.stderr.decode(errors="replace").strip())
    return [f for f in r.stdout.decode().split("\0") if f]


def tracked_lines():
    """(path, line number, text) of every tracked text file."""
    for rel in tracked_files():
        path = os.path.join(ROOT, rel)
        if not os.path.isfile(path):
            continue   # deleted in the work tree, not yet in the index
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            continue   # binary
        for n, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            yield rel, n, line


def slug(heading):
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_no_tracked_file_cites_a_document_outside_the_repository():
    hits = [f"{rel}:{n}: {line.strip()}" for rel, n, line in tracked_lines()
            if any(needle in line for needle in OUTSIDE)]
    assert not hits, ("cite docs/ARCHITECTURE.md or http://supervisord.org/ instead:\n" +
                      "\n".join(hits))


def test_architecture_names_only_files_that_exist():
    tracked = set(tracked_files())
    dirs = {os.path.dirname(f) for f in tracked}
    with open(os.path.join(ROOT, ARCHITECTURE), encoding="utf-8") as f:
        lines = f.read().splitlines()
    named = [(n, m.group(1)) for n, line in enumerate(lines, 1)
             for m in BACKQUOTED_PATH.finditer(line)]
    assert len(named) > 50, "the path pattern no longer finds the document's paths"
    missing = [f"{ARCHITECTURE}:{n}: `{p}`" for n, p in named
               if p not in tracked and p not in dirs]
    assert not missing, "no such file in the repository:\n" + "\n".join(missing)


def test_cited_architecture_sections_exist():
    with open(os.path.join(ROOT, ARCHITECTURE), encoding="utf-8") as f:
        anchors = {slug(line.lstrip("#")) for line in f if line.startswith("#")}
    cited = [(rel, n, m.group(1)) for rel, n, line in tracked_lines()
             for m in ANCHOR_CITED.finditer(line)]
    assert cited, f"nothing cites a section of {ARCHITECTURE} any more"
    bad = [f"{rel}:{n}: #{a}" for rel, n, a in cited if a not in anchors]
    assert not bad, (f"no such section in {ARCHITECTURE} (sections: {sorted(anchors)}):\n" +
                     "\n".join(bad))
