#!/usr/bin/env python3
"""Stands in for spin-host in the end-to-end harness, running the app on a real `spin`.

The harness (e2e/src/lib.rs) starts `$SPIN_HOST_BIN up -f MANIFEST --listen 127.0.0.1:0
--runtime-config-file FILE [--variable name=value]... [-c COMPONENT]...` and waits for the
line `Serving http://ADDR`. This script turns that into `$SPIN_BIN up` (default: `spin` on
the PATH):

- `--variable name=value` becomes `SPIN_VARIABLE_NAME=value` in the environment, since
  `spin up` has no such flag (Spin's environment provider upper-cases the name);
- `--listen 127.0.0.1:0` gets a free port picked here, so the address Spin prints is one
  the harness can use whatever Spin does with port 0;
- `-c` / `--component-id` pass through;
- a flag only spin-host has (its time limit, its admission limit) is refused with an
  error, so a host-only test that was not skipped fails loudly instead of testing nothing.

`spin up` runs each trigger as a child process (`spin trigger http`, `spin trigger redis`),
and the harness stops a host with SIGKILL, which no process can catch. So Spin runs in a
process group of its own, and a watchdog process, which this script does not share a group
with, kills that whole group as soon as this script is gone, however it went.

Usage: make test-spin SPIN=/path/to/spin   (runs the e2e suite, host-only tests skipped)
"""

import os
import signal
import socket
import subprocess
import sys
import time

HOST_ONLY_FLAGS = ("--request-timeout", "--max-concurrent-requests")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def translate(argv):
    """Returns (spin up arguments, extra environment) for the harness's arguments."""
    if not argv or argv[0] != "up":
        sys.exit(f"spin-as-host: expected `up ...`, got {argv!r}")
    args, env = ["up"], {}
    rest = iter(argv[1:])
    for arg in rest:
        name, eq, inline = arg.partition("=")
        value = inline if eq else None
        if name in ("-f", "--from", "--runtime-config-file", "-c", "--component-id"):
            args += [name, value if value is not None else next(rest)]
        elif name == "--listen":
            listen = value if value is not None else next(rest)
            host, _, port = listen.rpartition(":")
            args += ["--listen", f"{host}:{free_port() if port == '0' else port}"]
        elif name == "--variable":
            variable = value if value is not None else next(rest)
            key, sep, val = variable.partition("=")
            if not sep:
                sys.exit(f"spin-as-host: expected --variable name=value, got {variable!r}")
            env[f"SPIN_VARIABLE_{key.upper()}"] = val
        elif name in HOST_ONLY_FLAGS:
            sys.exit(f"spin-as-host: {name} is a spin-host option that Spin does not have; "
                     "a test that needs it is host-only")
        else:
            sys.exit(f"spin-as-host: unknown argument {arg!r}")
    return args, env


def watch_for_death_of_parent(read_end, write_end, group):
    """In a child of its own: waits until this script's end of the pipe closes, which the
    kernel does when the script exits or is killed, then stops Spin's process group."""
    if os.fork() != 0:
        return
    os.setsid()
    os.close(write_end)
    # Holding the harness's output pipes open would keep its reader waiting for nothing.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        os.read(read_end, 1)
    finally:
        try:
            os.killpg(group, signal.SIGTERM)
            # A moment for the triggers to exit on their own terms, then no choice.
            time.sleep(0.5)
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os._exit(0)


def main():
    spin = os.environ.get("SPIN_BIN", "spin")
    args, env = translate(sys.argv[1:])
    read_end, write_end = os.pipe()
    # Spin gets neither end of the pipe (close_fds), so only this script keeps it open.
    spin_up = subprocess.Popen([spin, *args], env={**os.environ, **env}, start_new_session=True)
    watch_for_death_of_parent(read_end, write_end, spin_up.pid)
    os.close(read_end)

    def stop(signum, _frame):
        os.killpg(spin_up.pid, signal.SIGTERM)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.exit(spin_up.wait())


if __name__ == "__main__":
    main()
