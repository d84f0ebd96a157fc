"""The command line: options in, one engine call, one reporter, an exit code out.

Exit codes: 0 no findings, 1 findings, 2 usage error, unreadable file or internal error.

Built on argparse, and the engine, configuration, rules and reporters are imported by the commands
that use them, for start-up time: `loadlint --version` loads no more than the parser, `rules` and
`rule` no more than the rules, and a pre-commit hook's `check` only the reporter it prints with.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from loadlint import __version__
from loadlint.report import FORMATS  # the names only: a format's module is imported when it renders
from loadlint.runtime import DEVICES, MODES, RuntimeOptions, RuntimeUnavailable, require_runtime

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DESCRIPTION = "Check that code loading Hugging Face models uses a class that fits each model."

Option = tuple[tuple[str, ...], dict[str, Any]]


def option(*flags: str, **settings: Any) -> Option:
    """One `add_argument` call, written down once and added to every command that takes it."""
    return flags, settings


def parse_size(value: str) -> int:
    """'4MB', '512KB' or a number of bytes; anything else is a usage error."""
    from loadlint import limits

    return _option_value(limits.parse_size, value)


def parse_duration(value: str) -> float:
    """'90', '90s', '30m', '24h' or '7d' as seconds; anything else is a usage error."""
    from loadlint import config

    return _option_value(config.parse_duration, value)


def _option_value(parse: Callable[[str], Any], value: str) -> Any:
    """An option's text parsed; the parser's ValueError is the message argparse prints (exit 2)."""
    try:
        return parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def at_least(minimum: float, kind: type[int] | type[float] = float) -> Callable[[str], float]:
    """A number option's parser that refuses values below `minimum`."""
    wanted = "a whole number" if kind is int else "a number"

    def parse(value: str) -> float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not {wanted}") from None
        if not number >= minimum:  # `not >=` also refuses nan
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return number

    return parse


PATHS = option("paths", nargs="*", metavar="PATHS", help="Files or folders to check [default: .]")
TRANSFORMERS = option(
    "--transformers", type=Path, metavar="DIR",
    help="The transformers package folder whose tables to use (the linted project's environment); "
    "default: the installed transformers, else the bundled snapshot.",
)
LOCKFILE = option("--lockfile", type=Path, metavar="PATH", help="The lockfile [default: the nearest loadlint.lock].")
TIMEOUT = option("--timeout", type=at_least(0.1), metavar="SECONDS", help="Seconds per Hub request [default: 10].")
CONFIG = option(
    "--config", dest="config_file", type=Path, metavar="PATH",
    help="Use this pyproject.toml or loadlint.toml for every file, instead of each file's nearest [tool.loadlint].",
)
OFFLINE = option("--offline", action="store_true", help="Never contact the Hub (also set by HF_HUB_OFFLINE=1).")

