"""The bench's sampler against real processes: a busy child and a real PostgreSQL backend.

Run: python3 -m unittest discover -s scripts/bench (part of `make test`).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

SAMPLER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sampler.py")
# Burns about a second of CPU in a 20 MB buffer, then waits to be killed.
BUSY_CHILD = """
import time
buffer = bytearray(20 * 1024 * 1024)
for i in range(0, len(buffer), 4096):
    buffer[i] = 1
end = time.process_time() + 1.0
while time.process_time() < end:
    pass
print("done", flush=True)
time.sleep(60)
"""


class Sampling:
    """Runs the sampler on `pid` for the duration of a `with` block; `result` after it."""

    def __init__(self, pid):
        self.pid = pid
        self.out = os.path.join(tempfile.mkdtemp(), "sample.json")
        self.result = None

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, SAMPLER, str(self.pid), self.out])
        deadline = time.monotonic() + 10
        while not os.path.exists(self.out):
            if time.monotonic() > deadline:
                raise AssertionError("the sampler wrote nothing")
            time.sleep(0.02)
        with open(self.out) as f:
            self.first = json.load(f)
        return self

    def __exit__(self, *_):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        with open(self.out) as f:
            self.result = json.load(f)


class SamplerTest(unittest.TestCase):
    def test_measures_the_process_cpu_and_memory(self):
        child = subprocess.Popen(
            [sys.executable, "-c", BUSY_CHILD], stdout=subprocess.PIPE, text=True
        )
        try:
            with Sampling(child.pid) as sampling:
                self.assertEqual(child.stdout.readline().strip(), "done")
            result = sampling.result
        finally:
            child.kill()
            child.wait()
            child.stdout.close()
        self.assertIsNone(sampling.first["cpu_ms"], "no CPU figure before the end")
        cpu = result["cpu_ms"]
        # About 1,000 ms of its own; the clock ticks at 10 ms, and start-up adds some.
        self.assertGreaterEqual(cpu["host"], 800, cpu)
        self.assertLessEqual(cpu["host"], 1600, cpu)
        self.assertGreaterEqual(cpu["machine"], cpu["host"] - 20, cpu)
        self.assertGreater(result["host_rss_peak_kb"], 20 * 1024, result)
        self.assertGreater(result["host_pss_peak_kb"], 0, result)

    def test_counts_the_processes_under_the_host(self):
        # A launcher whose child does the work, as the scaled-out app's launcher does.
        launcher = subprocess.Popen(
            [sys.executable, "-c",
             "import subprocess, sys; subprocess.run([sys.executable, '-c', sys.argv[1]])",
             BUSY_CHILD],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            with Sampling(launcher.pid) as sampling:
                self.assertEqual(launcher.stdout.readline().strip(), "done")
            result = sampling.result
        finally:
            for child in subprocess.run(["pgrep", "-P", str(launcher.pid)], capture_output=True,
                                        text=True).stdout.split():
                os.kill(int(child), signal.SIGKILL)
            launcher.kill()
            launcher.wait()
            launcher.stdout.close()
        self.assertGreaterEqual(result["cpu_ms"]["host"], 800, result)
        self.assertEqual(result["cpu_ms"]["balancer"], 0, result)
        self.assertGreater(result["host_rss_peak_kb"], 20 * 1024, result)

    def test_a_process_that_ended_has_no_cpu_figure(self):
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        with Sampling(child.pid) as sampling:
            child.wait()
        self.assertIsNone(sampling.result["cpu_ms"]["host"], sampling.result)
        self.assertIsNotNone(sampling.result["cpu_ms"]["machine"], sampling.result)

    def test_counts_a_postgres_backend_that_ended_during_the_run(self):
        # The sampler's own pid stands in for the host: only PostgreSQL's figure matters.
        with Sampling(os.getpid()) as sampling:
            started = time.monotonic()
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qAt",
                 "-c", "SELECT count(*) FROM generate_series(1, 15000000)"],
                check=True, stdout=subprocess.DEVNULL,
            )
            query_seconds = time.monotonic() - started
        # The backend ran the whole query on the CPU and was gone before the sampler ended.
        postgres_ms = sampling.result["cpu_ms"]["postgres"]
        self.assertGreaterEqual(postgres_ms, 500 * query_seconds, sampling.result)
        self.assertLessEqual(postgres_ms, 1000 * query_seconds + 200, sampling.result)


if __name__ == "__main__":
    unittest.main()
