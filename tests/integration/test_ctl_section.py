"""Differential test of the [supervisorctl] section: our supervisorctl against Python's
supervisorctl 4.2.5 on the same config file, with no daemon (the server URL names a socket
that is not there, so what the ctl made of serverurl shows in its connection error). Both
run with the same small environment, so the list of ENV_* names in an expansion error is the
same; stdout, stderr and the exit status must match."""
import os
import subprocess

import pytest

from support import OUR_SUPERVISORCTL, PY_SUPERVISORCTL

# LC_CTYPE set: else Python's start-up adds it (PEP 538) and its ENV_* list is longer.
ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_CTYPE": "C.UTF-8", "CTL_WORD": "box"}

# (id, config text, ctl arguments, stdin or None). The config is written to TMP/etc/x.conf.
CASES = [
    ("serverurl_here_normalised",
     "[supervisorctl]\nserverurl=unix://%(here)s/../run/./no.sock\n", ["status"], None),
    ("serverurl_env", "[supervisorctl]\nserverurl=unix://%(here)s/%(ENV_CTL_WORD)s.sock\n",
     ["status"], None),
    ("serverurl_from_default_section",
     "[DEFAULT]\nserverurl=unix://%(here)s/d.sock\n[supervisorctl]\n", ["status"], None),
    ("serverurl_unknown_name", "[supervisorctl]\nserverurl=unix://%(nope)s\n", ["status"], None),
    ("serverurl_badly_formatted", "[supervisorctl]\nserverurl=unix://%(here)s/%\n",
     ["status"], None),
    ("username_unknown_name", "[supervisorctl]\nusername=%(nope)s\n", ["status"], None),
    ("username_may_not_use_here", "[supervisorctl]\nusername=%(here)s\n", ["status"], None),
    ("password_not_a_number", "[supervisorctl]\npassword=%(ENV_CTL_WORD)d\n", ["status"], None),
    ("prompt_may_not_use_here", "[supervisorctl]\nprompt=%(here)s>\n", ["status"], None),
    ("prompt_checked_before_username",
     "[supervisorctl]\nusername=%(nope)s\nprompt=%(alsonope)s\n", ["status"], None),
    ("history_file_unknown_name", "[supervisorctl]\nhistory_file=%(nope)s/h\n", ["status"], None),
    ("history_file_badly_formatted", "[supervisorctl]\nhistory_file=%(here)s/%z\n", ["status"],
     None),
    ("prompt_expanded_in_the_shell",
     "[supervisorctl]\nserverurl=unix://%(here)s/no.sock\nprompt=%(ENV_CTL_WORD)s-%%\n", [], ""),
    ("no_section", "[supervisord]\n", ["status"], None),
]


def run(exe, conf, args, stdin, tmp):
    r = subprocess.run([exe, "-c", conf] + args, capture_output=True, text=True, env=ENV,
                       input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                       cwd=tmp, timeout=30)
    norm = lambda t: t.replace(exe, "SUPERVISORCTL").replace(str(tmp), "TMP")
    return r.returncode, norm(r.stdout), norm(r.stderr)


@pytest.mark.parametrize("case,conf_text,args,stdin", CASES, ids=[c[0] for c in CASES])
def test_supervisorctl_section_reads_as_pythons(tmp_path, case, conf_text, args, stdin):
    os.makedirs(tmp_path / "etc")
    conf = str(tmp_path / "etc" / "x.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    theirs = run(PY_SUPERVISORCTL, conf, args, stdin, tmp_path)
    ours = run(OUR_SUPERVISORCTL, conf, args, stdin, tmp_path)
    assert ours == theirs
    # Each case shows what it is about: an error naming the option, or the value at work.
    assert "Error:" in theirs[2] or "TMP/" in theirs[1] or "box-%" in theirs[1], theirs
