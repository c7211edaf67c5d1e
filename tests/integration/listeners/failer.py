"""Answers FAIL the first time it sees an event serial, OK the second time; records each
delivery as "<serial> <poolserial> <eventname> <payload>" lines."""
import sys

from supervisor import childutils


def main():
    out = sys.argv[1]
    seen = set()
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        with open(out, "a") as f:
            f.write("%s %s %s %s\n" % (headers["serial"], headers["poolserial"],
                                       headers["eventname"], payload.replace("\n", "|")))
        if headers["serial"] in seen:
            childutils.listener.ok(sys.stdout)
        else:
            seen.add(headers["serial"])
            childutils.listener.fail(sys.stdout)


if __name__ == "__main__":
    main()
