"""The cheap gates, before any libcst: most files never get past them.

1. bytes: for no library (transformers, peft, huggingface_hub, datasets), in the file's code (comments and
   strings cut out by a regex), an import of it and a call of one of its loading functions
   (`from_pretrained`, `pipeline`, `hf_hub_download`, `snapshot_download`, `load_dataset`) by a name
   that import binds -> skipped unparsed;
2. stdlib `ast` (about 8x cheaper than libcst): no such call rooted in an absolute import of its
   library -> skipped.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable
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
    calls: dict[str, set[str]] = {"transformers": {"from_pretrained", "pipeline"}, "peft": {"from_pretrained"}}
    for name, function in HUB_FUNCTIONS.items():
        calls.setdefault(function.library, set()).add(name)
    return {library: frozenset(names) for library, names in calls.items()}


# The calls (attributes, or functions imported by name) that can make a call site, per library.
LIBRARY_CALLS = _calls_by_library()
ALL_LIBRARIES = frozenset(LIBRARY_CALLS)
# Model loads only (transformers', and peft's AutoPeftModel* that load an adapter on its base): what
# every rule but the download-pinning one (LL031) reads.
MODEL_LIBRARIES = frozenset({"transformers", "peft"})

# Python's syntax as the byte gate reads it, in regex source (compiled to bytes patterns by `_bytes`).
# Any byte of a non-ASCII character counts as part of a name.
_NAME_BYTE = r"[\w\x80-\xff]"
_NAME = r"[A-Za-z_\x80-\xff][\w\x80-\xff]*"
_GAP = r"(?:[ \t\f\v]|\\(?:\r\n|\r|\n))"  # between the words of one logical line
_STATEMENT_START = rf"[\r\n;:]{_GAP}*"  # after a line break, a `;` or the `:` of a one-line block
_REST_OF_LINE = r"[^;\r\n\\]*(?:\\(?:\r\n|\r|\n)[^;\r\n\\]*)*"
_CALL_GAP = r"[\s\\)]*"  # between the parts of a call: blanks, line breaks, closing parentheses
_BOM = b"\xef\xbb\xbf"
# Each mention of a name is read on for at most so much, or a file of mentions would cost their
# number times its length; what goes on longer is let through.
_LONGEST_LIST = 200  # bytes of `import` list, read back from the library's name
_LONGEST_CHAIN = 16  # attributes between a call's root and the call


def _bytes(pattern: str, flags: int = 0) -> re.Pattern[bytes]:
    return re.compile(pattern.encode("latin-1"), flags)


def _words(words: Iterable[bytes]) -> str:
    """Any one of `words`, as a whole name."""
    alternatives = "|".join(re.escape(word.decode("latin-1")) for word in words)
    return rf"(?<!{_NAME_BYTE})(?:{alternatives})(?!{_NAME_BYTE})"


# A comment, a string literal (its prefix stays in the code before it), or a quote that opens none.
_LEXEME = _bytes(
    r"(#[^\r\n]*"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'"
    r"|[\"'])",
    re.S,
)
# The end of the code before a literal that holds no code: no prefix, or only r, b, u, rb, br.  f- and
# t-strings hold code in their fields, so they stay, as does a literal after any other name.
_PLAIN_PREFIX = _bytes(r"(?:\A|[^\w\x80-\xff])(?:[rRbBuU]|[rR][bB]|[bB][rR])?\Z")
_BRACES = re.compile(rb"\{\{|\}\}|[{}]")
_IMPORT_STATEMENT = _bytes(
    rf"{_STATEMENT_START}(?:"
    rf"from{_GAP}+(?P<module>{_NAME})(?:{_GAP}*\.{_GAP}*{_NAME})*{_GAP}+import{_GAP}*"
    rf"(?P<names>\([^)]*\)|{_REST_OF_LINE})"
    rf"|import{_GAP}+(?P<modules>{_REST_OF_LINE}))"
)
_IMPORT_ITEM = _bytes(
    rf"[\s\\]*(?P<name>{_NAME}|\*)(?:[\s\\]*\.[\s\\]*{_NAME})*(?:[\s\\]+as[\s\\]+(?P<alias>{_NAME}))?[\s\\]*"
)


@dataclass(frozen=True)
class LibraryPrefilter:
    """The byte gate for one library: the names of its loading calls, and an import of it where a
    statement can begin, searched in the file's bytes reversed (`backwards`): there the pattern
    starts with the library's name, a literal `re` finds fast, where forward it would be tried at
    every line break (five times slower on the transformers tree)."""

    library: bytes
    calls: frozenset[bytes]
    import_backwards: re.Pattern[bytes]

    @classmethod
    def of(cls, library: str, calls: Iterable[str]) -> LibraryPrefilter:
        # `[\r\n;:] GAP* (from GAP+ | import GAP+ [names . , blanks]*) library (?!name byte)`, reversed;
        # at the start of the file, after a BOM if there is one.
        name = re.escape(library[::-1])
        gap = r"(?:[ \t\f\v]|(?:\n\r|\r|\n)\\)"
        list_byte = r"(?:[\w\x80-\xff .,\t\f\v]|(?:\n\r|\r|\n)\\)"
        bom = re.escape(_BOM[::-1].decode("latin-1"))
        statement = rf"(?:{gap}+morf|{list_byte}{{0,{_LONGEST_LIST}}}?{gap}+tropmi){gap}*(?:[\r\n;:]|(?:{bom})?\Z)"
        return cls(
            library.encode(),
            frozenset(call.encode() for call in calls),
            _bytes(rf"{name}(?<!{_NAME_BYTE}{name})(?!{_NAME_BYTE})(?:{statement}|{list_byte}{{{_LONGEST_LIST}}})"),
        )

    def named_in(self, data: bytes) -> bool:
        """The cheapest look: the library's name and one of its calls' appear at all."""
        return self.library in data and any(call in data for call in self.calls)

    def imported_in(self, backwards: bytes) -> bool:
        """An import where a statement can begin, in the code or in a string (where doctest lines,
        `>>> from transformers import ...`, do not begin one)."""
        return self.import_backwards.search(backwards) is not None

    def called_in(self, code: bytes, imports: list[re.Match[bytes]]) -> bool:
        """A call in `code` that `may_load_models` takes for one of this library's: one of its calls
        by a name an import binds it to, or as an attribute of a name one of its imports binds
        (`tf.AutoModel.from_pretrained(`); True where an import of it is beyond this reading."""
        patterns = self._call_patterns(imports)
        if patterns is None:
            return True
        return bool(patterns) and _bytes("|".join(patterns)).search(code) is not None

    def _call_patterns(self, imports: list[re.Match[bytes]]) -> list[str] | None:
        """The calls of this library's that its imports make possible; None for an import of it whose
        list this reading does not follow."""
        names: set[bytes] = set()  # every name its imports bind
        functions: set[bytes] = set()  # the names bound to one of its calls
        star = False
        for statement in imports:
            module = statement["module"]
            listed = statement["modules"] if module is None else statement["names"]
            from_library = module == self.library  # from library.sub import name as alias, *
            if not (from_library or (module is None and self.library in listed)):  # import os, library.sub
                continue
            items = _import_items(listed)
            if items is None:
                return None
            for name, alias in items:
                star = star or (from_library and name == b"*")
                if from_library or name == self.library:
                    names.add(alias or name)
                    if from_library and name in self.calls:
                        functions.add(alias or name)
        root = r"(?<!\.)"  # a name right after a `.` is an attribute
        dot, called = rf"{_CALL_GAP}\.[\s\\]*", rf"{_CALL_GAP}\("
        patterns = [rf"{root}{_words(functions)}{called}"] if functions else []
        if names:
            attributes = rf"(?:{dot}{_NAME}){{0,{_LONGEST_CHAIN}}}{dot}{_words(self.calls)}{called}"
            patterns.append(rf"{root}{_words(names)}(?:{attributes}|(?:{dot}{_NAME}){{{_LONGEST_CHAIN}}})")
        if star:  # each of its calls by name, and as an attribute of anything
            patterns.append(rf"{_words(self.calls)}{called}")
        return patterns


PREFILTER = {library: LibraryPrefilter.of(library, calls) for library, calls in LIBRARY_CALLS.items()}


def passes_byte_prefilter(data: bytes, libraries: frozenset[str] = ALL_LIBRARIES) -> bool:
    """Every file `may_load_models` accepts, and few more, told from the bytes without a parse.

    For one of `libraries`: the bytes name it and one of its calls, and import it where a statement
    can begin; then the file's code, its comments and plain strings cut out, imports it and calls
    one of its loading functions by a name that import binds.  A file whose code cannot be cut out
    for sure (a quote that opens no literal, an f-string with its own quote inside, an encoding
    other than UTF-8) is let through.
    """
    named = [PREFILTER[library] for library in libraries if PREFILTER[library].named_in(data)]
    if not named:
        return False
    backwards = data[::-1]
    imported = [prefilter for prefilter in named if prefilter.imported_in(backwards)]
    if not imported:
        return False
    code = _code_view(data)
    if code is None:
        return True
    called = [prefilter for prefilter in imported if prefilter.named_in(code)]
    imports = list(_IMPORT_STATEMENT.finditer(code)) if called else []
    return any(prefilter.called_in(code, imports) for prefilter in called)


def _code_view(data: bytes) -> bytes | None:
    """The file's code with its comments and the literals that hold no code cut out (each cut is a
    blank), after a line break so that the first statement starts like any other; None where the
    cut cannot be trusted, and for a file that does not decode (the next gate reports it)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding not in ("utf-8", "utf-8-sig"):  # a multi-byte character may hold a quote's or `\`'s byte
            return None
        data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError):
        return None
    pieces = _LEXEME.split(data.removeprefix(_BOM))
    kept = [b"\n"]
    for index in range(1, len(pieces), 2):
        before, lexeme = pieces[index - 1], pieces[index]
        kept.append(before)
        if lexeme.startswith(b"#"):
            continue
        if len(lexeme) == 1:  # a quote that opens no literal: a syntax error, or a literal misread
            return None
        if _PLAIN_PREFIX.search(before[-3:]):
            continue
        if _ends_in_a_field(lexeme):
            return None
        kept.append(lexeme)
    kept.append(pieces[-1])
    return b" ".join(kept)


def _ends_in_a_field(literal: bytes) -> bool:
    """An f-string that `_LEXEME` ended inside a replacement field: since Python 3.12 a field may
    hold the string's own quote, which the lexeme takes for the string's end."""
    depth = 0
    for brace in _BRACES.findall(literal):
        if depth or len(brace) == 1:  # outside a field, `{{` and `}}` are literal braces
            depth = max(0, depth + len(brace) * (1 if brace.startswith(b"{") else -1))
    return depth > 0


def _import_items(listed: bytes) -> list[tuple[bytes, bytes | None]] | None:
    """(name, alias) per item of an import's list (a module's first name for `import a.b`); None
    when an item is not a plain `name [as alias]`."""
    items = []
    for item in listed.strip(b"()").split(b","):
        if not item.strip(b" \t\f\v\r\n\\"):
            continue
        match = _IMPORT_ITEM.fullmatch(item)
        if match is None:
            return None
        items.append((match["name"], match["alias"]))
    return items


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


LOADER_NAME = re.compile(r"^(TF|Flax)?Auto[A-Z]\w*$")


def is_removed_auto_class(name: str) -> bool:
    """Auto class spellings worth recording even when this transformers lacks them (TF, Flax, v4)."""
    return bool(LOADER_NAME.match(name))
