"""The report: verdicts against the targets, the tables, the alert burden, results.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import loads_phase
from bench.environment import RESULTS
from bench.support import TARGETS

# --- Report ----------------------------------------------------------------------------------


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    burden = results.get("alert_burden")
    if burden:
        missed = [
            r for r in burden["rules"] if r["recall_pct"] is not None and r["recall_pct"] < 100
        ]
        rows.append(
            (
                "every injected warning pattern flagged within a day (recall 100 %)",
                f"{burden['total']['recall_pct']} % of {burden['total']['patterns']}"
                + (f"; below 100 %: {', '.join(r['rule'] for r in missed)}" if missed else ""),
                "PASS" if not missed else "FAIL",
            )
        )
        total = burden["total"]
        rows.append(
            (
                "false alarms < 5 % of flags (flags on athletes with no injected pattern)",
                f"{total['false_alarm_pct']} % ({total['false_alarms']} of {total['flags']})",
                "PASS" if total["false_alarm_pct"] < 5 else "FAIL",
            )
        )
        rows.append(
            (
                "no flag for an athlete following the plan without symptoms",
                f"{total['false_alarms']} flags",
                "PASS" if total["false_alarms"] == 0 else "FAIL",
            )
        )
    level = results.get("checkin", {}).get("levels", {}).get("8")
    if level:
        ratio = level["checkin"]["rps"] / level["bare_insert"]["rps"]
        rows.append(
            (
                "check-in throughput >= 60% of bare insert at 8 clients",
                f"{ratio:.0%} ({level['checkin']['rps']:.0f} vs {level['bare_insert']['rps']:.0f} req/s)",
                "PASS" if ratio >= TARGETS["checkin_vs_bare_at_8"] else "FAIL",
            )
        )
    for name, page in results.get("pages", {}).items():
        rows.append(
            (
                f"{name} p95 < 150 ms",
                f"{page['p95_ms']} ms ({page['queries']} queries)",
                "PASS" if page["p95_ms"] < TARGETS["page_p95_ms"] else "FAIL",
            )
        )
    sweeps = results.get("sweep", [])
    if sweeps:
        full = sweeps[-1]
        rows.append(
            (
                "sweep within 3x of the plain SQL scan (latest check-in per patient)",
                f"{full['ratio']}x ({full['sweep_s']} s vs {full['scan_s']} s; "
                f"{full['ratio_to_window_scan']}x the 35-day window scan)",
                "PASS"
                if full["ratio"] is not None and full["ratio"] <= TARGETS["sweep_vs_scan"]
                else "FAIL",
            )
        )
        if len(sweeps) > 1:
            growth = full["per_patient_ms"] / sweeps[0]["per_patient_ms"]
            rows.append(
                (
                    "sweep at most linear in patients (per-patient time within 1.5x)",
                    " / ".join(f"{s['patients']}: {s['sweep_s']} s" for s in sweeps)
                    + f" (x{growth:.2f} per patient)",
                    "PASS" if growth <= TARGETS["sweep_linearity"] else "FAIL",
                )
            )
    flag = results.get("commit_to_flag")
    if flag:
        rows.append(
            (
                "commit-to-flag p95 < 1 s",
                f"p50 {flag['p50_s']} s, p95 {flag['p95_s']} s ({flag['flagged']}/{flag['checkins']})",
                "PASS"
                if flag["p95_s"] < TARGETS["commit_to_flag_p95_s"]
                and flag["flagged"] == flag["checkins"]
                else "FAIL",
            )
        )
    return rows


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def alert_burden(
    counts: dict[str, Any] | None, *, patients: int, days: int
) -> dict[str, Any] | None:
    """The alert-burden table from the generator's counts: per rule and in total, flags raised
    per 100 active patients per week, the share of flags on athletes with no injected warning
    pattern (false alarms), and the share of injected patterns flagged within a day (recall)."""
    if not counts:
        return None
    weeks_of_100 = patients / 100 * days / 7
    rows = []
    totals = [0, 0, 0, 0]
    for code, (flags, false, injected, detected) in sorted(counts["rules"].items()):
        totals = [a + b for a, b in zip(totals, (flags, false, injected, detected), strict=True)]
        rows.append(_burden_row(code, flags, false, injected, detected, weeks_of_100))
    flags, false, injected, detected = totals
    return {
        "rules": rows,
        "total": _burden_row("total", flags, false, injected, detected, weeks_of_100),
        "patient_weeks": round(patients * days / 7),
    }


def _burden_row(
    code: str, flags: int, false: int, injected: int, detected: int, weeks_of_100: float
) -> dict[str, Any]:
    return {
        "rule": code,
        "flags": flags,
        "per_100_per_week": round(flags / weeks_of_100, 2) if weeks_of_100 else 0,
        "false_alarms": false,
        "false_alarm_pct": round(100 * false / flags, 1) if flags else 0.0,
        "patterns": injected,
        "flagged_within_a_day": detected,
        "recall_pct": round(100 * detected / injected, 1) if injected else None,
    }


def burden_table(burden: dict[str, Any]) -> str:
    rows = [*burden["rules"], burden["total"]]
    return table(
        ["rule", "flags", "per 100 pts/wk", "false alarms", "patterns", "recall (1 day)"],
        [
            [
                r["rule"],
                str(r["flags"]),
                f"{r['per_100_per_week']:.2f}",
                f"{r['false_alarms']} ({r['false_alarm_pct']:.1f} %)",
                str(r["patterns"]),
                "–" if r["recall_pct"] is None else f"{r['recall_pct']:.1f} %",
            ]
            for r in rows
        ],
    )


def report(results: dict[str, Any]) -> str:
    parts = [f"RTR benchmark, {results['started']} ({results['size']})", ""]
    if results.get("loads"):
        parts += [*loads_phase.report(results["loads"]), ""]
    burden = results.get("alert_burden")
    if burden:
        parts.append(
            "Alert burden (the generated caseload's flags against its injected warning "
            f"patterns, {burden['patient_weeks']} active patient-weeks)"
        )
        parts.append(burden_table(burden))
        parts.append("")
    pages = results.get("pages", {})
    if pages:
        parts.append("Pages (one client, through gunicorn; bare = plain template, same rows)")
        parts.append(
            table(
                ["page", "rows", "queries", "p50 ms", "p95 ms", "bare p50", "bare p95"],
                [
                    [
                        name,
                        str(p["rows"]),
                        str(p["queries"]),
                        str(p["p50_ms"]),
                        str(p["p95_ms"]),
                        str(p["bare"]["p50_ms"]),
                        str(p["bare"]["p95_ms"]),
                    ]
                    for name, p in pages.items()
                ],
            )
        )
        parts.append("")
    checkin = results.get("checkin")
    if checkin:
        parts.append(
            "Check-in submission vs bare one-row insert (same middleware, session, CSRF; "
            f"rate limit {checkin['rate_limit']}); "
            f"{checkin['queries_per_submission']} queries per submission; a post without the "
            f"CSRF token answered {checkin['csrf_without_token_status']}"
        )
        rows = []
        for clients, level in checkin["levels"].items():
            for label, key in (("check-in", "checkin"), ("bare insert", "bare_insert")):
                m = level[key]
                rows.append(
                    [
                        clients,
                        label,
                        f"{m['rps']:.0f}",
                        str(m["p50_ms"]),
                        str(m["p95_ms"]),
                        str(m["p99_ms"]),
                        str(m["n"]),
                        json.dumps(m["errors"]) if m["errors"] else "",
                    ]
                )
        parts.append(
            table(["clients", "view", "req/s", "p50 ms", "p95 ms", "p99 ms", "n", "errors"], rows)
        )
        parts.append("")
    sweeps = results.get("sweep")
    if sweeps:
        parts.append(
            "Sweep (checkins.sweep on a Celery worker, solo pool) vs one plain SQL statement: "
            "'latest' reads each active patient's latest check-in date (what the sweep reads "
            "now), 'window' the last 35 days of check-ins (what re-evaluating every plan reads)"
        )
        parts.append(
            table(
                [
                    "patients",
                    "sweep s",
                    "latest scan s",
                    "ratio",
                    "window scan s (rows)",
                    "ratio",
                    "ms/patient",
                    "RSS before MB",
                    "RSS peak MB",
                    "sweep result",
                ],
                [
                    [
                        str(s["patients"]),
                        str(s["sweep_s"]),
                        str(s["scan_s"]),
                        f"{s['ratio']}x",
                        f"{s['window_scan_s']} ({s['window_scan_rows']})",
                        f"{s['ratio_to_window_scan']}x",
                        str(s["per_patient_ms"]),
                        str(s["worker_rss_before_mb"]),
                        str(s["worker_rss_peak_mb"]),
                        s["sweep_result"],
                    ]
                    for s in sweeps
                ],
            )
        )
        parts.append("")
    flag = results.get("commit_to_flag")
    if flag:
        parts.append(
            f"Commit to flag + notification rows ({flag['checkins']} check-ins with night pain, one every "
            f"{flag['interval_s']} s): p50 {flag['p50_s']} s, p95 {flag['p95_s']} s, max {flag['max_s']} s"
        )
        parts.append("")
    parts.append("Targets")
    parts.append(table(["target", "measured", "result"], [list(r) for r in verdicts(results)]))
    return "\n".join(parts)


def write_results(results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    text = json.dumps(results, indent=2, default=str) + "\n"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path
