"""The command line: options in, one engine call, one reporter, an exit code out.

Exit codes: 0 no findings, 1 findings, 2 usage error, unreadable file or internal error.
"""

from __future__ import annotations

import dataclasses
import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from loadlint import __version__
from loadlint.report import FORMATS

app = typer.Typer(
    name="loadlint",
    help="Check that code loading Hugging Face models uses a class that fits each model.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


OutputFormat = enum.Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


def parse_duration(value: str) -> float:
    """'90', '90s', '30m', '24h' or '7d' as seconds; anything else is a usage error."""
    from loadlint import config

    try:
        return config.parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def fail(message: str) -> typer.Exit:
    typer.echo(f"loadlint: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loadlint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Check that code loading Hugging Face models uses a class that fits each model."""


PathsArgument = Annotated[Optional[list[str]], typer.Argument(help="Files or folders to check [default: .]")]
TransformersOption = Annotated[
    Optional[Path],
    typer.Option(
        "--transformers",
        help="The transformers package folder whose tables to use (the linted project's environment); "
        "default: the installed transformers, else the bundled snapshot.",
    ),
]
LockfileOption = Annotated[
    Optional[Path], typer.Option("--lockfile", help="The lockfile [default: the nearest loadlint.lock].")
]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per Hub request.")]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Never contact the Hub (also set by HF_HUB_OFFLINE=1).")
]


FixOption = Annotated[bool, typer.Option("--fix", help="Apply safe fixes (and unsafe ones with --unsafe-fixes).")]


