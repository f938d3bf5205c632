"""What one bench run cost: the host's peak memory and the CPU time the app's parts used.

Usage: sampler.py PID OUT. Samples the host's VmRSS and Pss every 100 ms until SIGTERM (or
until the process ends) and writes a JSON object to OUT: once when started, and again at
the end with the figures below. The host is PID with every process under it: one
spin-host, or for the scaled-out run the launcher with its dozen spin-host processes, their
supervisors and HAProxy (whose CPU time is counted apart, as the balancer's).

- `host_rss_peak_kb`, `host_pss_peak_kb`: the largest VmRSS and Pss seen. VmRSS counts a
  page once per mapping of it, and every instance slot maps its component's memory image;
  Pss counts each page once, shared ones split;
- `cpu_ms`: CPU time (user + system) used between start and end by the host (all its
  threads and processes, HAProxy aside), `balancer` (HAProxy), PostgreSQL (every server
  process, and the backends that ended meanwhile, which the postmaster's children's time
  holds), Redis, and the whole machine (wrk and this sampler included). The run's
  throughput times its CPU per request says how many cores a target rate needs.

One process for the whole run: the shell loop it replaces forked awk, mv and sleep several
times per sample, and that showed up in the profiles of the runs it measured.
"""

import json
import os
import signal
import sys
import time

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

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


def children(parent):
    """The pids of a process's children (the kernel lists them per thread)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{parent}/task"):
            with open(f"/proc/{parent}/task/{task}/children") as f:
                found += f.read().split()
    except OSError:  # ended meanwhile
        pass
    return found


def tree():
    """The host: `pid` and every process under it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children(current)
    return found


def sample():
    global peak_rss, peak_pss
    processes = tree()
    peak_rss = max(peak_rss, sum(field(f"/proc/{p}/status", "VmRSS:") for p in processes))
    peak_pss = max(peak_pss, sum(field(f"/proc/{p}/smaps_rollup", "Pss:") for p in processes))


def process_ticks(stat_path):
    """(command name, user + system ticks of the process and of its waited-for children)."""
    try:
        with open(stat_path) as f:
            stat = f.read()
    except OSError:  # ended since the directory was listed
        return None, 0
    # The name is in parentheses and may hold spaces; the fields after it are numbered
    # from 3 (state), so utime, stime, cutime and cstime are the 12th to 15th after it.
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    return name, sum(int(v) for v in fields[11:15])


def cpu_ticks():
    ticks = {"host": 0, "balancer": 0, "postgres": 0, "redis": 0}
    host = set(tree())
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        name, used = process_ticks(f"/proc/{entry}/stat")
        if entry in host:
            ticks["balancer" if name == "haproxy" else "host"] += used
        elif name == "postgres":
            ticks["postgres"] += used
        elif name == "redis-server":
            ticks["redis"] += used
    with open("/proc/stat") as f:
        # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait.
        values = [int(v) for v in f.readline().split()[1:9]]
    ticks["machine"] = sum(values) - values[3] - values[4]
    return ticks


def write(cpu_ms):
    # Replaced whole, so a reader never sees half a file.
    with open(f"{out}.new", "w") as f:
        json.dump(
            {"host_rss_peak_kb": peak_rss, "host_pss_peak_kb": peak_pss, "cpu_ms": cpu_ms}, f
        )
    os.replace(f"{out}.new", out)


signal.signal(signal.SIGTERM, stop)
start = cpu_ticks()
# The first sample tells the caller that the sampler runs and can be stopped.
sample()
write(None)
while not stopped and os.path.exists(f"/proc/{pid}"):
    time.sleep(0.1)
    sample()
end = cpu_ticks()
cpu_ms = {part: round((end[part] - start[part]) * TICK_MS) for part in start}
if not os.path.exists(f"/proc/{pid}"):
    cpu_ms["host"] = None  # it ended during the run: its time went with it
write(cpu_ms)
