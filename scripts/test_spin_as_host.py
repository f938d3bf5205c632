"""Tests of scripts/spin_as_host.py: the harness's arguments become `spin up`'s, and a
killed wrapper leaves no Spin process behind (real processes, SIGKILL as the harness sends)."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spin_as_host  # noqa: E402

WRAPPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spin_as_host.py")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes: it runs nothing and holds no port.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ")[1][0] != "Z"


class Translate(unittest.TestCase):
    def test_variables_become_spins_environment_and_port_zero_a_free_port(self):
        args, env = spin_as_host.translate([
            "up", "-f", "/app/spin.toml", "--listen", "127.0.0.1:0",
            "--runtime-config-file", "/rc.toml", "--variable", "redis_namespace=t1",
            "--variable", "users_db_url=postgres://x/y?a=b", "-c", "users",
        ])
        self.assertEqual(args[:3], ["up", "-f", "/app/spin.toml"])
        listen = args[args.index("--listen") + 1]
        host, port = listen.rsplit(":", 1)
        self.assertEqual(host, "127.0.0.1")
        self.assertGreater(int(port), 0)
        self.assertEqual(args[args.index("--runtime-config-file") + 1], "/rc.toml")
        self.assertEqual(args[-2:], ["-c", "users"])
        self.assertNotIn("--variable", args)
        self.assertEqual(env, {
            "SPIN_VARIABLE_REDIS_NAMESPACE": "t1",
            "SPIN_VARIABLE_USERS_DB_URL": "postgres://x/y?a=b",
        })

    def test_host_only_and_unknown_flags_are_refused(self):
        for flag in (["--request-timeout", "2"], ["--max-concurrent-requests=1"], ["--bogus"]):
            with self.assertRaises(SystemExit) as exit_:
                spin_as_host.translate(["up", "-f", "spin.toml", *flag])
            self.assertIn("spin-as-host", str(exit_.exception.code))


class Cleanup(unittest.TestCase):
    def test_a_killed_wrapper_takes_spin_and_its_trigger_processes_with_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            # A stand-in for `spin up`: like Spin, it starts a trigger process of its own.
            fake_spin = os.path.join(tmp, "spin")
            pids = os.path.join(tmp, "pids")
            with open(fake_spin, "w") as f:
                f.write(textwrap.dedent(f"""\
                    #!{sys.executable}
                    import subprocess, sys, time
                    trigger = subprocess.Popen(["sleep", "300"])
                    with open({pids!r}, "w") as f:
                        f.write(f"{{__import__('os').getpid()}} {{trigger.pid}}")
                    print("Serving http://127.0.0.1:1", flush=True)
                    time.sleep(300)
                    """))
            os.chmod(fake_spin, 0o755)
            wrapper = subprocess.Popen(
                [sys.executable, WRAPPER, "up", "-f", "spin.toml", "--listen", "127.0.0.1:0"],
                env={**os.environ, "SPIN_BIN": fake_spin},
                stdout=subprocess.PIPE, text=True,
            )
            self.assertEqual(wrapper.stdout.readline().strip(), "Serving http://127.0.0.1:1")
            with open(pids) as f:
                spin_pid, trigger_pid = map(int, f.read().split())
            self.assertTrue(alive(spin_pid) and alive(trigger_pid))

            wrapper.send_signal(signal.SIGKILL)
            wrapper.wait()
            wrapper.stdout.close()
            deadline = time.monotonic() + 5
            while (alive(spin_pid) or alive(trigger_pid)) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(alive(spin_pid), "spin up outlived the wrapper")
            self.assertFalse(alive(trigger_pid), "a trigger process outlived the wrapper")


if __name__ == "__main__":
    unittest.main()
