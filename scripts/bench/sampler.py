"""The largest VmRSS and Pss (kB) of a process, sampled every 100 ms until SIGTERM.

Usage: sampler.py PID OUT. On SIGTERM (or when the process ends) writes "rss pss" to OUT.
One process for the whole run: the shell loop it replaces forked awk, mv and sleep several
times per sample, and that showed up in the profiles of the runs it measured.

VmRSS counts a page once per mapping of it, and every instance slot maps its component's
memory image; Pss counts each page once, shared ones split.
"""

import os
import signal
import sys
import time

pid, out = sys.argv[1], sys.argv[2]
peak_rss = peak_pss = 0
stopped = False


def stop(*_):
    global stopped
    stopped = True


def field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample():
    global peak_rss, peak_pss
    peak_rss = max(peak_rss, field(f"/proc/{pid}/status", "VmRSS:"))
    peak_pss = max(peak_pss, field(f"/proc/{pid}/smaps_rollup", "Pss:"))


signal.signal(signal.SIGTERM, stop)
while not stopped and os.path.exists(f"/proc/{pid}"):
    sample()
    time.sleep(0.1)
# Once more at the end: a run shorter than the interpreter's start-up has no other sample.
sample()
with open(out, "w") as f:
    f.write(f"{peak_rss} {peak_pss}\n")
