"""The Debian package (debian/): built with dpkg-buildpackage from a copy of the tree,
checked with lintian and dpkg-deb, then installed with dpkg over Debian's Python
supervisor in a throwaway root, where its maintainer scripts really run.

The package is built in "reuse" mode (debian/rules: SUPERVISOR_CPP_BUILD names the
already-built meson tree, which is installed instead of compiled again), so the test costs
seconds of packaging, not minutes of compiling.

The throwaway root is an overlay over / (upper layer on a tmpfs) in a private mount and PID
namespace made with `unshare`; its init (pid 1 of the namespace) is chrooted into
the overlay (a small reaper), and commands enter it with `nsenter`, so dpkg, invoke-rc.d and the init
script see an ordinary root (not a chroot: invoke-rc.d ignores requests in a chroot). The
machine's own files, dpkg database and Python supervisor are untouched. Killing the
namespace's init (by pid) kills everything started in it."""
import os
import re
import shutil
import subprocess
import tarfile

import pytest

from support import BUILD, kill_pids, wait_for

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONF = "/etc/supervisor/supervisord.conf"

# The package build comes first (tens of seconds; more on a busy machine): a longer
# per-test limit than scripts/test.sh's --timeout=150.
pytestmark = [
    pytest.mark.timeout(400),
    pytest.mark.skipif(shutil.which("dpkg-buildpackage") is None or shutil.which("dh") is None,
                       reason="dpkg-buildpackage/debhelper not installed (scripts/setup.sh)"),
    pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "supervisord", "supervisord")),
                       reason="no built tree in SUPERVISOR_CPP_BUILD to package"),
]