CHECK_OPTIONS = (
    PATHS,
    option("--output-format", choices=tuple(FORMATS), help="How to print the results [default: text]."),
    option("--output-file", "-o", type=Path, metavar="PATH", help="Write the report to this file instead of stdout."),
    option("--fix", action="store_true", help="Apply safe fixes (and unsafe ones with --unsafe-fixes)."),
    option("--unsafe-fixes", action="store_true",
           help="Also apply fixes that may change behaviour (with --fix or --diff)."),
    option("--diff", action="store_true", help="Print the fixes as a unified diff and write nothing; exit 1 if any."),
    option("--show-fixes", action="store_true", help="List the fixes that were applied."),
    option("--watch", action="store_true", help="Check again whenever a checked file, the configuration or the "
           "lockfile changes, until Ctrl-C. Needs the watch extra."),
    option("--add-noqa", action="store_true", help="Add a `# noqa: LLxxx` to each line with a finding "
           "(merged into an existing `# noqa: ...`) and write the files, instead of reporting."),
    option("--exit-zero", action="store_true", help="Exit 0 even when there are findings (errors still exit 2)."),
    option("--exit-non-zero-on-fix", action="store_true",
           help="Exit 1 when --fix changed a file, even if nothing remains."),
    option("--strict", action="store_true", help="Fail (exit 1) on unresolved ids instead of listing them as a note."),
    option("--select", action="append", metavar="CODES", help="Rules to run, replacing the configured selection "
           "(codes, prefixes, names or ALL; comma-separated or repeated)."),
    option("--extend-select", action="append", metavar="CODES", help="Rules to run as well."),
    option("--ignore", action="append", metavar="CODES", help="Rules not to run."),
    CONFIG,
    option("--force-exclude", action="store_true",
           help="Apply exclusions and .gitignore to paths named explicitly too."),
    option("--extension", action="append", metavar="EXT:LANG",
           help="Check files with this suffix as python, pyi or ipynb (e.g. ipy:ipynb); comma-separated or repeated."),
    option("--respect-gitignore", action=argparse.BooleanOptionalAction, default=True,
           help="Skip files that .gitignore ignores."),
    OFFLINE,
    option("--locked", action="store_true",
           help="Resolve ids only from the lockfile (and local folders); exit 2 if one is missing."),
    LOCKFILE,
    TRANSFORMERS,
    TIMEOUT,
    option("--cache-ttl", type=parse_duration, metavar="DURATION",
           help="How long cached facts for a branch or tag stay fresh [default: 24h]."),
    option("--no-cache", action="store_true",
           help="Do not read or write loadlint's caches (the facts of model ids, and each file's records)."),
    option("--max-file-size", type=parse_size, metavar="SIZE",
           help="Skip (with an error line) files larger than this that may load models [default: 1MB]."),
    option("--file-timeout", type=at_least(0.1), metavar="SECONDS",
           help="Seconds one file's extraction, and then its checks and fixes, may take [default: 20]."),
    option("--runtime", choices=MODES,
           help="Also confirm each finding in worker processes: meta builds the class on the meta device "
           "(config.json only), full loads the weights and generates. Needs the runtime extra."),
    option("--runtime-timeout", type=at_least(1), default=RuntimeOptions.timeout, metavar="SECONDS",
           help="--runtime: seconds per model (and per worker start) [default: %(default)s]."),
    option("--device", choices=DEVICES, default=RuntimeOptions.device,
           help="--runtime full: where to load (auto: cuda, else mps, else cpu) [default: %(default)s]."),
    option("--download", action="store_true",
           help="--runtime full: download weights and tokenizer missing from the cache."),
    option("--max-new-tokens", type=at_least(1, int), default=RuntimeOptions.max_new_tokens, metavar="N",
           help="--runtime full: tokens to generate [default: %(default)s]."),
    option("--max-params", type=at_least(1, int), metavar="N", help="--runtime full: refuse to load bigger models."),
    option("--allow-remote-code", action="store_true", help="--runtime: run repository code where the call trusts it."),
    option("--allow-pickle", action="store_true",
           help="--runtime full: load pickle weights when there are no safetensors."),
)
LOCK_OPTIONS = (PATHS, LOCKFILE, TRANSFORMERS, TIMEOUT, OFFLINE, CONFIG)
MODEL_OPTIONS = (
    option("model_id", metavar="ID", help="A Hub model id (org/name) or a local model folder."),
    option("--revision", metavar="REVISION", help="A branch, tag or commit of the id [default: the default branch]."),
    option("--output-format", choices=("text", "json"), default="text", help="How to print the facts [default: text]."),
    OFFLINE, LOCKFILE, TRANSFORMERS, TIMEOUT, CONFIG,
)


def fail(message: str) -> SystemExit:
    """The one-line usage error, printed; the caller raises what it returns, so the run exits 2."""
    print(f"loadlint: error: {message}", file=sys.stderr)
    return SystemExit(EXIT_ERROR)


def check(args: argparse.Namespace) -> int:
    """Find every model-loading call under PATHS and judge its class against each model."""
    if not args.watch:
        return _check_once(args)
    if args.add_noqa or args.diff:
        raise fail("--watch cannot be combined with --add-noqa or --diff")
    from loadlint.watch import CONFIG_NAMES, WatchUnavailable, watch

    read = [args.config_file, args.lockfile, *CONFIG_NAMES]  # those in the working directory are found by name
    suffixes = [item.partition(":")[0] for value in args.extension or () for item in value.split(",")]
    try:
        return watch(args.paths or (".",), [str(p) for p in read if p and os.path.exists(p)], suffixes,
                     lambda: _check_once(args))
    except WatchUnavailable as exc:
        raise fail(str(exc)) from None


