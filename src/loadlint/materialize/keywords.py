"""Keyword edits (`RemoveKeyword`, `SetKeyword`) from the tokens of the one call they edit: no
parse of the file, and commas, trailing commas, line breaks and comments stay where they were."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import NamedTuple

from loadlint.facts import Span
from loadlint.fixes import RemoveKeyword, SetKeyword
from loadlint.materialize.index import SourceIndex
from loadlint.materialize.offsets import CannotMaterialize, OffsetEdit

KeywordOperation = RemoveKeyword | SetKeyword
_NOT_CODE = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT}
)
_OPENERS, _CLOSERS = "([{", ")]}"
_COMMENT_OR_NOTHING = re.compile(r"[ \t\f]*(#.*)?")


class _Token(NamedTuple):
    string: str
    type: int
    begin: int
    end: int


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a call, by offsets: `keyword` is None for a positional or starred one."""

    begin: int
    end: int
    keyword: str | None
    value_begin: int
    comma: int | None  # the comma after it, if any


@dataclass(frozen=True, slots=True)
class Arguments:
    """A call's argument list: just inside its parentheses, and the arguments in source order."""

    open: int  # just past `(`
    close: int  # at `)`
    arguments: tuple[Argument, ...]

    def find(self, keyword: str) -> int | None:
        return next((i for i, argument in enumerate(self.arguments) if argument.keyword == keyword), None)

    def comma_after(self, position: int) -> int:
        """The comma after an argument that is not the last (so it has one)."""
        comma = self.arguments[position].comma
        assert comma is not None, "an argument follows, so a comma separates them"
        return comma


def keyword_edits(index: SourceIndex, operation: KeywordOperation) -> list[OffsetEdit]:
    arguments = call_arguments(index, operation.call)
    if isinstance(operation, RemoveKeyword):
        return [_remove(index.text, arguments, operation.keyword)]
    return _set(index, arguments, operation)


def call_arguments(index: SourceIndex, call: Span) -> Arguments:
    """The argument list of the call at `call`, read from the call's own tokens."""
    begin, end = index.span(call)
    source = index.text[begin:end]
    if "\r" in source.replace("\r\n", ""):  # the tokenizer's lines would not be the file's
        raise CannotMaterialize("a lone carriage return in the call")
    line_offsets = [0, *(match.end() for match in re.finditer("\n", source))]
    try:
        tokens = [
            _Token(
                token.string,
                token.type,
                begin + line_offsets[token.start[0] - 1] + token.start[1],
                begin + line_offsets[token.end[0] - 1] + token.end[1],
            )
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type not in _NOT_CODE
        ]
    except (tokenize.TokenError, SyntaxError) as exc:
        raise CannotMaterialize("the call does not tokenize") from exc
    opener = _opener_of_last(tokens)
    arguments: list[Argument] = []
    depth, first = 0, opener + 1
    for position in range(opener + 1, len(tokens)):
        string = tokens[position].string
        if depth == 0 and string in (",", ")"):  # the end of an argument (none after a trailing comma)
            if position > first:
                arguments.append(_argument(tokens[first:position], tokens[position].begin if string == "," else None))
            first = position + 1
        depth += (string in _OPENERS) - (string in _CLOSERS)
    return Arguments(tokens[opener].end, tokens[-1].begin, tuple(arguments))


def _opener_of_last(tokens: list[_Token]) -> int:
    """The `(` that the call's final `)` closes: its argument list, after the callee."""
    depth = 0
    for position in range(len(tokens) - 1, 0, -1) if tokens[-1:] and tokens[-1].string == ")" else ():
        string = tokens[position].string
        depth += (string in _CLOSERS) - (string in _OPENERS)
        if depth == 0:
            return position
    raise CannotMaterialize("no call at the span")


def _argument(tokens: list[_Token], comma: int | None) -> Argument:
    is_keyword = len(tokens) > 2 and tokens[0].type == tokenize.NAME and tokens[1].string == "="
    return Argument(
        begin=tokens[0].begin,
        end=tokens[-1].end,
        keyword=tokens[0].string if is_keyword else None,
        value_begin=tokens[2].begin if is_keyword else tokens[0].begin,
        comma=comma,
    )


def _remove(text: str, call: Arguments, keyword: str) -> OffsetEdit:
    """Drop the argument and one comma: the one after it, or, for the last argument, the one
    before it (a trailing comma stays, for the new last argument)."""
    position = call.find(keyword)
    if position is None:
        raise CannotMaterialize(f"`{keyword}=` is not passed")
    arguments = call.arguments
    removed = arguments[position]
    if len(arguments) == 1:  # the space around it goes too, but for comments: `f(\n    x=1,\n)` is `f()`
        begin = call.open if not text[call.open:removed.begin].strip() else removed.begin
        through = removed.comma + 1 if removed.comma is not None else removed.end
        return OffsetEdit(begin, call.close if not text[through:call.close].strip() else through, "")
    if position + 1 < len(arguments):
        return OffsetEdit(removed.begin, arguments[position + 1].begin, "")
    return OffsetEdit(call.comma_after(position - 1), removed.comma if removed.comma is not None else call.close, "")


def _set(index: SourceIndex, call: Arguments, operation: SetKeyword) -> list[OffsetEdit]:
    if operation.rename_from is not None:
        position = call.find(operation.rename_from)
        if position is None:
            raise CannotMaterialize(f"`{operation.rename_from}=` is not passed")
        if call.find(operation.keyword) is not None:
            raise CannotMaterialize(f"`{operation.keyword}=` is already passed")
        renamed = call.arguments[position]
        edits = [OffsetEdit(renamed.begin, renamed.begin + len(operation.rename_from), operation.keyword)]
        if operation.source is not None:
            edits.append(OffsetEdit(renamed.value_begin, renamed.end, operation.source))
        return edits
    if operation.source is None:
        raise CannotMaterialize("no value to set")
    position = call.find(operation.keyword)
    if position is not None:
        present = call.arguments[position]
        return [OffsetEdit(present.value_begin, present.end, operation.source)]
    return [_append(index, call, f"{operation.keyword}={operation.source}")]


def _append(index: SourceIndex, call: Arguments, argument: str) -> OffsetEdit:
    """A new last argument, laid out as the arguments before it: after a trailing comma it takes
    the last one's place on a line of its own (or after its space), else it follows `, `."""
    if not call.arguments:
        return OffsetEdit(call.close, call.close, argument)
    last = call.arguments[-1]
    if last.comma is None:
        return OffsetEdit(last.end, last.end, f", {argument}")
    previous = call.comma_after(len(call.arguments) - 2) + 1 if len(call.arguments) > 1 else call.open
    spacing = index.text[previous:last.begin]
    after_comma = last.comma + 1
    if "\n" not in spacing:
        return OffsetEdit(after_comma, after_comma, f"{spacing}{argument},")
    indent = spacing.rpartition("\n")[2]
    line_end = index.line_end(after_comma)
    at = line_end if _COMMENT_OR_NOTHING.fullmatch(index.text, after_comma, line_end) else after_comma
    return OffsetEdit(at, at, f"{index.line_break(last.comma)}{indent}{argument},")