@app.command()
def check(
    paths: PathsArgument = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--output-format", help="How to print the results.")
    ] = OutputFormat.text,
    output_file: Annotated[
        Optional[Path], typer.Option("--output-file", "-o", help="Write the report to this file instead of stdout.")
    ] = None,
    fix: FixOption = False,
    unsafe_fixes: Annotated[
        bool, typer.Option("--unsafe-fixes", help="Also apply fixes that may change behaviour (with --fix or --diff).")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print the fixes as a unified diff and write nothing; exit 1 if any.")
    ] = False,
    show_fixes: Annotated[bool, typer.Option("--show-fixes", help="List the fixes that were applied.")] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings (errors still exit 2).")
    ] = False,
    exit_non_zero_on_fix: Annotated[
        bool, typer.Option("--exit-non-zero-on-fix", help="Exit 1 when --fix changed a file, even if nothing remains.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on unresolved ids instead of listing them as a note.")
    ] = False,
    offline: OfflineOption = False,
    locked: Annotated[
        bool,
        typer.Option(
            "--locked",
            help="Resolve ids only from the lockfile (and local folders); exit 2 if one is missing.",
        ),
    ] = False,
    lockfile: LockfileOption = None,
    transformers: TransformersOption = None,
    timeout: TimeoutOption = 10.0,
    cache_ttl: Annotated[
        str, typer.Option("--cache-ttl", help="How long cached facts for a branch or tag stay fresh (e.g. 24h).")
    ] = "24h",
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write loadlint's facts cache.")] = False,
) -> None:
    """Find every model-loading call under PATHS and judge its class against each model."""
    from loadlint.engine import CheckOptions, UsageError, run_check
    from loadlint.resolve import ResolverSettings

    settings = ResolverSettings(
        offline=offline, timeout=timeout, cache_ttl=parse_duration(cache_ttl), use_facts_cache=not no_cache
    )
    options = CheckOptions(
        paths=tuple(paths or (".",)),
        resolver=settings,
        lockfile=lockfile,
        locked=locked,
        transformers_dir=transformers,
        fix="diff" if diff else "apply" if fix else None,
        unsafe_fixes=unsafe_fixes,
    )
    try:
        result = run_check(options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    if diff:
        sys.stdout.write("".join(result.diffs))
        typer.echo(f"Would fix {_plural(len(result.diffs), 'file')}.", err=True)
    else:
        _report(FORMATS[output_format.value](result), output_file)
    if show_fixes or (fix and output_format.value in ("text", "concise") and output_file is None):
        _print_fixed(result, listed=show_fixes)
    for error in result.errors:
        typer.echo(error, err=True)
    raise typer.Exit(_exit_code(result, diff=diff, exit_zero=exit_zero, fix_fails=exit_non_zero_on_fix, strict=strict))


def _report(text: str, output_file: Path | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
        return
    from loadlint.source import write_atomic

    try:
        write_atomic(str(output_file), text.encode())
    except OSError as exc:
        raise fail(f"{output_file}: cannot write the report: {exc.strerror or exc}") from None


def _print_fixed(result, *, listed: bool) -> None:
    """The fix summary for people: how many findings were fixed, and with --show-fixes which."""
    if listed:
        for finding in result.fixed:
            where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
            typer.echo(f"  fixed {where}: {finding.code} {finding.fix.title if finding.fix else ''}".rstrip())
    typer.echo(f"Fixed {_plural(len(result.fixed), 'finding')} ({len(result.findings)} remaining).")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _exit_code(result, *, diff: bool, exit_zero: bool, fix_fails: bool, strict: bool) -> int:
    """2 on any error; --diff: 1 when there is something to fix; else 1 for findings (and, with
    --strict, unresolved ids) unless --exit-zero; --exit-non-zero-on-fix: 1 when a file was fixed."""
    if result.errors:
        return EXIT_ERROR
    if diff:
        return EXIT_FINDINGS if result.diffs else EXIT_CLEAN
    if fix_fails and result.fixed:
        return EXIT_FINDINGS
    failed = bool(result.findings) or (strict and bool(result.unresolved))
    return EXIT_FINDINGS if failed and not exit_zero else EXIT_CLEAN


@app.command()
def lock(
    paths: PathsArgument = None,
    lockfile: LockfileOption = None,
    transformers: TransformersOption = None,
    timeout: TimeoutOption = 10.0,
    offline: OfflineOption = False,
) -> None:
    """Resolve every model id used under PATHS and write them to the lockfile."""
    from loadlint.engine import CheckOptions, UsageError, lock_paths

    options = CheckOptions(paths=tuple(paths or (".",)), transformers_dir=transformers, lockfile=lockfile)
    options = dataclasses.replace(options, resolver=dataclasses.replace(options.resolver, timeout=timeout, offline=offline))
    try:
        outcome = lock_paths(options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Locked {len(outcome.locked)} model id(s) in {outcome.path}")
    for error in outcome.errors:
        typer.echo(error, err=True)
    for use in outcome.unresolved:
        typer.echo(f"  not locked: {use.path}:{use.line}: {use.model_id or '<dynamic>'} [{use.reason}] {use.detail}")
    raise typer.Exit(EXIT_ERROR if outcome.errors else EXIT_FINDINGS if outcome.failed else EXIT_CLEAN)


@app.command()
def rule(code: Annotated[str, typer.Argument(help="A rule code, e.g. LL001.")]) -> None:
    """Print a rule's documentation and examples."""
    from loadlint.rules import RULES_BY_CODE

    selected = RULES_BY_CODE.get(code.upper())
    if selected is None:
        raise fail(f"unknown rule {code!r}; known: {', '.join(RULES_BY_CODE)}")
    out = [f"# {selected.code} {selected.name} ({selected.severity})", "", selected.summary, "", selected.docs()]
    for title, examples in (("Valid (not reported)", selected.valid), ("Invalid (reported)", selected.invalid)):
        out += ["", f"## {title}"]
        for example in examples:
            out += ["```python", example.rstrip("\n"), "```"]
    typer.echo("\n".join(out))


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity and summary."""
    from loadlint.rules import ALL_RULES

    for item in ALL_RULES:
        typer.echo(f"{item.code}  {item.name:<24} {item.severity:<8} {item.summary}")


def main() -> None:
    try:
        app()
    except Exception as exc:  # a crash is a one-line error with exit 2, never a traceback wall
        typer.echo(f"loadlint: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
