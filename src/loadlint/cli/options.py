"""The command line's options: the argparse settings of each, and the value parsers they share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loadlint.report import FORMATS  # the names only: a format's module is imported when it renders
from loadlint.runtime import DEVICES, MODES, RuntimeOptions

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


