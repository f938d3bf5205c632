"""The end of scripts/bench.sh: writes a run's JSON and prints its tables and targets.

Usage: report.py RUNS CSV_RUNS OUT LOAD_BEFORE LOAD_AFTER VMHWM_KB COMMIT DURATION, where
RUNS and CSV_RUNS hold one JSON object per line (see bench/README.md for the fields).
"""

import datetime
import json
import os
import platform
import sys

import targets


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def machine():
    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem_total_kb = int(next(ln.split()[1] for ln in f if ln.startswith("MemTotal")))
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "mem_total_kb": mem_total_kb}


def per_request(run, part):
    cost = targets.cpu_ms_per_request(run, part)
    return "-" if cost is None else f"{cost:.3f}"


def print_runs(runs):
    print(f"{'endpoint':<26}{'clients':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
          f"{'RSS MB':>8}{'PSS MB':>8}{'CPU ms/req: all':>17}{'host':>6}{'lb':>6}{'pg':>6}"
          f"{'redis':>6}")
    for r in runs:
        print(f"{r['endpoint']:<26}{r['clients']:>7}{r['rps']:>9.0f}{r['latency_ms']['p50']:>9.2f}"
              f"{r['latency_ms']['p99']:>9.2f}{targets.errors(r):>9}"
              f"{r['host_rss_peak_kb'] / 1024:>8.0f}{r['host_pss_peak_kb'] / 1024:>8.0f}"
              f"{per_request(r, 'machine'):>17}{per_request(r, 'host'):>6}"
              f"{per_request(r, 'balancer'):>6}{per_request(r, 'postgres'):>6}"
              f"{per_request(r, 'redis'):>6}")


def print_csv(csv_runs):
    print(f"{'csv':<26}{'status':>7}{'rows':>9}{'seconds':>9}{'MB':>9}{'RSS MB':>8}{'PSS MB':>8}")
    for r in csv_runs:
        print(f"{r['endpoint']:<26}{r['status']:>7}{r['rows']:>9}{r['seconds']:>9.2f}"
              f"{r['bytes'] / 1e6:>9.2f}{r['host_rss_peak_kb'] / 1024:>8.0f}"
              f"{r['host_pss_peak_kb'] / 1024:>8.0f}")


def main(runs_file, csv_file, out, load_before, load_after, hwm, commit, duration):
    runs = read_lines(runs_file)
    csv_runs = read_lines(csv_file)
    # `single`: the app in one host process; `scaled`: deploy/scaled/topology.toml behind
    # HAProxy, whose figures sum every process, so the single host's targets do not apply.
    topology = os.environ.get("BENCH_TOPOLOGY", "single")
    checked = targets.check_all(runs) if topology == "single" else []
    result = {
        "suite": "app",
        "topology": topology,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": machine(),
        "load_average_before": load_before, "load_average_after": load_after,
        "duration_per_run": duration, "load_generator": "wrk 4.1 (scripts/bench/app.lua)",
        "seed": {"users": 10000, "skus": 5000, "orders": 100000},
        "host_vmhwm_kb_at_end": int(hwm),
        # The host's admission limit when the environment set one (else the host's default).
        "host_max_concurrent_requests": os.environ.get("SPIN_HOST_MAX_CONCURRENT_REQUESTS"),
        # The wasmtime settings the host printed at start (Spin's, unless SPIN_WASMTIME_*
        # overrode them): the figures predict Spin's only under Spin's settings.
        "engine_settings": os.environ.get("BENCH_ENGINE_SETTINGS"),
        "runs": runs, "csv": csv_runs, "targets": checked,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)

    print()
    print(f"topology: {topology}")
    print_runs(runs)
    print()
    print_csv(csv_runs)
    if checked:
        print()
        print("targets:")
        for target in checked:
            print("  " + targets.line(target))
    print()
    print(f"host peak RSS (VmHWM): {int(hwm) / 1024:.0f} MB; load average before "
          f"{load_before}, after {load_after}; {result['machine']['cores']} cores "
          f"({result['machine']['cpu']})")
    print(f"engine: {result['engine_settings']}")
    print(f"raw results: {os.path.relpath(out)}")


if __name__ == "__main__":
    main(*sys.argv[1:9])
