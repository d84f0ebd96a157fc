"""The command line: options in, one engine call, one reporter, an exit code out.

Exit codes: 0 no findings, 1 findings, 2 usage error, unreadable file or internal error.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from loadlint import __version__

app = typer.Typer(
    name="loadlint",
    help="Check that code loading Hugging Face models uses a class that fits each model.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"


def parse_duration(value: str) -> float:
    """'90', '90s', '30m', '24h' or '7d' as seconds."""
    match = DURATION.match(value)
    if not match:
        raise typer.BadParameter(f"{value!r} is not a duration such as 3600, 30m, 24h or 7d")
    return float(match.group(1)) * DURATION_UNITS[match.group(2)]


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


@app.command()
def check(
    paths: PathsArgument = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--output-format", help="How to print the results.")
    ] = OutputFormat.text,
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
    from loadlint.report import FORMATS
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
    )
    try:
        result = run_check(options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(FORMATS[output_format.value](result))
    for error in result.errors:
        typer.echo(error, err=True)
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if result.findings else EXIT_CLEAN)


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
