"""The application's performance targets, checked against one bench run.

The request rates are ten times what the original FastAPI + Nginx stack served at 16
clients on a 2-core machine (384, 238 and 179 req/s for `/users/me`, `/inventory/` and
`/orders/`); the rest are the latency, error and memory promises of the benchmark suite and
the orders service.

For a target that is missed the check also says how many cores it would take at the run's
CPU cost per request: the bench is a closed loop, so a p50 of P ms at C clients means about
C / P requests per second (Little's law, with the median for the mean).
"""

from dataclasses import dataclass

MEMORY_LIMIT_KB = 100 * 1024


@dataclass(frozen=True)
class Target:
    endpoint: str
    clients: int
    min_rps: float | None = None
    max_p50_ms: float | None = None
    no_errors: bool = False

    def describe(self):
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:.0f} req/s")
        if self.max_p50_ms is not None:
            parts.append(f"p50 < {self.max_p50_ms:g} ms")
        if self.no_errors:
            parts.append("no errors")
        return f"{self.endpoint} at {self.clients} clients: {', '.join(parts)}"


TARGETS = [
    Target("users_me", 16, min_rps=3840, max_p50_ms=2),
    Target("inventory_list_cached", 16, min_rps=2380, max_p50_ms=3),
    Target("inventory_list_uncached", 16, min_rps=2380, max_p50_ms=3),
    Target("orders_list_user", 16, min_rps=1790, max_p50_ms=4),
    Target("orders_list_admin", 16, min_rps=1790, max_p50_ms=4),
    Target("orders_create", 16, max_p50_ms=15),
    Target("orders_create", 16, max_p50_ms=5),
    Target("orders_create", 64, no_errors=True),
]


def errors(run):
    return run["non_2xx"] + sum(run["socket_errors"].values())


def cpu_ms_per_request(run, part="machine"):
    """CPU milliseconds per request of one part (see sampler.py), or None for runs without."""
    cpu = run.get("cpu_ms")
    if not cpu or cpu.get(part) is None or not run["requests"]:
        return None
    return cpu[part] / run["requests"]


def check(target, run):
    """One target against its run: a dict for the JSON and the printed line."""
    p50 = run["latency_ms"]["p50"]
    met = (
        (target.min_rps is None or run["rps"] >= target.min_rps)
        and (target.max_p50_ms is None or p50 < target.max_p50_ms)
        and (not target.no_errors or errors(run) == 0)
    )
    result = {
        "target": target.describe(),
        "met": met,
        "measured": {"rps": run["rps"], "p50_ms": p50, "errors": errors(run)},
        "cores_needed": None,
    }
    cost = cpu_ms_per_request(run)
    if not met and cost is not None and (target.min_rps or target.max_p50_ms):
        needed_rps = max(
            target.min_rps or 0,
            target.clients * 1000 / target.max_p50_ms if target.max_p50_ms else 0,
        )
        result["cores_needed"] = round(needed_rps * cost / 1000, 1)
    return result


def check_memory(runs):
    """The app under 100 MB resident under load: the host's Pss in every load run."""
    peak = max(run["host_pss_peak_kb"] for run in runs)
    return {
        "target": "host Pss under 100 MB in every load run",
        "met": peak < MEMORY_LIMIT_KB,
        "measured": {
            "host_pss_peak_kb": peak,
            "host_rss_peak_kb": max(run["host_rss_peak_kb"] for run in runs),
        },
        "cores_needed": None,
    }


def check_all(runs):
    """Every target whose run is in `runs` (a bench limited by BENCH_ONLY has fewer)."""
    by_key = {(run["endpoint"], run["clients"]): run for run in runs}
    results = [
        check(target, by_key[(target.endpoint, target.clients)])
        for target in TARGETS
        if (target.endpoint, target.clients) in by_key
    ]
    if runs:
        results.append(check_memory(runs))
    return results


def line(result):
    measured = result["measured"]
    if "rps" in measured:
        shown = (f"{measured['rps']:.0f} req/s, p50 {measured['p50_ms']:.2f} ms, "
                 f"{measured['errors']} errors")
    else:
        shown = (f"peak Pss {measured['host_pss_peak_kb'] / 1024:.0f} MB "
                 f"(VmRSS {measured['host_rss_peak_kb'] / 1024:.0f} MB)")
    text = f"{'met   ' if result['met'] else 'missed'} {result['target']}: {shown}"
    if result["cores_needed"] is not None:
        text += f"; at this run's CPU per request it needs about {result['cores_needed']} cores"
    return text
