"""The command line: options in, one engine call, one reporter, an exit code out.

Exit codes: 0 no findings, 1 findings, 2 usage error, unreadable file or internal error.
"""

from __future__ import annotations

import dataclasses
import enum
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from loadlint import __version__
from loadlint.report import FORMATS
from loadlint.report._shared import plural
from loadlint.runtime import DEVICES, MODES

app = typer.Typer(
    name="loadlint",
    help="Check that code loading Hugging Face models uses a class that fits each model.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


OutputFormat = enum.Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
RuntimeMode = enum.Enum("RuntimeMode", {name: name for name in MODES}, type=str)  # type: ignore[misc]
RuntimeDevice = enum.Enum("RuntimeDevice", {name: name for name in DEVICES}, type=str)  # type: ignore[misc]


def parse_size(value: str) -> int:
    """'4MB', '512KB' or a number of bytes; anything else is a usage error."""
    from loadlint import limits

    return _option_value(limits.parse_size, value)


def parse_duration(value: str) -> float:
    """'90', '90s', '30m', '24h' or '7d' as seconds; anything else is a usage error."""
    from loadlint import config

    return _option_value(config.parse_duration, value)


def _option_value(parse, value: str):
    """An option's text parsed; the parser's ValueError is the usage error typer prints."""
    try:
        return parse(value)
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


PathsArgument = Annotated[list[str] | None, typer.Argument(help="Files or folders to check [default: .]")]
TransformersOption = Annotated[
    Path | None,
    typer.Option(
        "--transformers",
        help="The transformers package folder whose tables to use (the linted project's environment); "
        "default: the installed transformers, else the bundled snapshot.",
    ),
]
LockfileOption = Annotated[
    Path | None, typer.Option("--lockfile", help="The lockfile [default: the nearest loadlint.lock].")
]
TimeoutOption = Annotated[
    float | None, typer.Option("--timeout", min=0.1, help="Seconds per Hub request [default: 10].")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Use this pyproject.toml or loadlint.toml for every file, instead of each file's nearest [tool.loadlint].",
    ),
]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Never contact the Hub (also set by HF_HUB_OFFLINE=1).")
]


FixOption = Annotated[bool, typer.Option("--fix", help="Apply safe fixes (and unsafe ones with --unsafe-fixes).")]