def _check_once(args: argparse.Namespace) -> int:
    from loadlint.config import CliOverrides, RunSettings
    from loadlint.engine import CheckOptions, UsageError, run_check
    from loadlint.report._shared import plural

    overrides = CliOverrides(
        select=args.select, extend_select=args.extend_select or (), ignore=args.ignore or (),
        force_exclude=args.force_exclude, extension=args.extension or (),
    )
    run, settings = _configured(
        args.paths, args.config_file, overrides, args.respect_gitignore,
        RunSettings(
            offline=args.offline or None, lockfile=args.lockfile, timeout=args.timeout,
            transformers=args.transformers, cache_ttl=args.cache_ttl, output_format=args.output_format,
            max_file_size=args.max_file_size, file_timeout=args.file_timeout,
        ),
    )
    options = CheckOptions(
        paths=tuple(args.paths or (".",)),
        resolver=_resolver_settings(settings, use_facts_cache=not args.no_cache),
        lockfile=settings.lockfile,
        locked=args.locked,
        transformers_dir=settings.transformers,
        discovery=run.discovery,
        codes_for=run.codes_for,
        fix="diff" if args.diff else "apply" if args.fix else None,
        unsafe_fixes=args.unsafe_fixes,
        limits=_file_limits(settings),
        content_cache=not args.no_cache,
    )
    report_format = settings.output_format or "text"
    runtime_flags = {
        "--runtime-timeout": args.runtime_timeout != RuntimeOptions.timeout,
        "--device": args.device != RuntimeOptions.device, "--download": args.download,
        "--max-new-tokens": args.max_new_tokens != RuntimeOptions.max_new_tokens,
        "--max-params": args.max_params is not None,
        "--allow-remote-code": args.allow_remote_code, "--allow-pickle": args.allow_pickle,
    }
    if args.runtime is None and any(runtime_flags.values()):
        given = ", ".join(flag for flag, set_ in runtime_flags.items() if set_)
        raise fail(f"{given} only applies with --runtime meta|full")
    if args.runtime is not None:
        try:
            require_runtime()
        except RuntimeUnavailable as exc:
            raise fail(str(exc)) from None
        runtime_options = RuntimeOptions(
            mode=args.runtime, timeout=args.runtime_timeout, device=args.device, download=args.download,
            max_new_tokens=args.max_new_tokens, max_params=args.max_params,
            allow_remote_code=args.allow_remote_code, allow_pickle=args.allow_pickle,
            offline=options.resolver.offline or args.locked, progress=sys.stderr.isatty(),
        )
        options = dataclasses.replace(options, runtime=runtime_options)
    if args.add_noqa and (args.fix or args.diff):
        raise fail("--add-noqa cannot be combined with --fix or --diff")
    try:
        result = run_check(options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    if args.add_noqa:
        return _add_noqa(result, run.discovery)
    if args.diff:
        sys.stdout.write("".join(result.diffs))
        print(f"Would fix {plural(len(result.diffs), 'file')}.", file=sys.stderr)
    else:
        _report(FORMATS[report_format](result), args.output_file)
    if args.show_fixes or (args.fix and report_format in ("text", "concise") and args.output_file is None):
        _print_fixed(result, listed=args.show_fixes)
    for error in result.errors:
        print(error, file=sys.stderr)
    return _exit_code(
        result, diff=args.diff, exit_zero=args.exit_zero, fix_fails=args.exit_non_zero_on_fix, strict=args.strict
    )


def _add_noqa(result, discovery) -> int:
    """--add-noqa: the directives written, the count as Ruff words it; 2 when a file could not be
    checked or written."""
    from loadlint.add_noqa import add_noqa
    from loadlint.report._shared import plural

    outcome = add_noqa(result.findings, discovery.language_of)
    for error in (*result.errors, *outcome.errors):
        print(error, file=sys.stderr)
    print(f"Added {plural(outcome.added, 'noqa directive')}.", file=sys.stderr)
    return EXIT_ERROR if result.errors or outcome.errors else EXIT_CLEAN


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
    from loadlint.report._shared import plural

    if listed:
        for finding in result.fixed:
            where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
            print(f"  fixed {where}: {finding.code} {finding.fix.title if finding.fix else ''}".rstrip())
    print(f"Fixed {plural(len(result.fixed), 'finding')} ({len(result.findings)} remaining).")


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


def lock(args: argparse.Namespace) -> int:
    """Resolve every model id used under PATHS and write them to the lockfile."""
    from loadlint.config import CliOverrides, RunSettings
    from loadlint.engine import CheckOptions, UsageError, lock_paths

    run, settings = _configured(
        args.paths, args.config_file, CliOverrides(), True,
        RunSettings(offline=args.offline or None, lockfile=args.lockfile, timeout=args.timeout,
                    transformers=args.transformers),
    )
    options = CheckOptions(
        paths=tuple(args.paths or (".",)),
        resolver=_resolver_settings(settings),
        lockfile=settings.lockfile,
        transformers_dir=settings.transformers,
        discovery=run.discovery,
    )
    try:
        outcome = lock_paths(options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    print(f"Locked {len(outcome.locked)} model id(s) in {outcome.path}")
    for error in outcome.errors:
        print(error, file=sys.stderr)
    for use in outcome.unresolved:
        print(f"  not locked: {use.path}:{use.line}: {use.model_id or '<dynamic>'} [{use.reason}] {use.detail}")
    return EXIT_ERROR if outcome.errors else EXIT_FINDINGS if outcome.failed else EXIT_CLEAN


def model(args: argparse.Namespace) -> int:
    """Show what loadlint knows about one model id and which Auto class loads it."""
    from loadlint.config import CliOverrides, RunSettings
    from loadlint.engine import CheckOptions, UsageError
    from loadlint.facts import ModelRef
    from loadlint.model_info import look_up
    from loadlint.report.model import render_model_json, render_model_text

    _, settings = _configured(
        (), args.config_file, CliOverrides(), True,
        RunSettings(offline=args.offline or None, lockfile=args.lockfile, timeout=args.timeout,
                    transformers=args.transformers),
    )
    options = CheckOptions(
        resolver=_resolver_settings(settings), lockfile=settings.lockfile, transformers_dir=settings.transformers
    )
    try:
        report = look_up(ModelRef(args.model_id, args.revision), options)
    except UsageError as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(render_model_json(report) if args.output_format == "json" else render_model_text(report))
    if report.unresolved is not None:
        print(f"loadlint: {report.ref}: {report.unresolved.reason}: {report.unresolved.detail}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_CLEAN


def rule(args: argparse.Namespace) -> int:
    """Print a rule's documentation and examples."""
    from loadlint.rules import RULES_BY_CODE

    selected = RULES_BY_CODE.get(args.code.upper())
    if selected is None:
        raise fail(f"unknown rule {args.code!r}; known: {', '.join(RULES_BY_CODE)}")
    out = [f"# {selected.code} {selected.name} ({selected.severity})", "", selected.summary, "", selected.docs()]
    for title, examples in (("Valid (not reported)", selected.valid), ("Invalid (reported)", selected.invalid)):
        out += ["", f"## {title}"]
        for example in examples:
            out += ["```python", example.rstrip("\n"), "```"]
    print("\n".join(out))
    return EXIT_CLEAN


def list_rules(args: argparse.Namespace) -> int:
    """List every rule: code, name, severity and summary."""
    from loadlint.rules import ALL_RULES

    for item in ALL_RULES:
        print(f"{item.code}  {item.name:<24} {item.severity:<8} {item.summary}")
    return EXIT_CLEAN


def server(args: argparse.Namespace) -> int:
    """Run the language server over stdio (diagnostics, quick fixes, hover); needs loadlint[server]."""
    try:
        from loadlint.server.app import main as serve
    except ImportError as exc:
        raise fail(f"`loadlint server` needs pygls: pip install 'loadlint[server]' ({exc})") from None
    serve()
    return EXIT_CLEAN


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], Sequence[Option]]] = {
    "check": (check, CHECK_OPTIONS),
    "lock": (lock, LOCK_OPTIONS),
    "model": (model, MODEL_OPTIONS),
    "rule": (rule, (option("code", metavar="CODE", help="A rule code, e.g. LL001."),)),
    "rules": (list_rules, ()),
    "server": (server, ()),
}


