"""Suppression comments: which findings they silence, and which of them silence nothing (LL100).

The forms users write are documented on the rule (`loadlint rule LL100`).  Precisely:
- Comments are read with `tokenize`, so `# noqa` inside a string is not a comment; a file tokenize
  cannot read has no suppressions.  A comment is split into segments at each `#` that follows
  whitespace and precedes a word (`# type: ignore  # noqa: LL001` holds two), and a directive is
  one whole segment, so removing it leaves the other segments a valid comment.
- `# noqa` (or `# NOQA`) covers its own line.  Its codes are `[A-Za-z]+[0-9]+` words; those matching
  `LL\\d{3}` exactly (case-sensitive) are loadlint's, the rest belong to other tools.  Without codes
  (as in flake8, also when the colon is followed by no code) it is a blanket that silences every
  finding on the line and is never judged: other tools may own it.  Rule names are not accepted
  here: flake8 would read `# noqa: partial-load` as a blanket.
- `# loadlint: ignore[...]` covers its own line when it trails code, else the next logical line
  (every physical line of the next statement, or of the rest of the enclosing one when the comment
  sits inside brackets).  `# loadlint: noqa[...]` covers the whole file when it stands alone, else
  its own line.  Every entry in the brackets is loadlint's: a code, a rule name, or unknown.
  Without brackets the form is a blanket over every loadlint code, and must then end its segment or
  be followed by ` -- reason` (`# loadlint: ignore LL001` is no directive); empty brackets are none.
- A finding is covered when any line of its span is.  Every directive that covers a finding counts
  as used, so a redundant pair is never reported.
- LL100 judges an entry only if its rule ran on the file (`judged_codes`), and, when the rule needs
  the model, only if no covered line holds a call that could not be resolved (`unjudgeable_lines`).
  Unknown entries are always reported.  A `# loadlint:` blanket is judged as a whole: stale when it
  silenced nothing and every rule could be judged.  `LL100` entries are never judged; they silence
  the LL100 finding about their own comment, as does a directive covering the comment's line or a
  blanket there, unless that blanket is the stale one.
"""

from __future__ import annotations

import io
import itertools
import re
import tokenize
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from loadlint.facts import Span
from loadlint.findings import Finding
from loadlint.fixes import NEWLINE, Edit, Fix, ReplaceSpan
from loadlint.rules import RULES_BY_CODE
from loadlint.rules.unused_suppression import UnusedSuppression

MARKERS = ("noqa", "NOQA", "loadlint:")
# Without a finding to silence, a file needs tokenizing only when a comment may name a loadlint
# code (for LL100): a namespaced directive, or a noqa list holding an LL code.
OWN_NOQA = re.compile(rb"(?:noqa|NOQA)\s*:[^\n]*LL\d{3}")


def may_name_own_code(data: bytes) -> bool:
    """Whether a comment of the file may name a loadlint code: substring tests first, as the
    regex alone costs more than the byte gate over a large tree."""
    if b"loadlint:" in data:
        return True
    return (b"noqa" in data or b"NOQA" in data) and OWN_NOQA.search(data) is not None
