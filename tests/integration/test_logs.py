"""Child output end to end: every byte a child writes reaches its log files, across
rotation, and the log commands read them back."""
import glob
import os
import signal

from support import TESTCHILD, wait_for


def test_one_gigabyte_of_output_is_all_in_the_log_and_its_backups(daemon_factory, tmp_path):
    total = 1 << 30
    logf = tmp_path / "big.log"
    # Large writes (tr's buffer), so the test measures the daemon, not the writer.
    d = daemon_factory(f"""[program:big]
command=/bin/sh -c "head -c {total} /dev/zero | tr '\\\\0' x"
startsecs=0
autorestart=false
stdout_logfile={logf}
stdout_logfile_maxbytes=100MB
stdout_logfile_backups=20
""")
    wait_for(lambda: d.rpc.supervisor.getProcessInfo("big")["statename"] == "EXITED",
             timeout=120, what="writer done")
    files = glob.glob(str(logf) + "*")
    assert len(files) >= 10, "rotated at 100 MB"
    assert sum(os.path.getsize(f) for f in files) == total
    with open(sorted(files)[0], "rb") as f:
        assert f.read(1 << 20) == b"x" * (1 << 20)


def test_sigusr2_reopens_child_logs_for_logrotate(daemon_factory, tmp_path):
    logf = tmp_path / "app.log"
    d = daemon_factory(f"""[program:app]
command=/bin/sh -c "echo first; read line; echo second; exec sleep 1000"
startsecs=0
stdout_logfile={logf}
""")
    wait_for(lambda: logf.exists() and logf.read_text() == "first\n", what="first line")
    os.rename(logf, str(logf) + ".old")          # what logrotate does
    d.proc.send_signal(signal.SIGUSR2)
    wait_for(lambda: logf.exists(), what="reopened file")
    d.rpc.supervisor.sendProcessStdin("app", "go\n")
    wait_for(lambda: logf.read_text() == "second\n", what="second line in the new file")
    assert open(str(logf) + ".old").read() == "first\n"
