"""What a benchmark run found: loadlint's own summary per case, the Markdown table, the derived
figures (ratios, time per finding, targets) and the JSON record of every run."""

from __future__ import annotations

import datetime
import json
import os
import platform
from dataclasses import asdict

from bench.cases import Case
from bench.timing import Command

TABLE_HEADER = ("case", "loadlint", "ruff --no-cache", "ratio", "ruff (cache)", "peak RSS")


def loadlint_summary(command: Command) -> dict | None:
    """The JSON report of the command's first timed run, or None for commands that print none."""
    try:
        return json.loads(command.first_output)
    except ValueError:
        return None


def print_summaries(case: Case) -> None:
    """loadlint's summary for each check of the case, and what the input was generated with."""
    for command in case.loadlint_commands:
        report = loadlint_summary(command)
        if not report:
            continue
        summary, generated = report["summary"], case.generated
        note = ""
        if generated and command is case.loadlint:
            note = f" (generated: {generated.calls} calls, {generated.loads} loads, {generated.wrong} wrong)"
        print(
            f"  {command.name}: files={summary['files']} loads={summary['loads']} findings={summary['findings']} "
            f"unresolved={summary['unresolved']} errors={len(report['errors'])}{note}"
        )
        for line in report["errors"][:5]:
            print(f"    error: {line}")


def metrics(case: Case) -> dict:
    """The derived figures of one case: medians, the ratios, the time per finding and the target."""
    loadlint_s = case.loadlint.median_wall()
    result: dict = {"loadlint_s": loadlint_s}
    if case.ruff:
        result["ratio_to_ruff_no_cache"] = loadlint_s / case.ruff.median_wall()
    if case.ruff_cache:
        result["ratio_to_ruff_cache"] = loadlint_s / case.ruff_cache.median_wall()
    if case.target_s is not None:
        result |= {"target_s": case.target_s, "target_met": loadlint_s <= case.target_s}
    report = loadlint_summary(case.loadlint)
    if case.baseline and case.adds:
        baseline_s = case.baseline.median_wall()
        return result | {
            "baseline_s": baseline_s,
            "added_s": loadlint_s - baseline_s,
            "added_share": loadlint_s / baseline_s - 1,
        }
    if case.baseline and report and report["summary"]["findings"]:
        findings = report["summary"]["findings"]
        result |= {
            "findings": findings,
            "baseline_s": case.baseline.median_wall(),
            "ms_per_finding": (loadlint_s - case.baseline.median_wall()) / findings * 1000,
        }
    return result


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def _time(command: Command | None) -> str:
    """`median unit (min-max)`, in milliseconds when the median is under a second."""
    if not command:
        return "-"
    median = command.median_wall()
    scale, unit, digits = (1, "s", 2) if median >= 1 else (1000, "ms", 0)
    low, high = (f"{value * scale:.{digits}f}" for value in (min(command.walls), max(command.walls)))
    return f"{median * scale:.{digits}f} {unit} ({low}-{high})"


def table(cases: list[Case]) -> str:
    rows = [TABLE_HEADER, ("---", "---:", "---:", "---:", "---:", "---:")]
    for case in cases:
        figures = metrics(case)
        ratio = figures.get("ratio_to_ruff_no_cache")
        rss = f"{case.loadlint.median_rss_mib():.0f}"
        if case.ruff:
            rss += f" / {case.ruff.median_rss_mib():.0f}"
        rows.append(
            (
                case.label,
                _time(case.loadlint),
                _time(case.ruff),
                f"x{ratio:.1f}" if ratio else "-",
                _time(case.ruff_cache),
                f"{rss} MiB",
            )
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def notes(cases: list[Case]) -> list[str]:
    """One line per run that reported errors, per target, per time-per-finding figure and per cached ruff
    comparison."""
    lines = []
    for case in cases:
        for command in case.loadlint_commands:
            errors = (loadlint_summary(command) or {}).get("errors")
            if errors:
                lines.append(f"{case.label}: {command.name} reported {len(errors)} error(s), the first: {errors[0]}")
        figures = metrics(case)
        if "target_s" in figures:
            verdict = "met" if figures["target_met"] else "MISSED"
            lines.append(
                f"{case.label}: {_seconds(figures['loadlint_s'])}, target <= {figures['target_s']} s: {verdict}"
            )
        if "added_s" in figures:
            lines.append(
                f"{case.label}: loadlint {_seconds(figures['loadlint_s'])}, {case.baseline.name} "  # type: ignore[union-attr]
                f"{_seconds(figures['baseline_s'])}: {case.adds} adds {_seconds(figures['added_s'])} "
                f"({figures['added_share']:+.0%})"
            )
        if "ms_per_finding" in figures:
            lines.append(
                f"{case.label}: {figures['findings']} findings; loadlint {_seconds(figures['loadlint_s'])}, "
                f"{_seconds(figures['baseline_s'])} on the same file with every call right: "
                f"(difference) / findings = {figures['ms_per_finding']:.1f} ms per finding"
            )
        if "ratio_to_ruff_cache" in figures:
            lines.append(f"{case.label}: loadlint / ruff (cache) x{figures['ratio_to_ruff_cache']:.1f}")
    return lines


def record(cases: list[Case], runs: int, versions: dict[str, str], gates: dict | None) -> dict:
    """Everything measured, for --json: the machine, the versions, every run of every command."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": versions,
        "runs": runs,
        "cases": [
            {
                "name": case.name,
                "label": case.label,
                "generated": case.generated and asdict(case.generated) | {"path": str(case.generated.path)},
                "metrics": metrics(case),
                "commands": [
                    {
                        "name": command.name,
                        "argv": command.argv,
                        "walls": command.walls,
                        "rss_kib": command.rss_kib,
                        "codes": command.codes,
                        "summary": (loadlint_summary(command) or {}).get("summary"),
                    }
                    for command in case.commands
                ],
            }
            for case in cases
        ],
        "gates": gates,
    }