LOADLINT_CODE = re.compile(r"LL\d{3}")
SEGMENT_START = re.compile(r"(?:^|(?<=\s))#(?=\s*[A-Za-z])")
NOQA = re.compile(r"#\s*(?:noqa|NOQA)(?![\w-])(?:\s*:\s*(?P<list>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?")
LOADLINT = re.compile(r"#\s*loadlint:\s*(?P<kind>ignore|noqa)(?:\s*\[(?P<list>[^\]]*)\]|(?=\s*(?:--|$)))")
NOQA_CODE = re.compile(r"[A-Za-z]+[0-9]+")
BRACKET_ENTRY = re.compile(r"[^,\s]+")
NOT_CODE = frozenset({tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT})
CODES_BY_NAME = {rule.name: code for code, rule in RULES_BY_CODE.items()}
UNUSED = UnusedSuppression()


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression in a comment.

    `line` is its comment's line; `entries` are as written (codes, rule names, other tools' codes),
    none makes a blanket.  `lines` are the lines it covers, None for the whole file.  `start`/`end`
    delimit its segment in the comment and `list_start`/`list_end` its entries, so a fix can rewrite
    just those.
    """

    line: int
    namespaced: bool  # a `# loadlint: ...` form: every entry is loadlint's
    entries: tuple[str, ...]
    lines: frozenset[int] | None
    start: int
    end: int
    list_start: int
    list_end: int

    @property
    def blanket(self) -> bool:
        return not self.entries

    def owns(self, entry: str) -> bool:
        return self.namespaced or LOADLINT_CODE.fullmatch(entry) is not None

    @property
    def codes(self) -> frozenset[str]:
        """The rule codes it silences."""
        if self.blanket:
            return frozenset(RULES_BY_CODE)
        return frozenset(code for entry in self.entries if self.owns(entry) and (code := rule_code(entry)))

    def covers(self, lines: Collection[int]) -> bool:
        """Whether it covers any of `lines` (a whole-file directive covers any line there is)."""
        return bool(lines) if self.lines is None else not self.lines.isdisjoint(lines)

    def suppresses(self, finding: Finding) -> bool:
        return finding.code in self.codes and self.covers(lines_of(finding.span))


@dataclass(frozen=True, slots=True)
class SuppressionComment:
    """A comment holding at least one directive; columns are 1-based, `end_column` exclusive."""

    line: int
    column: int
    end_column: int
    gap_column: int  # where the whitespace before a trailing comment starts
    own_line: bool
    text: str
    directives: tuple[Directive, ...]


@dataclass(frozen=True, slots=True)
class Suppressions:
    """Every suppression comment of one file, in source order."""

    comments: tuple[SuppressionComment, ...] = ()


def rule_code(entry: str) -> str | None:
    """The rule code an entry names (a code or a rule name), or None when it names no rule."""
    if entry in RULES_BY_CODE:
        return entry
    return CODES_BY_NAME.get(entry)


def lines_of(span: Span) -> range:
    """Every line of a span: the lines a suppression may sit on (pass these as `unjudgeable_lines`)."""
    return range(span.line, span.end_line + 1)


def parse_suppressions(text: str) -> Suppressions:
    """The suppression comments of a file; a file without the marker words is not tokenized."""
    if not any(marker in text for marker in MARKERS):
        return Suppressions()
    try:
        scanned = _scan(text)
    except (tokenize.TokenError, SyntaxError):
        return Suppressions()
    physical = NEWLINE.split(text)
    comments = []
    for token, own_line, next_statement in scanned:
        line, column = token.start
        directives = tuple(_directives(token.string, line, own_line, next_statement))
        if directives:
            before = physical[line - 1][:column]
            comments.append(
                SuppressionComment(
                    line=line,
                    column=column + 1,
                    end_column=token.end[1] + 1,
                    gap_column=len(before.rstrip(" \t\f")) + 1,
                    own_line=own_line,
                    text=token.string,
                    directives=directives,
                )
            )
    return Suppressions(tuple(comments))


def _scan(text: str) -> list[tuple[tokenize.TokenInfo, bool, frozenset[int]]]:
    """Comments that may hold a directive: each with whether it stands alone and the lines of the
    logical line that follows it (from the next code token to the end of its statement)."""
    comments: list[tuple[tokenize.TokenInfo, bool]] = []
    next_lines: dict[int, frozenset[int]] = {}
    waiting: list[int] = []  # standalone comments not yet followed by code
    started: list[tuple[int, int]] = []  # (comment, first line of the code after it) until NEWLINE
    last_code_line = 0
    # newline=None: a lone \r ends a line, as CPython and libcst count lines
    for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
        if token.type == tokenize.COMMENT:
            if any(marker in token.string for marker in MARKERS):
                own_line = last_code_line != token.start[0]
                if own_line:
                    waiting.append(len(comments))
                comments.append((token, own_line))
        elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            next_lines.update((index, frozenset(range(first, token.start[0] + 1))) for index, first in started)
            started = []
        elif token.type not in NOT_CODE:
            last_code_line = token.end[0]
            started += [(index, token.start[0]) for index in waiting]
            waiting = []
    return [(token, own_line, next_lines.get(index, frozenset())) for index, (token, own_line) in enumerate(comments)]


def _directives(comment: str, line: int, own_line: bool, next_statement: frozenset[int]) -> Iterable[Directive]:
    bounds = [match.start() for match in SEGMENT_START.finditer(comment)] + [len(comment)]
    for start, end in itertools.pairwise(bounds):
        segment = comment[start:end]
        if match := NOQA.match(segment):
            entries, lines = NOQA_CODE.findall(match["list"] or ""), frozenset({line})
        elif match := LOADLINT.match(segment):
            entries = BRACKET_ENTRY.findall(match["list"] or "")
            if match["list"] is not None and not entries:
                continue  # `ignore[]` names nothing; it is no blanket
            standalone_lines = next_statement if match["kind"] == "ignore" else None
            lines = standalone_lines if own_line else frozenset({line})
        else:
            continue
        list_start, list_end = match.span("list")
        yield Directive(
            line=line,
            namespaced=match.re is LOADLINT,
            entries=tuple(entries),
            lines=lines,
            start=start,
            end=end,
            list_start=start + list_start if match["list"] is not None else -1,
            list_end=start + list_end if match["list"] is not None else -1,
        )


def apply_suppressions(
    path: str,
    text: str,
    findings: list[Finding],
    *,
    judged_codes: frozenset[str],
    unjudgeable_lines: frozenset[int],
) -> list[Finding]:
    """The findings no comment suppresses, plus (when LL100 ran) one LL100 per comment that holds
    stale entries, sorted.  `judged_codes`: the rules that ran on this file; `unjudgeable_lines`:
    every line (`lines_of`) of each call whose model could not be resolved."""
    judging = UNUSED.code in judged_codes
    if not findings and not (judging and may_name_own_code(text.encode())):
        return []
    comments = parse_suppressions(text).comments
    directives = [directive for comment in comments for directive in comment.directives]
    used: dict[Directive, set[str]] = {directive: set() for directive in directives}
    kept = []
    for finding in findings:
        silencing = [directive for directive in directives if directive.suppresses(finding)]
        for directive in silencing:
            used[directive].add(finding.code)
        if not silencing:
            kept.append(finding)
    if judging:
        for comment in comments:
            stale = {
                directive: entries
                for directive in comment.directives
                if (entries := _stale_entries(directive, used[directive], judged_codes, unjudgeable_lines))
                is not None
            }
            if stale and not _report_silenced(comment, stale, directives):
                kept.append(_unused_finding(path, comment, stale))
    return sorted(kept, key=Finding.sort_key)


def _stale_entries(
    directive: Directive, used: set[str], judged_codes: frozenset[str], unjudgeable_lines: frozenset[int]
) -> tuple[str, ...] | None:
    """The entries LL100 reports: None when nothing is stale, () for a blanket that silenced nothing."""

    def judgeable(code: str) -> bool:
        return code in judged_codes and not (RULES_BY_CODE[code].needs_model and directive.covers(unjudgeable_lines))

    if directive.blanket:
        checked = [code for code in RULES_BY_CODE if code != UNUSED.code]
        return () if directive.namespaced and not used and all(map(judgeable, checked)) else None
    stale = tuple(
        entry
        for entry in directive.entries
        if directive.owns(entry)
        and ((code := rule_code(entry)) is None or (code != UNUSED.code and code not in used and judgeable(code)))
    )
    return stale or None


def _report_silenced(
    comment: SuppressionComment, stale: dict[Directive, tuple[str, ...]], directives: list[Directive]
) -> bool:
    """Whether LL100 is suppressed for this comment: by `LL100` in it or in a directive covering its
    line, or by a blanket there that is not itself the stale one."""
    return any(
        UNUSED.code in directive.codes
        and (directive.line == comment.line or directive.covers((comment.line,)))
        and not (directive.blanket and directive in stale)
        for directive in directives
    )


def _unused_finding(path: str, comment: SuppressionComment, stale: dict[Directive, tuple[str, ...]]) -> Finding:
    problems = []
    for entries in stale.values():
        unused = [entry for entry in entries if rule_code(entry) is not None]
        unknown = [entry for entry in entries if rule_code(entry) is None]
        if not entries:
            problems.append("the blanket suppression has nothing to suppress")
        if unused:
            problems.append(f"{_quoted(unused)} suppress{'es' if len(unused) == 1 else ''} nothing")
        if unknown:
            problems.append(f"{_quoted(unknown)} {'is' if len(unknown) == 1 else 'are'} not a loadlint rule")
    fix = _removal_fix(comment, stale)
    return Finding(
        code=UNUSED.code,
        name=UNUSED.name,
        severity=UNUSED.severity,
        message="unused suppression: " + "; ".join(problems),
        path=path,
        span=Span(comment.line, comment.column, comment.line, comment.end_column),
        suggestion=fix.title[0].lower() + fix.title[1:],
        fix=fix,
    )


def _quoted(entries: Iterable[str]) -> str:
    return ", ".join(f"`{entry}`" for entry in entries)


def _removal_fix(comment: SuppressionComment, stale: dict[Directive, tuple[str, ...]]) -> Fix:
    """Drop the stale entries; a directive left without entries goes whole, and so does a comment
    left empty (with the whitespace before it, or its whole line when it stands alone)."""
    pieces, cursor = [], 0
    for directive in comment.directives:
        if directive not in stale:
            continue
        kept = [entry for entry in directive.entries if entry not in stale[directive]]
        pieces.append(comment.text[cursor:directive.start])
        if kept:
            pieces.append(comment.text[directive.start:directive.list_start] + ", ".join(kept))
            cursor = directive.list_end
        else:
            cursor = directive.end
    new_text = ("".join(pieces) + comment.text[cursor:]).rstrip()
    line = comment.line
    if not new_text:
        title = "Remove the unused suppression comment"
        whole_line = Span(line, 1, line + 1, 1)
        span = whole_line if comment.own_line else Span(line, comment.gap_column, line, comment.end_column)
    else:
        names = [entry for entries in stale.values() for entry in entries]
        title = f"Remove unused {_quoted(names)}" if all(stale.values()) else "Remove the unused blanket suppression"
        span = Span(line, comment.column, line, comment.end_column)
    return Fix(title, "safe", operations=(ReplaceSpan(span, new_text),), edits=(Edit(span, new_text),))
