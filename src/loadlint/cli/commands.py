"""The commands: each reads its options, makes one engine call and prints through one reporter.
The engine, configuration, rules and reporters are imported inside them, for start-up time."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from loadlint.cli.options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from loadlint.report import FORMATS  # the names only: a format's module is imported when it renders
from loadlint.runtime import RuntimeOptions, RuntimeUnavailable, require_runtime


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
    from loadlint.config import SETTINGS_FILES
    from loadlint.watch import WatchUnavailable, watch

    read = [args.config_file, args.lockfile, *SETTINGS_FILES]  # those in the working directory are found by name
    from loadlint.config import RunSettings

    run, _ = _configured(args.paths, args.config_file, _overrides(args), args.respect_gitignore, RunSettings())
    try:
        return watch(args.paths or (".",), [str(p) for p in read if p and os.path.exists(p)], run.discovery.included,
                     lambda: _check_once(args))
    except WatchUnavailable as exc:
        raise fail(str(exc)) from None


def _check_once(args: argparse.Namespace) -> int:
    from loadlint.config import RunSettings
    from loadlint.engine import CheckOptions, UsageError, run_check
    from loadlint.report._shared import plural

    run, settings = _configured(
        args.paths, args.config_file, _overrides(args), args.respect_gitignore,
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


def _overrides(args: argparse.Namespace):
    """What the command line says about selection and discovery."""
    from loadlint.config import CliOverrides

    return CliOverrides(
        select=args.select, extend_select=args.extend_select or (), ignore=args.ignore or (),
        force_exclude=args.force_exclude, extension=args.extension or (),
    )


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