def copy_tree(dst):
    """The worktree's files as git sees them (tracked and new, not ignored): the repo
    gets no debian/ build artefacts."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    archive = dst.parent / "tree.tar"
    with tarfile.open(archive, "w") as tar:
        for n in names:
            if n and os.path.lexists(os.path.join(REPO, n)):
                tar.add(os.path.join(REPO, n), arcname=n, recursive=False)
    with tarfile.open(archive) as tar:
        tar.extractall(dst)
    archive.unlink()


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    top = tmp_path_factory.mktemp("deb")
    src = top / "src"
    src.mkdir()
    copy_tree(src)
    env = dict(os.environ, SUPERVISOR_CPP_BUILD=BUILD,
               DEB_BUILD_OPTIONS="nocheck noautodbgsym")
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    debs = sorted(top.glob("supervisor-cpp_*.deb"))
    assert len(debs) == 1, os.listdir(top)
    return debs[0]


@pytest.fixture(scope="module")
def lintian(deb):
    """lintian runs in the background while the other tests install the package (it takes
    a CPU for tens of seconds; they mostly wait on dpkg); the last test reads its report."""
    out = open(deb.parent / "lintian.out", "w+")
    proc = subprocess.Popen(["lintian", "--fail-on", "none", str(deb)], stdout=out,
                            stderr=subprocess.STDOUT, text=True)
    yield proc, out
    if proc.poll() is None:
        kill_pids([proc.pid])
        proc.wait(timeout=10)
    out.close()


def test_contents_and_control(deb, lintian):
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True,
                             text=True).stdout
    paths = {line.split()[-1].rstrip("/") for line in listing.splitlines()}
    for p in ["usr/bin/supervisord", "usr/bin/supervisorctl", "usr/bin/echo_supervisord_conf",
              "usr/bin/pidproxy", "etc/supervisor/supervisord.conf", "etc/supervisor/conf.d",
              "var/log/supervisor", "lib/systemd/system/supervisor.service",
              "etc/init.d/supervisor", "usr/share/bash-completion/completions/supervisorctl",
              "usr/share/man/man8/supervisord.8.gz", "usr/share/man/man1/supervisorctl.1.gz",
              "usr/share/man/man1/pidproxy.1.gz", "usr/share/man/man1/echo_supervisord_conf.1.gz",
              "usr/share/man/man5/supervisord.conf.5.gz"]:
        assert "./" + p in paths, p
    # One unit for the daemon: meson's supervisord.service stays out of the package.
    assert not [p for p in paths if p.endswith("/supervisord.service") and "/systemd/" in p]
    for field in ["Provides", "Conflicts", "Replaces"]:
        value = subprocess.run(["dpkg-deb", "-f", str(deb), field], check=True,
                               capture_output=True, text=True).stdout.strip()
        assert value == "supervisor", (field, value)
    conffiles = subprocess.run(["dpkg-deb", "-I", str(deb), "conffiles"], check=True,
                               capture_output=True, text=True).stdout.split()
    assert set(conffiles) == {CONF, "/etc/init.d/supervisor"}


HOLDER = r"""
set -e
D=$1
mount -t tmpfs tmpfs "$D"
mkdir "$D/upper" "$D/work" "$D/root"
R=$D/root
mount -t overlay overlay -o "lowerdir=/,upperdir=$D/upper,workdir=$D/work" "$R"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
cp "$2" "$R/tmp/"
echo ready
exec chroot "$R" /usr/bin/python3 -c "$INIT"
"""

# The namespace's init: reaps every process that ends up its child (the init script's stop
# waits for the daemon's pid to go away), and ends after 10 minutes at most.
INIT = r"""
import os, signal, time
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
end = time.monotonic() + 600
while time.monotonic() < end:
    signal.sigtimedwait([signal.SIGCHLD], max(0.0, end - time.monotonic()))
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
"""


class Root:
    """The throwaway root: run(cmd) runs a shell command inside it."""

    def __init__(self, holder, init_pid):
        self.holder = holder
        self.init_pid = init_pid

    def run(self, cmd, check=True, timeout=60):
        r = subprocess.run(["nsenter", "-t", str(self.init_pid), "-m", "-p", "--root", "--wd",
                            "/bin/sh", "-c", cmd], capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if check:
            assert r.returncode == 0, f"{cmd}: rc {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r

    def ctl(self, *args, check=True):
        return self.run("/usr/bin/supervisorctl -c " + CONF + " " + " ".join(args), check=check)


@pytest.fixture
def root(tmp_path, deb):
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("unshare/nsenter (util-linux) missing")
    holder = subprocess.Popen(["unshare", "--mount", "--pid", "--fork", "--mount-proc",
                               "/bin/sh", "-c", HOLDER, "holder", str(tmp_path), str(deb)],
                              env=dict(os.environ, INIT=INIT),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline()
        if line.strip() != "ready":
            holder.wait(timeout=10)
            pytest.skip("cannot make an overlay root here: " + holder.stderr.read()[-500:])
        children = f"/proc/{holder.pid}/task/{holder.pid}/children"
        init = []

        def init_chrooted():
            with open(children) as f:
                init[:] = [int(p) for p in f.read().split()]
            return init and os.readlink(f"/proc/{init[0]}/root") != "/"
        wait_for(init_chrooted, timeout=10, what="namespace init chrooted into the overlay")
        r = Root(holder, init[0])
        # A booted sysvinit host: invoke-rc.d asks runlevel(8), which reads utmp, empty
        # here (the root's /run is a fresh tmpfs).
        r.run("rm -f /usr/sbin/runlevel && printf '#!/bin/sh\\necho N 2\\n' > /usr/sbin/runlevel"
              " && chmod 755 /usr/sbin/runlevel")
        # A host made from a container image can carry Docker's policy-rc.d ("exit 101":
        # invoke-rc.d starts nothing): the root this test installs into is a booted host,
        # whose postinst starts the service.
        r.run("rm -f /usr/sbin/policy-rc.d")
        # man-db's trigger rebuilds its index after each dpkg run (tens of seconds); it
        # skips that when this flag file is absent.
        r.run("rm -f /var/lib/man-db/auto-update")
        yield r
    finally:
        if holder.poll() is None:
            kill_pids([int(p) for p in open(f"/proc/{holder.pid}/task/{holder.pid}/children")
                       .read().split()] if os.path.exists(f"/proc/{holder.pid}") else [])
            try:
                holder.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill_pids([holder.pid])
                holder.wait(timeout=10)
        holder.stdout.close()
        holder.stderr.close()


FAKE_CTL = r"""#!/bin/sh
# Test double: records every call; `reexec` answers from /tmp/reexec-answer; the rest goes
# to the package's real client.
echo "$*" >> /tmp/ctl-calls
for a in "$@"; do
  if [ "$a" = reexec ]; then [ "$(cat /tmp/reexec-answer)" = ok ]; exit $?; fi
