"""Runs the project's local broker (``node --import tsx bin/local-broker.ts --port 0 --json``)
as a child process, collects its JSON events, and stops it with SIGTERM, checking that it
and the DynamoDB Local it started are gone (falling back to SIGKILL by process id).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

#: Where the broker runs from: A55_BROKER_REPO (another checkout, with node_modules), else
#: this repository's root (clients/python/tests/a55_test_support -> four levels up).
REPO_ROOT = Path(os.environ.get("A55_BROKER_REPO") or Path(__file__).resolve().parents[4])

#: Variables that would switch the broker to a real token endpoint; never passed on.
CREDENTIAL_VARIABLES = ("TOKEN_URL", "CLIENT_ID", "CLIENT_SECRET", "SCOPE", "CLIENT_AUTH", "CREDENTIAL_NAME")

Event = Dict[str, Any]

#: Refresh reasons a reader asks with (contract/refresh-event.ts): a miss, or a rejected token.
READER_REASONS = ("read-miss", "rejected-token")


class BrokerFailed(RuntimeError):
    """The broker exited, reported a fatal error, or an awaited event did not come."""


class LocalBroker:
    """One local broker process.

    Example::

        with LocalBroker() as broker:
            print(broker.url)   # http://127.0.0.1:PORT
    """

    def __init__(self, extra_args: Sequence[str] = (), repo_root: Path = REPO_ROOT) -> None:
        self.repo_root = repo_root
        self.extra_args = list(extra_args)
        self.events: List[Event] = []
        self.url = ""
        self.port = 0
        self.java_pid: Optional[int] = None
        self.process: Optional[subprocess.Popen] = None
        self._stdout: List[str] = []
        self._stderr: List[str] = []
        self._changed = threading.Condition()
        self._readers: List[threading.Thread] = []

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, ready_timeout: float = 90, refresh_timeout: float = 30) -> "LocalBroker":
        """Starts the broker and waits until it is ready and has stored its first token."""
        node = shutil.which("node")
        if node is None:
            raise BrokerFailed("node is not on PATH: the local broker cannot start")
        if not (self.repo_root / "node_modules").is_dir():
            raise BrokerFailed(f"{self.repo_root}/node_modules is missing: run npm ci first")
        env = {name: value for name, value in os.environ.items() if name not in CREDENTIAL_VARIABLES}
        self.process = subprocess.Popen(
            [node, "--import", "tsx", "bin/local-broker.ts", "--port", "0", "--json", *self.extra_args],
            cwd=self.repo_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Its own process group: a fallback SIGKILL reaches node and nothing else of ours.
            start_new_session=True,
        )
        for stream, sink, parse in ((self.process.stdout, self._stdout, True), (self.process.stderr, self._stderr, False)):
            reader = threading.Thread(target=self._read, args=(stream, sink, parse), daemon=True)
            reader.start()
            self._readers.append(reader)
        try:
            ready = self.wait_for(lambda event: event["event"] == "ready", ready_timeout)
            self.url = ready["readerUrl"]
            self.port = ready["port"]
            self.java_pid = ready.get("dynamoDb", {}).get("pid")
            self.wait_for(lambda event: event["event"] == "refreshed" and event.get("reason") == "deploy", refresh_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 20) -> List[str]:
        """SIGTERM, then SIGKILL if needed; returns what had to be killed (empty when clean)."""
        killed: List[str] = []
        process = self.process
        if process is None:
            return killed
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                killed.append(f"broker pid {process.pid}")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        if self.java_pid is not None and not _wait_gone(self.java_pid, 10):
            killed.append(f"DynamoDB Local java pid {self.java_pid}")
            try:
                os.kill(self.java_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process = None
        return killed

    def __enter__(self) -> "LocalBroker":
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    # -- events --------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float, since: int = 0) -> Event:
        """The first event from index ``since`` matching ``predicate``, waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events[since:]:
                    if predicate(event):
                        return event
                fatal = next((e for e in self.events if e["event"] == "fatal"), None)
                exited = self.process is None or self.process.poll() is not None
                left = deadline - time.monotonic()
                if fatal is not None or exited or left <= 0:
                    reason = "reported a fatal error" if fatal else "exited" if exited else "did not report it in time"
                    raise BrokerFailed(f"local broker {reason}\nstdout:\n{self.stdout()}\nstderr:\n{self.stderr()}")
                self._changed.wait(min(left, 0.5))

    def mark(self) -> int:
        """The index of the next event, for :meth:`wait_for` ``since``."""
        with self._changed:
            return len(self.events)

    def settle(self, since: int, timeout: float = 30) -> None:
        """Waits for the refresh a reader asked for after ``since`` (if any) to finish, so a
        token written by self-healing does not land in the middle of a later test."""
        with self._changed:
            requested = [e for e in self.events[since:] if e["event"] == "refresh-requested"]
        if requested:
            self.wait_for(
                lambda e: e["event"] in ("refreshed", "refresh-failed") and e.get("reason") in READER_REASONS,
                timeout,
                since,
            )

    def stdout(self) -> str:
        return "".join(self._stdout)

    def stderr(self) -> str:
        return "".join(self._stderr)

    def _read(self, stream: Any, sink: List[str], parse: bool) -> None:
        for line in stream:
            with self._changed:
                sink.append(line)
                if parse and line.startswith("{"):
                    try:
                        self.events.append(json.loads(line))
                    except ValueError:
                        pass
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()


def _wait_gone(pid: int, timeout: float) -> bool:
    """True once ``pid`` no longer runs (a zombie awaiting its reaper counts as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.1)
    return not is_running(pid)


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
