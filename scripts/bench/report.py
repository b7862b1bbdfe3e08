"""Statistics over rounds and the tables the bench prints (pure; tests/scripts/test_bench.py)."""

from __future__ import annotations

import statistics
from typing import Any

FIRST_LOAD_LIMIT_KB = 60


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max, and the interquartile range (inclusive method) of values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) > 1:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "n": len(ordered),
    }


def format_share(summary: dict[str, float] | None) -> str:
    """'41% (38–45)': the median share and, in brackets, the min–max over rounds."""
    if not summary:
        return "-"
    low, high = 100 * summary["min"], 100 * summary["max"]
    return f"{summary['median']:.0%} ({low:.0f}–{high:.0f})"


def format_ms(milliseconds: float) -> str:
    if milliseconds >= 10_000:
        return f"{milliseconds / 1000:.0f} s"
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.1f} s"
    return f"{milliseconds:.0f} ms" if milliseconds >= 10 else f"{milliseconds:.1f} ms"


def format_bytes(count: float) -> str:
    if count >= 1e6:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.0f} KB" if count >= 1e3 else f"{count:.0f} B"


def print_hot(hot: dict[str, Any]) -> None:
    print(
        "\nHot pages: median over rounds (min–max); shares of the same round's /healthz and"
        " static rates, and of the short /healthz run just before each endpoint (adjacent):"
    )
    print(
        f"{'endpoint':<22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'size':>7}"
        f"  {'vs /healthz':<15} {'vs adjacent':<15} {'vs static':<15} per round (/healthz)"
        "  target"
    )
    for row in hot["rows"]:
        target = row["target"]
        verdict = ""
        if target:
            met = row["to_healthz"]["median"] >= target
            verdict = f"≥{target:.0%} {'met' if met else 'MISSED'}"
        elif row.get("to_quiet"):
            verdict = f"{format_share(row['to_quiet'])} of quiet"
            if (keep := row.get("quiet_target")) and row.get("share_kept"):
                met = row["share_kept"]["median"] >= keep
                verdict += (
                    f"; share of /healthz {format_share(row['share_kept'])} of quiet's"
                    f" ≥{keep:.0%} {'met' if met else 'MISSED'}"
                )
        rounds = " ".join(f"{share:.0%}" for share in row["per_round_to_healthz"])
        print(
            f"{row['name']:<22} {row['rps']['median']:>7.0f} {row['p50_ms']:>7.1f}"
            f" {row['p99_ms']:>7.1f} {format_bytes(row['bytes']):>7}"
            f"  {format_share(row['to_healthz']):<15} {format_share(row.get('to_adjacent')):<15}"
            f" {format_share(row['to_static']):<15}"
            f" {rounds:<20} {verdict}"
        )
    loads = ", ".join(f"{load:.2f}" for load in hot["load_average"])
    print(
        f"Load average (1 min) after each round: {loads}. The writers wrote"
        f" {hot['writer_saves']} times in the + rows"
        + "".join(
            f"; {kind}: {rate:.1f} a second" for kind, rate in hot.get("writer_rates", {}).items()
        )
        + "."
    )


def print_redis_hang(hang: dict[str, Any]) -> None:
    print(
        "\nWhile Redis hangs (SIGSTOP): each endpoint's rate as a share of its median in the"
        " hot rounds (target ≥ 50 %), its p99 and slowest request, and the slowest in the"
        " unmeasured warm-up just before, where the first call to the hung Redis falls"
        " (target < 1.2 s):"
    )
    print(
        f"{'endpoint':<22} {'before':>7} {'hung':>7} {'share':>6} {'p99 ms':>7} {'max ms':>7}"
        f" {'warm-up max':>11}"
    )
    for row in hang["rows"]:
        slowest = max(row["max_ms"], row.get("warmup_max_ms", 0.0))
        met = row["share"] >= 0.5 and slowest < 1200 and not row["errors"]
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        print(
            f"{row['name']:<22} {row['rps_before']:>7.0f} {row['rps_hung']:>7.0f}"
            f" {row['share']:>6.0%} {row['p99_ms']:>7.1f} {row['max_ms']:>7.1f}"
            f" {row.get('warmup_max_ms', 0.0):>11.1f}  {'met' if met else 'MISSED'}{errors}"
        )
    again = hang["used_again_after_s"]
    print(
        "Redis used again "
        + (f"{again:.1f} s after it answered." if again is not None else "NOT within 60 s.")
    )


def print_first_load(items: list[dict[str, Any]]) -> None:
    print(f"\nFirst load of {items[0]['path']} (Accept-Encoding: gzip, br):")
    for item in items:
        print(
            f"  {format_bytes(item['wire_bytes']):>7} on the wire, HTTP {item['status']},"
            f" {item['encoding']:<5} {item['path']}"
        )
    total = sum(item["wire_bytes"] for item in items)
    print(f"  {format_bytes(total):>7} in all (target ≤ {FIRST_LOAD_LIMIT_KB} KB)")


def growth_cell(row: dict) -> str:
    if row["statuses"][-1] != 200:
        what = f"HTTP {row['statuses'][-1]}" if row["statuses"][-1] else "no answer"
        if row.get("worker_timeouts"):
            what = f"worker timeout ({what})"
        cell = f"{what} after {format_ms(row['first_ms'])}"
    else:
        cell = f"{format_ms(row['median_ms'])} (1st {format_ms(row['first_ms'])}, n={row['n']})"
        cell += f" {format_bytes(row['bytes'])}"
    if row["peak_over_before_mb"] is not None and row["peak_over_before_mb"] >= 5:
        cell += f", peak +{row['peak_over_before_mb']:.0f} MB"
    # After a worker timeout the worker exits just after its 500: what it keeps means nothing.
    if row["statuses"][-1] == 200 and (row["rss_growth_mb"] or 0) >= 5:
        cell += f", keeps +{row['rss_growth_mb']:.0f} MB"
    if row.get("healthz_behind_two_ms") is not None:
        cell += f"; /healthz behind two: {format_ms(row['healthz_behind_two_ms'])}"
    return cell


def print_growth(growth: list[dict[str, Any]]) -> None:
    print(
        "\nGrowth: time to the last byte of one request on loopback, median of n sequential"
        " requests (the first, with cold caches, in brackets), body size, the serving worker's"
        " peak RSS over its RSS before and what it keeps afterwards (shown from 5 MB):"
    )
    for column in growth:
        print(
            f"  {column['label']}: {column['nodes']} nodes in the map, idle worker"
            f" {column['idle_rss_mb']:.0f} MB, load average {column['load_average']:.2f}"
        )
    print()
    print("| endpoint | " + " | ".join(column["label"] for column in growth) + " |")
    print("|---" * (len(growth) + 1) + "|")
    for name in [row["name"] for row in growth[0]["rows"]]:
        cells = [
            growth_cell(next(row for row in column["rows"] if row["name"] == name))
            for column in growth
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
