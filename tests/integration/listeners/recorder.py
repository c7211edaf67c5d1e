"""Event listener (supervisor.childutils, unchanged): appends every event it gets to a
file as one JSON line {headers, payload}, then answers OK."""
import json
import sys

from supervisor import childutils


def main():
    out = sys.argv[1]
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        with open(out, "a") as f:
            f.write(json.dumps({"headers": headers, "payload": payload}) + "\n")
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
