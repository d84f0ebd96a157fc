"""Values that live outside the Python files, put into the loads once every file is extracted.

A load whose id is read from a config file (`FromConfig`) or given on a script's command line
(`FromCommandLine`) is recorded as such, and only here does it become one record per value: the
records a file's extraction produces depend on that file's bytes alone, so the content cache stays
right whatever happens to the config files and scripts, which are read afresh on every run (each
once).  The config file's line is the first step of a value's path; an invocation's, when a command
line gives it.

A relative path in `open("conf.yaml")` is relative to the working directory, which only the command
that runs the script knows.  The script's own folder is tried first (where a config named by a bare
name usually lives, and where a script meant to run from its folder finds it), then the project root
(where a script run from the root finds it): the first that holds the file is read.  A path joined
onto `__file__`'s folder, and Hydra's `config_path`, are relative to the script's folder only.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable

from loadlint.extract.configs import Composed, ConfigFileError, Document, read_document
from loadlint.extract.invocations import Invocation
from loadlint.extract.project import shown, unique_values
from loadlint.extract.values import variant
from loadlint.facts import CallSite, FileReport, FromCommandLine, FromConfig, Known, TraceStep, Unknown


def put_in_external_values(
    reports: Iterable[FileReport], root: str, invocations: Callable[[], dict[str, list[Invocation]]]
) -> None:
    """Replace each load whose id lives outside the Python files by one record per value it takes.
    `invocations()` is asked (once) only when a load's id comes from a command line."""
    outside = _Outside(root, invocations)
    for report in reports:
        if any(site.external is not None for site in report.sites):
            report.sites = [expanded for site in report.sites for expanded in outside.expand(site)]


class _Outside:
    def __init__(self, root: str, invocations: Callable[[], dict[str, list[Invocation]]]) -> None:
        self.root = root
        self._find_invocations = invocations
        self._invocations: dict[str, list[Invocation]] | None = None
        self._documents: dict[tuple[str, str], Document | Composed | ConfigFileError] = {}

    def expand(self, site: CallSite) -> list[CallSite]:
        if site.external is None:
            return [site]
        unread = dataclasses.replace(site, model_id=None, external=None, dynamic_kind=None, dynamic_detail=None)
        return [variant(unread, value) for value in unique_values(self.values(site.external))]

    def values(self, external: FromConfig | FromCommandLine) -> list[Known | Unknown]:
        if isinstance(external, FromConfig):
            return self._config_values(external)
        return self._command_line_values(external)

    # --- config files -----------------------------------------------------------------------------
    def _config_values(self, config: FromConfig) -> list[Known | Unknown]:
        folder = os.path.dirname(config.script)
        bases = (folder,) if config.anchored else (folder, self.root)
        path = self._located(config.path, bases)
        if path is None:
            where = "next to the script" + ("" if config.anchored else " or at the project root")
            return [Unknown("computed", f"{config.path}: no such file {where}", config.trace)]
        return self.read(path, config.reader, config.keys, config.trace, config.fallback)

    def read(
        self,
        path: str,
        reader: str,
        keys: tuple[str | int, ...],
        trace: tuple[TraceStep, ...],
        fallback: tuple[Known | Unknown, ...] | None = None,
        before: tuple[TraceStep, ...] = (),
    ) -> list[Known | Unknown]:
        """The value under `keys` in the file at `path`, its line first in the path (after `before`)."""
        document = self._document(path, reader)
        if isinstance(document, ConfigFileError):
            return [Unknown("computed", str(document), trace)]
        dotted = ".".join(str(key) for key in keys)
        found = document.find(keys)
        if found is None:
            if fallback is not None:
                return list(fallback)
            return [Unknown("computed", f"{shown(path)} has no `{dotted}`", trace)]
        if isinstance(found.value, str) and "${" in found.value:
            return [Unknown("computed", f"`{dotted}` in {shown(found.path)} is an interpolation", trace)]
        note = f"{dotted} = {json.dumps(found.value, default=str)}"
        return [Known(found.value, (*before, TraceStep(shown(found.path), found.line, found.column, note), *trace))]

    def _document(self, path: str, reader: str) -> Document | Composed | ConfigFileError:
        key = (path, reader)
        if key not in self._documents:
            try:
                self._documents[key] = read_document(path, reader)
            except ConfigFileError as exc:
                self._documents[key] = exc
        return self._documents[key]

    @staticmethod
    def _located(path: str, bases: tuple[str, ...]) -> str | None:
        for base in bases:
            candidate = os.path.normpath(os.path.join(base, path))
            if os.path.isfile(candidate):
                return candidate
        return None

    # --- command lines ----------------------------------------------------------------------------
    def _command_line_values(self, option: FromCommandLine) -> list[Known | Unknown]:
        """The option's default (or, required, what says so), and what each invocation of the script
        gives it: its last `--flag value`, else a recipe file's key, else the default again.  A
        required option that the project's invocations give takes their values only."""
        if self._invocations is None:
            self._invocations = self._find_invocations()
        runs = self._invocations.get(os.path.realpath(option.script), [])
        required = [Unknown("cli-required", option.detail, option.trace)]
        found: list[Known | Unknown] = list(option.default) if option.default is not None else []
        for run in runs:
            given = run.given(option.flags)
            recipe = run.recipe() if option.recipe_key is not None else None
            if given is not None:
                word, flag, value = given
                step = TraceStep(run.path, word.line, word.column, f"{flag} {value}")
                if "$" in value:
                    detail = f"{run.path}:{word.line}: `{flag} {value}` is a shell variable"
                    found.append(Unknown("cli-required", detail, option.trace))
                else:
                    found.append(Known(value, (step, *option.trace)))
            elif recipe is not None:
                found += self._recipe_values(run, recipe, option)
            elif option.default is None:
                found += required
        return found or required

    def _recipe_values(self, run: Invocation, recipe, option: FromCommandLine) -> list[Known | Unknown]:
        bases = (os.path.dirname(os.path.abspath(run.path)), self.root)
        path = self._located(recipe.text, bases)
        if path is None:
            return [Unknown("computed", f"{recipe.text}: no such file (given in {run.path}:{recipe.line})")]
        step = TraceStep(run.path, recipe.line, recipe.column, f"{os.path.basename(run.script)} {recipe.text}")
        reader = "json" if path.endswith(".json") else "yaml"
        assert option.recipe_key is not None
        return self.read(path, reader, (option.recipe_key,), option.trace, option.default, before=(step,))

