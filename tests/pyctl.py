"""Python's supervisorctl 4.2.5, run many times for little CPU: one interpreter imports
supervisor.supervisorctl once (about 0.5 s of CPU, pkg_resources mostly), then forks a
child per command that runs the same main() the /usr/bin/supervisorctl entry point runs,
with that command's argv, stdin, environment and directory. Each child starts from the
freshly imported modules, so no state passes from one command to the next. The output,
exit status and files are the real program's; only the import is shared.
test_ctl_vs_python checks this runner against /usr/bin/supervisorctl itself."""
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

from support import PY_SUPERVISORCTL

# The server: reads one JSON request a line on one pipe and answers on another with the child's
# pid, then its exit status. The child's stdin, stdout and stderr are files the client
# names; the server's own standard streams are never read or written, so no buffered
# bytes can leak into a child.
SERVER = r"""
import json, os, sys, traceback
req_fd, ans_fd = int(sys.argv[2]), int(sys.argv[3])
sys.argv = [sys.argv[1]]          # options.py reads sys.argv[0] at import time
import supervisor.supervisorctl as ctl
requests = os.fdopen(req_fd, "r")
answers = os.fdopen(ans_fd, "w", buffering=1)
for line in requests:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for fd, path, mode in ((0, req["stdin"], os.O_RDONLY),
                                   (1, req["stdout"], os.O_WRONLY),
                                   (2, req["stderr"], os.O_WRONLY)):
                f = os.open(path, mode)
                os.dup2(f, fd)
                os.close(f)
            os.close(req_fd)
            os.close(ans_fd)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            sys.argv = req["argv"]
            try:
                ctl.main()         # what the entry point's sys.exit(main()) runs
                code = 0
            except SystemExit as e:   # as the interpreter maps sys.exit()'s argument
                if e.code is None:
                    code = 0
                elif isinstance(e.code, int):
                    code = e.code
                else:
                    print(e.code, file=sys.stderr)
                    code = 1
            except BaseException:
                traceback.print_exc()
                code = 1
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass
            os._exit(code)
    answers.write(f"{pid}\n")
    _, status = os.waitpid(pid, 0)
    answers.write(f"{os.waitstatus_to_exitcode(status)}\n")
"""

_server = None


def _start():
    global _server
    req_r, req_w = os.pipe()
    ans_r, ans_w = os.pipe()
    # The interpreter of /usr/bin/supervisorctl's shebang line.
    with open(PY_SUPERVISORCTL) as f:
        python = f.readline()[2:].strip()
    proc = subprocess.Popen(
        [python, "-c", SERVER, PY_SUPERVISORCTL, str(req_r), str(ans_w)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=(req_r, ans_w))
    os.close(req_r)
    os.close(ans_w)
    _server = (proc, os.fdopen(req_w, "w", buffering=1), ans_r)


def _read_line(fd, deadline, pid=None):
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            if pid:
                os.kill(pid, signal.SIGKILL)   # the child we are waiting for, by pid
            raise subprocess.TimeoutExpired(PY_SUPERVISORCTL, 0)
        chunk = os.read(fd, 1)
        if not chunk:
            raise RuntimeError("the supervisorctl runner died")
        line += chunk
    return int(line)


def run(args, input=None, env=None, cwd=None, timeout=60):
    """Python's supervisorctl with `args`: a CompletedProcess with text stdout and stderr
    (stdin is `input`, or empty)."""
    if _server is None or _server[0].poll() is not None:
        _start()
    proc, requests, answers = _server
    with tempfile.TemporaryDirectory(prefix="pyctl") as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("stdin", "stdout", "stderr")}
        for name, path in paths.items():
            with open(path, "w") as f:
                f.write(input if name == "stdin" and input is not None else "")
        requests.write(json.dumps({
            "argv": [PY_SUPERVISORCTL, *args], "env": dict(os.environ if env is None else env),
            "cwd": os.path.abspath(cwd or os.getcwd()), **paths}) + "\n")
        deadline = time.monotonic() + timeout
        pid = _read_line(answers, deadline)
        code = _read_line(answers, deadline, pid)
        with open(paths["stdout"]) as out, open(paths["stderr"]) as err:
            return subprocess.CompletedProcess([PY_SUPERVISORCTL, *args], code, out.read(),
                                               err.read())
