"""The command line: options in, one engine call, one reporter, an exit code out.

Exit codes: 0 no findings, 1 findings, 2 usage error, unreadable file or internal error.

Built on argparse: `options` holds every option's settings, `commands` the command functions, this
module the parser and the entry point.  The engine, configuration, rules and reporters are imported
by the commands that use them, for start-up time: `loadlint --version` loads no more than the parser, `rules` and
`rule` no more than the rules, and a pre-commit hook's `check` only the reporter it prints with.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from loadlint import __version__
from loadlint.cli.commands import check, fail, list_rules, lock, model, rule, server
from loadlint.cli.options import (
    CHECK_OPTIONS,
    DESCRIPTION,
    EXIT_ERROR,
    LOCK_OPTIONS,
    MODEL_OPTIONS,
    PATHS,
    Option,
    option,
)

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
