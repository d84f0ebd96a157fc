"""The project's invocations of its scripts: which script each command line runs, with which options.

Each command line (`extract.invocation_files`) is split into shell words by `shlex` (POSIX rules, the
control operators `&&`, `||`, `;`, `|` as words of their own, so that `cd x && python run.py` is two
commands), one physical line at a time so each word keeps its line.  A command runs a script when
it is `python [options] script.py` or `python -m pkg.module` (after `NAME=value` assignments and
`exec`, `nohup`, `time`, `env`, `uv run`), or a launcher (`accelerate launch`, `torchrun`,
`deepspeed`, `python -m torch.distributed.run`) followed by its options and the first `*.py` word
(or `-m module`).  The script is looked for next to the file that runs it, then at the project root;
a module below the root or its `src/`.  A shell script's own `NAME=value` assignments are put in for
`$NAME` / `${NAME}` in the commands below them; a word with another `$` is not a value loadlint knows.
"""

from __future__ import annotations

import os
import re
import shlex
from collections import defaultdict
from dataclasses import dataclass

from loadlint.discover import DiscoveryOptions
from loadlint.extract.invocation_files import CommandText, command_texts, invocation_files
from loadlint.extract.project import shown

CONTROL_OPERATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"})
WRAPPERS = frozenset({"exec", "nohup", "time", "env", "command"})
LAUNCHERS = frozenset({"torchrun", "deepspeed"})
LAUNCHER_MODULES = frozenset({"torch.distributed.run", "torch.distributed.launch", "accelerate.commands.launch"})
PYTHON_OPTIONS_WITH_VALUES = frozenset({"-W", "-X", "-Q"})
RECIPE_SUFFIXES = (".yaml", ".yml", ".json")
_PYTHON = re.compile(r"python(\d+(\.\d+)?)?")
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=")
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(frozen=True)
class Word:
    """A shell word of an invocation, and the line (and the line's first column) it is on."""

    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Invocation:
    """One command line that runs a project script (`script`, absolute) with `arguments`."""

    path: str
    script: str
    program: Word
    arguments: tuple[Word, ...]

    def given(self, flags: tuple[str, ...]) -> tuple[Word, str, str] | None:
        """The last of the arguments that set one of `flags` (`--flag value`, `--flag=value`): the word
        and the flag and value it gives, or None when none does (the last occurrence wins)."""
        found = None
        for flag, value, word in self._options():
            if flag in flags and value is not None:
                found = (word, flag, value)
        return found

    def recipe(self) -> Word | None:
        """A recipe file the script is given: `--config recipe.yaml`, or a sole `recipe.yaml` argument."""
        config = self.given(("--config",))
        if config is not None:
            return Word(config[2], config[0].line, config[0].column)
        if len(self.arguments) == 1 and self.arguments[0].text.endswith(RECIPE_SUFFIXES):
            return self.arguments[0]
        return None

    def _options(self) -> list[tuple[str, str | None, Word]]:
        options = []
        words = self.arguments
        index = 0
        while index < len(words):
            word = words[index]
            index += 1
            if not word.text.startswith("--"):
                continue
            flag, equals, value = word.text.partition("=")
            if not equals and index < len(words) and not words[index].text.startswith("-"):
                value, equals = words[index].text, "="
                index += 1
            options.append((flag, value if equals else None, word))
        return options


def project_invocations(root: str, options: DiscoveryOptions) -> dict[str, list[Invocation]]:
    """Every invocation of a project script under `root`, by the script's real path."""
    by_script: dict[str, list[Invocation]] = defaultdict(list)
    for path in invocation_files(root, options):
        variables: dict[str, str] = {}
        for command in command_texts(path, shown(path)):
            for words in _simple_commands(_words(command)):
                invocation = _invocation(words, command.path, os.path.dirname(path), root, variables)
                if invocation is not None:
                    by_script[invocation.script].append(invocation)
    return by_script


def _words(command: CommandText) -> list[Word]:
    """The command's shell words, each with its line; an unbalanced quote splits the joined text."""
    words: list[Word] = []
    try:
        for line, column, text in command.lines:
            words += [Word(word, line, column) for word in _split(text)]
    except ValueError:
        line, column, _ = command.lines[0]
        try:
            words = [Word(word, line, column) for word in _split(" ".join(text for *_, text in command.lines))]
        except ValueError:
            return []
    return words


def _split(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def _simple_commands(words: list[Word]) -> list[list[Word]]:
    commands: list[list[Word]] = [[]]
    for word in words:
        if word.text in CONTROL_OPERATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    return [command for command in commands if command]


def _invocation(
    words: list[Word], path: str, folder: str, root: str, variables: dict[str, str]
) -> Invocation | None:
    """The script a simple command runs, if it is a project file; `NAME=value` alone sets a variable."""
    words = [Word(_expanded(word.text, variables), word.line, word.column) for word in words]
    if all(_ASSIGNMENT.match(word.text) for word in words):
        variables.update(word.text.split("=", 1) for word in words)  # type: ignore[misc]
        return None
    while words and (_ASSIGNMENT.match(words[0].text) or words[0].text in WRAPPERS):
        words = words[1:]
    if len(words) > 1 and words[0].text == "uv" and words[1].text == "run":
        words = words[2:]
    target = _target(words)
    if target is None:
        return None
    index, module = target
    script = _module_file(words[index].text, root) if module else _script_file(words[index].text, folder, root)
    if script is None:
        return None
    return Invocation(path, script, words[0], tuple(words[index + 1 :]))


def _expanded(text: str, variables: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda match: variables.get(match[1] or match[2], match[0]), text)


def _target(words: list[Word]) -> tuple[int, bool] | None:
    """Where the script (or, True, the module) is among the words, when they run one."""
    if not words:
        return None
    program = os.path.basename(words[0].text)
    launcher = program in LAUNCHERS or (program == "accelerate" and len(words) > 1 and words[1].text == "launch")
    if _PYTHON.fullmatch(program):
        index = 1
        while index < len(words) and words[index].text.startswith("-"):
            option = words[index].text
            if option == "-m" and index + 1 < len(words):
                if words[index + 1].text not in LAUNCHER_MODULES:
                    return index + 1, True
                launcher = True
                break
            if option == "-c":
                return None
            index += 2 if option in PYTHON_OPTIONS_WITH_VALUES else 1
        if not launcher:
            return (index, False) if index < len(words) and words[index].text.endswith(".py") else None
    if not launcher:
        return None
    for index, word in enumerate(words[1:], 1):
        if word.text.endswith(".py"):
            return index, False
        module = words[index + 1].text if word.text in ("-m", "--module") and index + 1 < len(words) else "-"
        if not module.startswith("-") and module not in LAUNCHER_MODULES:
            return index + 1, True
    return None


def _script_file(word: str, folder: str, root: str) -> str | None:
    for base in (folder, root):
        candidate = os.path.join(base, word)
        if os.path.isfile(candidate):
            return os.path.realpath(candidate)
    return None


def _module_file(module: str, root: str) -> str | None:
    parts = module.split(".")
    for base in (root, os.path.join(root, "src")):
        for candidate in (os.path.join(base, *parts) + ".py", os.path.join(base, *parts, "__main__.py")):
            if os.path.isfile(candidate):
                return os.path.realpath(candidate)
    return None
