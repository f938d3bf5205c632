"""Tests of scripts/deliverer.sh's wake-ups: real processes and a real HTTP endpoint standing
in for the app's POST /orders/webhooks/wake."""

import http.server
import itertools
import os
import signal
import subprocess
import threading
import time
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "deliverer.sh")
# What Spin prints once the Redis trigger has subscribed, then a deliverer that keeps running.
DELIVERER = ["bash", "-c", 'echo "127.0.0.1:6379/t1:webhooks: [webhooks]"; exec sleep 600']


class WakeEndpoint:
    """Records the time and Authorization header of every POST it gets."""

    def __init__(self):
        self.calls = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                endpoint.calls.append((time.monotonic(), self.headers.get("Authorization")))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/orders/webhooks/wake"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Wakes(unittest.TestCase):
    def setUp(self):
        self.endpoint = WakeEndpoint()
        self.addCleanup(self.endpoint.close)

    def start(self, wake_every):
        env = dict(os.environ, SERVICE_TOKEN="tok", DELIVERER_WAKE_EVERY=str(wake_every))
        process = subprocess.Popen(
            [SCRIPT, self.endpoint.url, "--", *DELIVERER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.addCleanup(self.kill_group, process.pid)
        self.addCleanup(process.stdout.close)
        return process, time.monotonic()

    def kill_group(self, pgid):
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)

    def test_woken_once_subscribed_then_every_period_until_stopped(self):
        process, started = self.start(wake_every=1)
        time.sleep(3.6)
        calls = list(self.endpoint.calls)
        self.assertIn(len(calls), (3, 4, 5), calls)
        self.assertLess(calls[0][0] - started, 1.0, "the first wake-up follows the subscription")
        self.assertTrue(all(auth == "Bearer tok" for _, auth in calls), calls)
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(calls)]
        self.assertTrue(all(0.9 < gap < 2.0 for gap in gaps), gaps)

        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=5), 0)
        output = process.stdout.read().decode()
        self.assertIn("deliverer.sh: woke the deliverer through", output)
        # Nothing of it is left to wake anything: neither the waker nor its nap.
        deadline = time.monotonic() + 3
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(group_alive(process.pid), "a process of the script outlived it")
        stopped_with = len(self.endpoint.calls)
        time.sleep(1.5)
        self.assertEqual(len(self.endpoint.calls), stopped_with)

    def test_a_period_that_is_not_a_whole_number_is_refused(self):
        for value in ("abc", "-5", "1.5"):
            env = dict(os.environ, DELIVERER_WAKE_EVERY=value)
            done = subprocess.run(
                [SCRIPT, self.endpoint.url, "--", *DELIVERER],
                env=env, capture_output=True, text=True, timeout=10,
            )
            self.assertEqual(done.returncode, 2, value)
            self.assertIn(f"DELIVERER_WAKE_EVERY={value}: a whole number", done.stderr)
        self.assertEqual(self.endpoint.calls, [])

    def test_zero_wakes_only_after_each_start(self):
        process, _ = self.start(wake_every=0)
        time.sleep(2.5)
        self.assertEqual(len(self.endpoint.calls), 1)
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=5), 0)


if __name__ == "__main__":
    unittest.main()