class Parser(argparse.ArgumentParser):
    """argparse's parser, its usage errors worded like the others: `loadlint: error: ...`, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise fail(message)


def build_parser() -> Parser:
    """The root parser and one subparser per command; each subparser names its command's function.
    No abbreviated long options (`--out`), as with click before; check's and lock's usage line is
    short, their options are in --help."""
    root = Parser(prog="loadlint", description=DESCRIPTION, allow_abbrev=False)
    root.add_argument("--version", action="version", version=f"loadlint {__version__}",
                      help="Show the version and exit.")
    commands = root.add_subparsers(title="commands", metavar="COMMAND")
    for name, (command, options) in COMMANDS.items():
        parser = commands.add_parser(
            name, help=command.__doc__, description=command.__doc__, allow_abbrev=False,
            usage="%(prog)s [OPTIONS] [PATHS ...]" if PATHS in options else None,
        )
        for flags, settings in options:
            parser.add_argument(*flags, **settings)
        parser.set_defaults(command=command, command_parser=parser)
    return root


def parse_command_line(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line read; a usage error exits 2.  PATHS may come after options too, as click
    allowed: argparse stops filling them at the first option, so the later ones arrive as extras."""
    root = build_parser()
    args, extras = root.parse_known_args(argv)
    parser = getattr(args, "command_parser", root)
    if extras and (not hasattr(args, "paths") or any(extra.startswith("-") for extra in extras)):
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if extras:
        args.paths += extras
    if parser is root:  # no command: the help, and exit 2 as a usage error
        root.print_help()
        raise SystemExit(EXIT_ERROR)
    return args


def app(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line's command and exit with its code."""
    args = parse_command_line(argv)
    sys.exit(args.command(args))


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, pre-commit interrupted) unwinds like Ctrl-C, so a fix being
    written removes its temporary file instead of leaving it behind."""
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except BrokenPipeError:  # the reader left (`loadlint rules | head`): exit 1 without a word, as click did
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at the final flush
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001  (a crash is a one-line error with exit 2, never a traceback wall)
        print(f"loadlint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(EXIT_ERROR)
