#!/usr/bin/env python3
"""Bench of the Python client's hot path against the real local broker (not a test).

Starts the local broker (``node --import tsx bin/local-broker.ts --port 0 --json``), then
for ``--duration`` seconds (default 60) has ``--threads`` threads (default 20) call
``get_token()`` of one shared TokenBrokerClient in a loop, and prints:

- broker calls: what the broker was asked (every call of the client's transport is one
  HTTP request to the broker; counted by a wrapper around the real UrlTransport);
- get_token() calls made, and per second;
- p50 / p99 / p99.9 / max of a warm ``get_token()`` (cache filled before the clock starts),
  with 20 threads contending for the GIL, and the same for one thread alone for reference.

Usage (from the repository root, with Debian's Python that has boto3)::

    /usr/bin/python3 clients/python/bench/get_token_bench.py [--duration 60] [--threads 20]
        [--broker-url http://127.0.0.1:8787]   # use a running broker instead of starting one
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests")]

from a55_test_support.fakes import CountingTransport  # noqa: E402
from a55_test_support.local_broker import LocalBroker  # noqa: E402

from a55_token_broker import TokenBrokerClient, UrlTransport  # noqa: E402

#: Histogram resolution: 10 ns buckets up to 1 ms, one overflow bucket per further ms up to 1 s.
FINE_NS, FINE_BUCKETS, COARSE_NS, COARSE_BUCKETS = 10, 100_000, 1_000_000, 1_000


class Histogram:
    """Latency counts (one per thread, merged at the end): cheap to add to, exact to 10 ns."""

    def __init__(self) -> None:
        self.fine = [0] * FINE_BUCKETS
        self.coarse = [0] * (COARSE_BUCKETS + 1)
        self.count = 0
        self.max_ns = 0

    def merge(self, other: "Histogram") -> None:
        self.fine = [a + b for a, b in zip(self.fine, other.fine)]
        self.coarse = [a + b for a, b in zip(self.coarse, other.coarse)]
        self.count += other.count
        self.max_ns = max(self.max_ns, other.max_ns)

    def percentile(self, fraction: float) -> float:
        """Upper bound of the bucket holding the ``fraction`` quantile, in nanoseconds."""
        rank = max(1, int(self.count * fraction + 0.999999))
        seen = 0
        for index, value in enumerate(self.fine):
            seen += value
            if seen >= rank:
                return (index + 1) * FINE_NS
        for index, value in enumerate(self.coarse):
            seen += value
            if seen >= rank:
                return FINE_NS * FINE_BUCKETS + (index + 1) * COARSE_NS
        return float(self.max_ns)


def hammer(client: TokenBrokerClient, stop: threading.Event, histogram: Histogram, start: threading.Barrier) -> None:
    """Calls get_token() until ``stop``, timing each call."""
    get_token, clock = client.get_token, time.perf_counter_ns
    fine, coarse = histogram.fine, histogram.coarse
    count, worst = 0, 0
    start.wait()
    while not stop.is_set():
        began = clock()
        get_token()
        took = clock() - began
        count += 1
        if took < FINE_NS * FINE_BUCKETS:
            fine[took // FINE_NS] += 1
        else:
            coarse[min(COARSE_BUCKETS, (took - FINE_NS * FINE_BUCKETS) // COARSE_NS)] += 1
        if took > worst:
            worst = took
    histogram.count, histogram.max_ns = count, worst


def run(client: TokenBrokerClient, threads: int, duration: float) -> Histogram:
    stop = threading.Event()
    start = threading.Barrier(threads + 1)
    histograms = [Histogram() for _ in range(threads)]
    workers = [threading.Thread(target=hammer, args=(client, stop, h, start), daemon=True) for h in histograms]
    for worker in workers:
        worker.start()
    start.wait()
    time.sleep(duration)
    stop.set()
    for worker in workers:
        worker.join()
    total = Histogram()
    for histogram in histograms:
        total.merge(histogram)
    return total


def summary(histogram: Histogram, duration: float) -> dict:
    micro = lambda ns: round(ns / 1000, 2)  # noqa: E731
    return {
        "calls": histogram.count,
        "callsPerSecond": round(histogram.count / duration),
        "p50Us": micro(histogram.percentile(0.50)),
        "p99Us": micro(histogram.percentile(0.99)),
        "p999Us": micro(histogram.percentile(0.999)),
        "maxUs": micro(histogram.max_ns),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("duration_arg", nargs="?", type=float, help="seconds (same as --duration)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the 20-thread run (default 60)")
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of the one-thread reference run")
    parser.add_argument("--broker-url", help="a running local broker; default: start one")
    args = parser.parse_args(argv)
    duration = args.duration_arg if args.duration_arg is not None else args.duration

    broker = None if args.broker_url else LocalBroker().start()
    try:
        url = args.broker_url or broker.url  # type: ignore[union-attr]
        transport = CountingTransport(UrlTransport(url))
        client = TokenBrokerClient(transport=transport)
        began = time.perf_counter()
        client.get_token()  # cold: the one broker call that fills the cache
        cold_ms = (time.perf_counter() - began) * 1000

        contended = run(client, args.threads, duration)
        alone = run(client, 1, args.baseline)
        report = {
            "broker": url,
            "python": sys.version.split()[0],
            "durationSeconds": duration,
            "threads": args.threads,
            "brokerCalls": transport.calls,
            "coldGetTokenMs": round(cold_ms, 1),
            "warm": summary(contended, duration),
            "warmOneThread": {"durationSeconds": args.baseline, **summary(alone, args.baseline)},
        }
    finally:
        if broker is not None:
            broker.stop()
    warm = report["warm"]
    print(json.dumps(report, indent=2))
    print(
        f"\n{report['threads']} threads x {duration:g} s: {warm['calls']:,} get_token() calls "
        f"({warm['callsPerSecond']:,}/s), {report['brokerCalls']} broker call(s); warm get_token() "
        f"p50 {warm['p50Us']} us, p99 {warm['p99Us']} us (one thread alone: p50 "
        f"{report['warmOneThread']['p50Us']} us, p99 {report['warmOneThread']['p99Us']} us)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
