"""The project modules a file imports, as files: where the functions it calls are defined.

A pre-commit run names only the changed files.  When one of them passes an id to a helper of
another module (`from .models import load; load("gpt2")`), that helper's load is where the class is
wrong; the engine reads the modules found here, and only those, to link the call to the load.
Imports are read with `ast` and resolved the way Python would from the file's package: relative
imports from its package, absolute ones from the folder above its top-level package (and from the
project's folder and its `src/`).
"""

from __future__ import annotations

import ast
import os

from loadlint.extract.project import module_name
from loadlint.limits import stdlib_parse
from loadlint.source import decode


def imported_files(path: str, data: bytes, roots: tuple[str, ...] = ()) -> list[str]:
    """The existing `.py` files of the modules the file at `path` (`data`, its bytes) imports, in order, once each.
    Absolute imports are also looked for under `roots` (the project's folder and its `src/`, where an
    installed package of the project lives)."""
    try:
        tree = stdlib_parse(decode(data).text)
    except (SyntaxError, ValueError, LookupError, RecursionError):
        return []
    dotted = module_name(path)
    package = dotted.split(".")[:-1] if os.path.basename(path) != "__init__.py" else dotted.split(".")
    base = os.path.dirname(os.path.abspath(path))
    for _ in package:
        base = os.path.dirname(base)
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        relative = isinstance(node, ast.ImportFrom) and node.level > 0
        for module in _modules(node, package):
            for folder in (base,) if relative else dict.fromkeys((base, *roots)):
                for candidate in _files_of(folder, module):
                    found.setdefault(candidate)
    own = os.path.abspath(path)
    return [file for file in found if file != own]


def _modules(node: ast.AST, package: list[str]) -> list[list[str]]:
    """The dotted modules an import statement may load (for `from m import n`: `m` and `m.n`)."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".") for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        if node.level - 1 > len(package):
            return []
        parent = package[: len(package) - (node.level - 1)]
        module = [*parent, *(node.module.split(".") if node.module else [])]
    else:
        module = node.module.split(".") if node.module else []
    if not module:
        return []
    return [module, *([*module, alias.name] for alias in node.names if alias.name != "*")]


def _files_of(base: str, module: list[str]) -> list[str]:
    folder = os.path.join(base, *module)
    return [file for file in (folder + ".py", os.path.join(folder, "__init__.py")) if os.path.isfile(file)]
