"""Memory monitor (as superlance's memmon): on every TICK event, reads each running
process's RSS from /proc and restarts, over XML-RPC (SUPERVISOR_SERVER_URL), any instance
above the limit; appends "restarted <name> <old pid>" to a file."""
import os
import sys

from supervisor import childutils


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    limit, out = int(sys.argv[1]), sys.argv[2]
    rpc = childutils.getRPCInterface(os.environ)
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        if headers["eventname"].startswith("TICK"):
            for info in rpc.supervisor.getAllProcessInfo():
                if not info["pid"] or info["name"] == os.environ["SUPERVISOR_PROCESS_NAME"]:
                    continue
                try:
                    rss = rss_bytes(info["pid"])
                except OSError:
                    continue
                if rss > limit:
                    name = "%s:%s" % (info["group"], info["name"])
                    rpc.supervisor.stopProcess(name)
                    rpc.supervisor.startProcess(name)
                    with open(out, "a") as f:
                        f.write("restarted %s %d\n" % (name, info["pid"]))
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