@app.command()
def check(
    paths: PathsArgument = None,
    output_format: Annotated[
        OutputFormat | None, typer.Option("--output-format", help="How to print the results [default: text].")
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output-file", "-o", help="Write the report to this file instead of stdout.")
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
    select: Annotated[
        list[str] | None,
        typer.Option("--select", metavar="CODES", help="Rules to run, replacing the configured selection "
                     "(codes, prefixes, names or ALL; comma-separated or repeated)."),
    ] = None,
    extend_select: Annotated[
        list[str] | None, typer.Option("--extend-select", metavar="CODES", help="Rules to run as well.")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", metavar="CODES", help="Rules not to run.")] = None,
    config_file: ConfigOption = None,
    force_exclude: Annotated[
        bool, typer.Option("--force-exclude", help="Apply exclusions and .gitignore to paths named explicitly too.")
    ] = False,
    respect_gitignore: Annotated[
        bool, typer.Option("--respect-gitignore/--no-respect-gitignore", help="Skip files that .gitignore ignores.")
    ] = True,
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
    timeout: TimeoutOption = None,
    cache_ttl: Annotated[
        str | None,
        typer.Option("--cache-ttl", help="How long cached facts for a branch or tag stay fresh [default: 24h]."),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write loadlint's facts cache.")] = False,
    max_file_size: Annotated[
        str | None,
        typer.Option("--max-file-size", metavar="SIZE",
                     help="Skip (with an error line) files larger than this that may load models [default: 1MB]."),
    ] = None,
    file_timeout: Annotated[
        float | None,
        typer.Option("--file-timeout", min=0.1, metavar="SECONDS",
                     help="Seconds one file's extraction, and then its checks and fixes, may take [default: 20]."),
    ] = None,
    runtime: Annotated[
        RuntimeMode | None,
        typer.Option(
            "--runtime",
            help="Also confirm each finding in worker processes: meta builds the class on the meta device "
            "(config.json only), full loads the weights and generates. Needs the runtime extra.",
        ),
    ] = None,
    runtime_timeout: Annotated[
        float, typer.Option("--runtime-timeout", min=1, help="--runtime: seconds per model (and per worker start).")
    ] = 120.0,
    device: Annotated[
        RuntimeDevice, typer.Option("--device", help="--runtime full: where to load (auto: cuda, else mps, else cpu).")
    ] = RuntimeDevice.auto,
    download: Annotated[
        bool, typer.Option("--download", help="--runtime full: download weights and tokenizer missing from the cache.")
    ] = False,
    max_new_tokens: Annotated[
        int, typer.Option("--max-new-tokens", min=1, help="--runtime full: tokens to generate.")
    ] = 8,
    max_params: Annotated[
        int | None, typer.Option("--max-params", min=1, help="--runtime full: refuse to load bigger models.")
    ] = None,
    allow_remote_code: Annotated[
        bool, typer.Option("--allow-remote-code", help="--runtime: run repository code where the call trusts it.")
    ] = False,
    allow_pickle: Annotated[
        bool, typer.Option("--allow-pickle", help="--runtime full: load pickle weights when there are no safetensors.")
    ] = False,
) -> None:
    """Find every model-loading call under PATHS and judge its class against each model."""
    from loadlint.config import CliOverrides, RunSettings
    from loadlint.engine import CheckOptions, UsageError, run_check

    overrides = CliOverrides(
        select=select, extend_select=extend_select or (), ignore=ignore or (), force_exclude=force_exclude
    )
    run, settings = _configured(
        paths, config_file, overrides, respect_gitignore,
        RunSettings(
            offline=offline or None, lockfile=lockfile, timeout=timeout, transformers=transformers,
            cache_ttl=parse_duration(cache_ttl) if cache_ttl is not None else None,
            output_format=output_format.value if output_format else None,
            max_file_size=parse_size(max_file_size) if max_file_size is not None else None,
            file_timeout=file_timeout,
        ),
    )
    options = CheckOptions(
        paths=tuple(paths or (".",)),
        resolver=_resolver_settings(settings, use_facts_cache=not no_cache),
        lockfile=settings.lockfile,
        locked=locked,
        transformers_dir=settings.transformers,
        discovery=run.discovery,
        codes_for=run.codes_for,
        fix="diff" if diff else "apply" if fix else None,
        unsafe_fixes=unsafe_fixes,
        limits=_file_limits(settings),
    )
    report_format = settings.output_format or "text"
    runtime_flags = {
        "--runtime-timeout": runtime_timeout != 120.0, "--device": device.value != "auto", "--download": download,
        "--max-new-tokens": max_new_tokens != 8, "--max-params": max_params is not None,
        "--allow-remote-code": allow_remote_code, "--allow-pickle": allow_pickle,
    }
    if runtime is None and any(runtime_flags.values()):
        given = ", ".join(flag for flag, set_ in runtime_flags.items() if set_)
        raise fail(f"{given} only applies with --runtime meta|full")
    if runtime is not None:
        from loadlint.runtime import RuntimeOptions, RuntimeUnavailable, require_runtime

        try:
            require_runtime()
        except RuntimeUnavailable as exc:
            raise fail(str(exc)) from None
        runtime_options = RuntimeOptions(
            mode=runtime.value, timeout=runtime_timeout, device=device.value, download=download,
            max_new_tokens=max_new_tokens, max_params=max_params, allow_remote_code=allow_remote_code,
            allow_pickle=allow_pickle, offline=options.resolver.offline or locked, progress=sys.stderr.isatty(),
        )
        options = dataclasses.replace(options, runtime=runtime_options)
    try:
        result = run_check(options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    if diff:
        sys.stdout.write("".join(result.diffs))
        typer.echo(f"Would fix {plural(len(result.diffs), 'file')}.", err=True)
    else:
        _report(FORMATS[report_format](result), output_file)
    if show_fixes or (fix and report_format in ("text", "concise") and output_file is None):
        _print_fixed(result, listed=show_fixes)
    for error in result.errors:
        typer.echo(error, err=True)
    raise typer.Exit(_exit_code(result, diff=diff, exit_zero=exit_zero, fix_fails=exit_non_zero_on_fix, strict=strict))


def _configured(paths, config_file, overrides, respect_gitignore: bool, cli_settings):
    """The run's configuration and its run-wide settings, the command line's beating the file's."""
    from loadlint.config import ConfigError, settings_for_run

    try:
        run = settings_for_run(tuple(paths or (".",)), config_file, overrides)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    run.discovery = dataclasses.replace(run.discovery, respect_gitignore=respect_gitignore)
    return run, run.settings.overridden_by(cli_settings)


def _resolver_settings(settings, **extra):
    """ResolverSettings from the run-wide settings, its own defaults where neither file nor flag says."""
    from loadlint.resolve import ResolverSettings

    return ResolverSettings(
        **_given(offline=settings.offline, timeout=settings.timeout, cache_ttl=settings.cache_ttl), **extra
    )


def _file_limits(settings):
    """FileLimits from the run-wide settings, its own defaults where neither file nor flag says."""
    from loadlint.limits import FileLimits

    return FileLimits(**_given(max_file_size=settings.max_file_size, file_timeout=settings.file_timeout))


def _given(**values):
    """The settings that the file or a flag set: the others keep the record's own defaults."""
    return {name: value for name, value in values.items() if value is not None}


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
    typer.echo(f"Fixed {plural(len(result.fixed), 'finding')} ({len(result.findings)} remaining).")


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
    timeout: TimeoutOption = None,
    offline: OfflineOption = False,
    config_file: ConfigOption = None,
) -> None:
    """Resolve every model id used under PATHS and write them to the lockfile."""
    from loadlint.config import CliOverrides, RunSettings
    from loadlint.engine import CheckOptions, UsageError, lock_paths

    run, settings = _configured(
        paths, config_file, CliOverrides(), True,
        RunSettings(offline=offline or None, lockfile=lockfile, timeout=timeout, transformers=transformers),
    )
    options = CheckOptions(
        paths=tuple(paths or (".",)),
        resolver=_resolver_settings(settings),
        lockfile=settings.lockfile,
        transformers_dir=settings.transformers,
        discovery=run.discovery,
    )
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


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, pre-commit interrupted) unwinds like Ctrl-C, so a fix being
    written removes its temporary file instead of leaving it behind."""
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except Exception as exc:  # noqa: BLE001  (a crash is a one-line error with exit 2, never a traceback wall)
        typer.echo(f"loadlint: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
