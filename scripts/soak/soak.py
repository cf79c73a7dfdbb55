"""The soak (scripts/soak.sh): `llm-pool serve` over `llm-pool simulate` under a steady, bounded
load through every door, with a fault switched on and off every SOAK_FAULT_PERIOD seconds, while
the serve process's RSS and open file descriptors are sampled from /proc.

Prints the samples as a table and the closing figures (RSS and fds at start and end, requests by
door and outcome), and plots RSS and fds over time to SOAK_PLOT (default docs/soak.png).

    SOAK_SECONDS        total duration (600)
    SOAK_CLIENTS        concurrent clients (4)
    SOAK_FAULT_PERIOD   seconds between fault switches (30)
    SOAK_SAMPLE         seconds between samples (10)
    SOAK_PLOT           the PNG to write
    LLMPOOL_BIN         the llm-pool binary (default .build/debug/llm-pool)
"""
from __future__ import annotations

import collections
import itertools
import os
import pathlib
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python" / "faults"))

import harness  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "4"))
FAULT_PERIOD = int(os.environ.get("SOAK_FAULT_PERIOD", "30"))
SAMPLE = int(os.environ.get("SOAK_SAMPLE", "10"))
PLOT = pathlib.Path(os.environ.get("SOAK_PLOT", str(ROOT / "docs" / "soak.png")))

# Switched on in turn, each for one period, on the duo's first provider and the solo provider.
FAULTS = [("error_rate 50%", {"error_rate": 0.5}), ("status 503", {"status": 503}),
          ("hang", {"hang": True}), ("connection_reset", {"connection_reset": True}),
          ("malformed_body", {"malformed_body": True}), ("stall after 2 tokens", {"stall_after_tokens": 2}),
          ("429 Retry-After 1 s", {"status": 429, "retry_after": 1}), ("extra latency 400 ms", {"extra_latency_ms": 400})]


def main() -> int:
    work = pathlib.Path(tempfile.mkdtemp(prefix="llmpool-soak-"))
    sim = harness.Simulator(work, latency_scale=0.2)
    config = harness.PoolConfig(
        providers=[harness.ProviderSpec("fast-a", "phi3"), harness.ProviderSpec("fast-b", "llama", kind="openai"),
                   harness.ProviderSpec("solo", "gemma", kind="openai")],
        tasks=[harness.TaskSpec("duo", ["fast-a", "fast-b"]), harness.TaskSpec("solo", ["solo"])],
        default_deadline_ms=2500, consecutive_failures=5, cooldown_ms=3000, health_interval_ms=1000,
    )
    pool = harness.Pool(work, config, sim)
    harness.stubs()
    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def client(n: int):
        plan = itertools.cycle(itertools.product(harness.DOORS, ["duo", "solo"]))
        for door, task in plan:
            if stop.is_set():
                return
            try:
                o = harness.call(pool, door, task, text=f"soak {n}", timeout=10)
                key = (door, o.code)
            except Exception as error:  # noqa: BLE001 - counted: a dropped connection is a finding
                key = (door, f"client error: {type(error).__name__}")
            with lock:
                counts[key] += 1
            stop.wait(0.05)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()

    samples = []  # (seconds, rss bytes, fds, requests so far, fault in force)
    fault_spans = []  # (start, end, name)
    fault, fault_since, period = None, 0.0, 0
    next_sample, next_switch = 0.0, float(FAULT_PERIOD)
    try:
        while True:
            now = time.monotonic() - started
            if now >= next_sample:
                rss, fds = harness.process_sample(pool.pid)
                with lock:
                    total = sum(counts.values())
                samples.append((now, rss, fds, total, fault or "-"))
                print(f"{now:7.1f} s  rss {rss / 2**20:7.1f} MiB  fds {fds:4d}  requests {total:6d}  fault {fault or '-'}",
                      flush=True)
                next_sample += SAMPLE
            if now >= SECONDS:
                break
            if pool.proc.poll() is not None:
                print(f"llm-pool serve exited with {pool.proc.returncode}:\n{pool.tail()}")
                return 1
            if now >= next_switch:
                if fault:
                    fault_spans.append((fault_since, now, fault))
                    sim.clear()
                    fault = None
                else:
                    name, injected = FAULTS[period % len(FAULTS)]
                    period += 1
                    sim.set_faults(harness.MODELS["phi3"], injected)
                    sim.set_faults(harness.MODELS["gemma"], injected)
                    fault, fault_since = name, now
                next_switch += FAULT_PERIOD
            time.sleep(min(0.5, max(0.0, min(next_sample, next_switch) - (time.monotonic() - started))))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
        if fault:
            fault_spans.append((fault_since, time.monotonic() - started, fault))
        sim.clear()
        code = pool.stop(grace=15)
        sim.stop()

    report(samples, fault_spans, counts, code)
    return 0 if code == 0 else 1


def report(samples, fault_spans, counts, exit_code) -> None:
    print("\n| t (s) | RSS (MiB) | fds | requests | fault |\n|---|---|---|---|---|")
    for t, rss, fds, total, fault in samples:
        print(f"| {t:.0f} | {rss / 2**20:.1f} | {fds} | {total} | {fault} |")
    first, last = samples[0], samples[-1]
    peak = max(s[1] for s in samples)
    total = sum(counts.values())
    print(f"\nRSS start {first[1] / 2**20:.1f} MiB, end {last[1] / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB")
    print(f"fds start {first[2]}, end {last[2]}, max {max(s[2] for s in samples)}")
    print(f"requests {total} in {last[0]:.0f} s ({total / max(last[0], 1):.1f}/s); serve exit code {exit_code}")
    by_code = collections.Counter()
    for (door, code), n in counts.items():
        by_code[code] += n
    print("by outcome: " + ", ".join(f"{code} {n}" for code, n in by_code.most_common()))
    print("\n| door | outcome | requests |\n|---|---|---|")
    for (door, code), n in sorted(counts.items()):
        print(f"| {door} | {code} | {n} |")
    plot(samples, fault_spans)


def plot(samples, fault_spans) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s[0] for s in samples]
    fig, rss_axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    for start, end, name in fault_spans:
        rss_axis.axvspan(start, end, color="tab:red", alpha=0.08)
        rss_axis.text((start + end) / 2, 0.02, name, rotation=90, fontsize=7, ha="center", va="bottom",
                      transform=rss_axis.get_xaxis_transform(), color="tab:red")
    rss_axis.plot(t, [s[1] / 2**20 for s in samples], color="tab:blue", marker=".", label="RSS (MiB)")
    rss_axis.set_xlabel("seconds")
    rss_axis.set_ylabel("RSS (MiB)", color="tab:blue")
    rss_axis.set_ylim(bottom=0)
    fd_axis = rss_axis.twinx()
    fd_axis.plot(t, [s[2] for s in samples], color="tab:green", marker=".", label="open fds")
    fd_axis.set_ylabel("open file descriptors", color="tab:green")
    fd_axis.set_ylim(bottom=0)
    rss_axis.set_title(f"llm-pool serve under soak: {CLIENTS} clients, faults switched every {FAULT_PERIOD} s "
                       "(shaded)")
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT)
    print(f"\nplot: {PLOT}")


if __name__ == "__main__":
    sys.exit(main())
