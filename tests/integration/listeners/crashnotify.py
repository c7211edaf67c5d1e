"""Crash notifier (as superlance's crashmail): on PROCESS_STATE_EXITED with expected:0,
appends "<groupname>:<processname> pid <pid>" to a file."""
import sys

from supervisor import childutils


def main():
    out = sys.argv[1]
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        if headers["eventname"] == "PROCESS_STATE_EXITED":
            pheaders, _ = childutils.eventdata(payload + "\n")
            if pheaders["expected"] == "0":
                with open(out, "a") as f:
                    f.write("%s:%s pid %s\n" % (pheaders["groupname"],
                                                pheaders["processname"], pheaders["pid"]))
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
