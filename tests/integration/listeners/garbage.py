"""Protocol violator, by argv[1]: "garbage" writes nonsense instead of READY;
"silent" says READY and never answers; "die" says READY and exits on its first event;
"badresult" answers with an unparsable RESULT line."""
import sys
import time

mode = sys.argv[1]
if mode == "garbage":
    sys.stdout.write("HELLO WORLD\n")
    sys.stdout.flush()
    time.sleep(1000)
sys.stdout.write("READY\n")
sys.stdout.flush()
line = sys.stdin.readline()
if mode == "die":
    sys.exit(3)
if mode == "badresult":
    sys.stdout.write("RESULT x\n")
    sys.stdout.flush()
time.sleep(1000)
