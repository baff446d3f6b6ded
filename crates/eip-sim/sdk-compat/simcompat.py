"""Shared helpers of the SDK-compatibility scripts: the emulator's JSON line, a call counter, polling.

Each script takes the path of a file holding the JSON line `eip-sim` printed on start-up. Nothing here
prints a credential: the scripts print call names, ids and statuses only.
"""

import json
import sys
import time
import urllib.request


def load_info():
    """The JSON line printed by `eip-sim`, from the file named by argv[1]."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} SIM_INFO_JSON_FILE")
    with open(sys.argv[1], encoding="utf-8") as f:
        return json.loads(f.readline())


def host_port(url):
    """`http://127.0.0.1:1234` -> `127.0.0.1:1234` (what the Alibaba SDKs take as an endpoint)."""
    return url.split("://", 1)[1].rstrip("/")


class Calls:
    """Counts the SDK calls a script makes; any failing call ends the script with a non-zero exit."""

    def __init__(self, script):
        self.script = script
        self.count = 0

    def call(self, name, fn, *args, **kwargs):
        """Runs one SDK call and counts it. Exceptions propagate (the script then fails)."""
        self.count += 1
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - re-raised with context
            raise AssertionError(f"{self.script}: SDK call {name} failed: {type(exc).__name__}: {exc}") from exc

    def expect_error(self, name, exc_type, fn, *args, **kwargs):
        """Runs one SDK call that must raise `exc_type`; returns the exception."""
        self.count += 1
        try:
            fn(*args, **kwargs)
        except exc_type as exc:
            return exc
        raise AssertionError(f"{self.script}: SDK call {name} should have raised {exc_type.__name__}")

    def poll(self, name, fn, done, timeout=15.0, interval=0.05):
        """Calls `fn` until `done(result)`; every poll counts as a call. Returns the final result."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.call(name, fn)
            if done(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.script}: {name} did not reach the expected state in {timeout}s")
            time.sleep(interval)

    def summary(self):
        print(f"{self.script}: {self.count} calls ok")


def control(info, method, path, body=None):
    """One call to the emulator's control API (`/_sim/...`): faults, request log. Not an SDK call."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(info["control"] + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def inject(info, cloud, action, kind, times=1):
    """Makes the next `times` requests of `action` fail with `kind` (e.g. {"error": "throttled"})."""
    control(info, "POST", "/faults", {"cloud": cloud, "action": action, "kind": kind, "trigger": {"times": times}})


def check(cond, message):
    """An assertion that survives `python -O`."""
    if not cond:
        raise AssertionError(message)
