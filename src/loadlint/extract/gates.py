"""The cheap gates, before any libcst: most files never get past them.

1. bytes: for no library (transformers, huggingface_hub, datasets) both an import line and the name
   of one of its loading calls (`from_pretrained`, `pipeline`, `hf_hub_download`, `snapshot_download`,
   `load_dataset`) -> skipped unread;
2. stdlib `ast` (about 8x cheaper than libcst): no such call rooted in an absolute import of its
   library -> skipped.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass

from loadlint.facts import CallKind


@dataclass(frozen=True)
class HubFunction:
    """A download function Bandit's B615 judges besides `from_pretrained`: its library, the kind of
    call site it makes and the keyword that names its repo (else the first positional argument)."""

    library: str
    kind: CallKind
    repo_keyword: str


HUB_FUNCTIONS: dict[str, HubFunction] = {
    "hf_hub_download": HubFunction("huggingface_hub", "hub_download", "repo_id"),
    "snapshot_download": HubFunction("huggingface_hub", "hub_download", "repo_id"),
    "load_dataset": HubFunction("datasets", "dataset", "path"),
}


def _calls_by_library() -> dict[str, frozenset[str]]:
    calls: dict[str, set[str]] = {"transformers": {"from_pretrained", "pipeline"}}
    for name, function in HUB_FUNCTIONS.items():
        calls.setdefault(function.library, set()).add(name)
    return {library: frozenset(names) for library, names in calls.items()}


def _import_line(library: str) -> re.Pattern[bytes]:
    """An absolute import of `library` at the start of a line (possibly indented, possibly in a
    docstring: the ast gate sorts those out)."""
    name = re.escape(library).encode()
    return re.compile(
        rb"^(?:\xef\xbb\xbf)?[ \t]*(?:from[ \t]+" + name + rb"\b|import[ \t]+[\w., \t]*\b" + name + rb"\b)", re.M
    )


# The calls (attributes, or functions imported by name) that can make a call site, per library.
LIBRARY_CALLS = _calls_by_library()
ALL_LIBRARIES = frozenset(LIBRARY_CALLS)
# Model loads only: what every rule but the download-pinning one (LL031) reads.
MODEL_LIBRARIES = frozenset({"transformers"})
# A file can hold a call site only if, for one library, it names one of its calls and imports it.
PREFILTER: dict[str, tuple[tuple[bytes, ...], re.Pattern[bytes]]] = {
    library: (tuple(name.encode() for name in sorted(names)), _import_line(library))
    for library, names in LIBRARY_CALLS.items()
}
def may_load_models(tree: ast.Module, libraries: frozenset[str] = ALL_LIBRARIES) -> bool:
    """Cheap stdlib check: a loading call rooted in an absolute import of its library.

    `M.from_pretrained(...)`, `tf.AutoModel.from_pretrained(...)`, `tf.pipeline(...)`,
    `make_pipeline(...)`, `hh.snapshot_download(...)` and `ld(...)` qualify when `M`, `tf`,
    `make_pipeline`, `hh`, `ld` come from an absolute import of the library the call belongs to
    (`LIBRARY_CALLS`, among `libraries`); `model.from_pretrained` on anything else does not.
    Shadowing is left to libcst.
    """
    roots: dict[str, set[str]] = defaultdict(set)  # library -> the names its imports bind
    functions: set[str] = set()  # names bound to a loading function (`pipeline`, `load_dataset`)
    calls: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                library = library_of(alias.name)
                if library in libraries:
                    roots[library].add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            library = library_of(node.module or "")
            if library not in libraries:
                continue
            names = LIBRARY_CALLS[library]
            roots[library].update(a.asname or a.name for a in node.names)
            functions.update(a.asname or a.name for a in node.names if a.name in names)
            if any(a.name == "*" for a in node.names):
                functions.update(names)
        elif isinstance(node, ast.Call):
            calls.append(node.func)
    return any(
        (isinstance(func, ast.Name) and func.id in functions)
        or (
            isinstance(func, ast.Attribute)
            and any(
                func.attr in LIBRARY_CALLS[library] and (_root_name(func) in names or "*" in names)
                for library, names in roots.items()
            )
        )
        for func in calls
    )


def _root_name(func: ast.expr) -> str | None:
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def is_transformers_module(name: str) -> bool:
    return library_of(name) == "transformers"


def library_of(module: str) -> str | None:
    """The library of `LIBRARY_CALLS` that a module (or a name imported from one) belongs to."""
    library = module.partition(".")[0]
    return library if library in LIBRARY_CALLS else None


def passes_byte_prefilter(data: bytes, libraries: frozenset[str] = ALL_LIBRARIES) -> bool:
    """For one of `libraries`, the file names one of its loading calls and has a line importing it."""
    return any(
        any(token in data for token in tokens) and import_line.search(data) is not None
        for tokens, import_line in (PREFILTER[library] for library in libraries)
    )


LOADER_NAME = re.compile(r"^(TF|Flax)?Auto[A-Z]\w*$")


def is_removed_auto_class(name: str) -> bool:
    """Auto class spellings worth recording even when this transformers lacks them (TF, Flax, v4)."""
    return bool(LOADER_NAME.match(name))
