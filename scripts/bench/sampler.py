"""The largest VmRSS and Pss (kB) of a process, sampled every 100 ms until SIGTERM.

Usage: sampler.py PID OUT. Writes "rss pss" to OUT once started, and again on SIGTERM (or
when the process ends).

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


def write():
    # Replaced whole, so a reader never sees half a line.
    with open(f"{out}.new", "w") as f:
        f.write(f"{peak_rss} {peak_pss}\n")
    os.replace(f"{out}.new", out)


signal.signal(signal.SIGTERM, stop)
# The first sample tells the caller that the sampler runs and can be stopped.
sample()
write()
while not stopped and os.path.exists(f"/proc/{pid}"):
    time.sleep(0.1)
    sample()
write()