done
exec /usr/bin/supervisorctl.real "$@"
"""


def daemon_pid(root):
    r = root.ctl("pid", check=False)
    return int(r.stdout) if r.returncode == 0 and r.stdout.strip().isdigit() else None


def upgrade_with_fake_ctl(root, deb_name, reexec_answer):
    """Unpack the package again, put the test double in place of the client it just
    unpacked, then configure: the postinst runs as on an upgrade."""
    root.run(f"dpkg --unpack /tmp/{deb_name}")
    root.run("mv /usr/bin/supervisorctl /usr/bin/supervisorctl.real && cat > /usr/bin/supervisorctl"
             f" <<'EOF'\n{FAKE_CTL}EOF\nchmod 755 /usr/bin/supervisorctl"
             f" && echo {reexec_answer} > /tmp/reexec-answer && rm -f /tmp/ctl-calls")
    out = root.run("dpkg --configure supervisor-cpp")
    calls = root.run("cat /tmp/ctl-calls").stdout.splitlines()
    root.run("mv /usr/bin/supervisorctl.real /usr/bin/supervisorctl")
    return out, calls


def test_install_over_python_supervisor_and_upgrade(root, deb):
    assert root.run("dpkg-query -W -f='${Status}' supervisor").stdout == "install ok installed"
    root.run("printf '[program:sleeper]\\ncommand=/bin/sleep 1000\\n' > /etc/supervisor/conf.d/sleeper.conf")

    # Install: dpkg removes Python's supervisor (Conflicts + Replaces), the postinst
    # enables and starts the service through invoke-rc.d and the init script.
    out = root.run(f"dpkg -i /tmp/{deb.name}")
    assert "Removing supervisor" in out.stdout, out.stdout
    assert root.run("dpkg-query -W -f='${Status}' supervisor-cpp").stdout == "install ok installed"
    assert "installed" not in root.run("dpkg-query -W -f='${Status}' supervisor").stdout.split()
    version = root.run("/usr/bin/supervisord --version").stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version

    wait_for(lambda: daemon_pid(root) is not None, timeout=60,
             what="supervisord started by postinst")
    pid = daemon_pid(root)
    assert int(root.run("cat /var/run/supervisord.pid").stdout) == pid
    wait_for(lambda: "RUNNING" in root.ctl("status sleeper", check=False).stdout,
             timeout=20, what="sleeper RUNNING")
    prog = root.ctl("pid sleeper").stdout.strip()
    assert root.run("test -S /var/run/supervisor.sock && test -f /var/log/supervisor/supervisord.log",
                    check=False).returncode == 0

    # Upgrade, reexec answers: no restart, same daemon, same program.
    out, calls = upgrade_with_fake_ctl(root, deb.name, "ok")
    assert f"-c {CONF} reexec" in calls, calls
    assert "re-executed in place" in out.stdout, out.stdout
    assert daemon_pid(root) == pid
    assert root.ctl("pid sleeper").stdout.strip() == prog

    # Upgrade, reexec fails (a daemon without reexec): restarted through invoke-rc.d.
    out, calls = upgrade_with_fake_ctl(root, deb.name, "fail")
    assert f"-c {CONF} reexec" in calls, calls
    assert "restarting supervisord" in out.stderr, out.stderr
    wait_for(lambda: daemon_pid(root) not in (None, pid), timeout=20, what="a new supervisord")
    wait_for(lambda: "RUNNING" in root.ctl("status sleeper", check=False).stdout,
             timeout=20, what="sleeper RUNNING again")
    assert root.ctl("pid sleeper").stdout.strip() != prog

    # Removal stops the daemon (prerm, through the init script).
    pid = daemon_pid(root)
    root.run("dpkg -r supervisor-cpp")
    assert daemon_pid(root) is None
    assert root.run(f"kill -0 {pid}", check=False).returncode != 0


def test_lintian_clean(lintian):
    proc, out = lintian
    assert proc.wait(timeout=240) == 0
    out.seek(0)
    report = out.read()
    bad = [line for line in report.splitlines() if line.startswith(("E:", "W:"))]
    assert not bad, report
