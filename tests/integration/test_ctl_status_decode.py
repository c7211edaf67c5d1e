"""supervisorctl reads getAllProcessInfo straight from the answer's bytes (supervisorctl/
decode.h). Against Python's daemon and ours, with names and texts that XML must escape
(&, <, >, quotes), non-ASCII names, a spawn error, stopped and running processes in groups:
our ctl prints what Python's ctl prints for every command that reads that answer."""
import re
import subprocess

import pytest

from support import OUR_SUPERVISORCTL, PY_SUPERVISORCTL, TESTCHILD, wait_for

CONF = f"""[program:a&b]
command={TESTCHILD} sleep
startsecs=0

[program:lt<gt>]
command={TESTCHILD} sleep
process_name=%(program_name)s_"q'_%(process_num)d
numprocs=2
startsecs=0

[program:caf\u00e9]
command={TESTCHILD} sleep
autostart=false

[program:missing]
command=/nonexistent/&<binary>
startretries=0

[group:g&g]
programs=caf\u00e9,missing
"""

LINES = ["status", "pid all", "status nosuch g&g:caf\u00e9 lt<gt>:*"]


def settled(d):
    states = {p["name"]: p["statename"] for p in d.rpc.supervisor.getAllProcessInfo()}
    return (states.get("missing") == "FATAL" and states.get("caf\u00e9") == "STOPPED"
            and all(states.get(n) == "RUNNING" for n in
                    ("a&b", "lt<gt>_\"q'_0", "lt<gt>_\"q'_1")))


def normalise(text):
    text = re.sub(r"pid \d+", "pid N", text)
    text = re.sub(r"uptime (\d+ days?, )?\d+:\d\d:\d\d", "uptime T", text)
    return re.sub(r"(?m)^\d+$", "N", text)


@pytest.mark.parametrize("impl", ["ours", "python"])
def test_status_and_pid_read_the_answer_as_pythons_ctl(daemon_factory, impl):
    d = daemon_factory(CONF, impl=impl)
    wait_for(lambda: settled(d), timeout=20, what="programs settled")
    for line in LINES:
        got = {}
        for exe in (PY_SUPERVISORCTL, OUR_SUPERVISORCTL):
            r = subprocess.run([exe, "-c", d.conf, *line.split()], capture_output=True,
                               text=True, timeout=60, stdin=subprocess.DEVNULL)
            got[exe] = (r.returncode, normalise(r.stdout))
        assert got[OUR_SUPERVISORCTL] == got[PY_SUPERVISORCTL], (impl, line)
    # The rows are really there (a comparison of two empty outputs proves nothing).
    status = got[OUR_SUPERVISORCTL][1]
    out = normalise(subprocess.run([OUR_SUPERVISORCTL, "-c", d.conf, "status"],
                                   capture_output=True, text=True, timeout=60).stdout)
    assert re.search(r"(?m)^a&b +RUNNING +pid N, uptime T$", out)
    assert "lt<gt>:lt<gt>_\"q'_1" in out
    assert re.search(r"(?m)^g&g:missing +FATAL +can't find command '/nonexistent/&<binary>'$",
                     out)
    assert re.search(r"(?m)^g&g:caf\u00e9 +STOPPED +Not started$", out)
    assert "nosuch: ERROR (no such process)" in status
