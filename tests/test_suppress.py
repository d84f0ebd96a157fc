"""Suppression comments: what each form silences, when LL100 calls one unused, and its fix."""

from __future__ import annotations

import ast

import pytest

from loadlint import suppress
from loadlint.facts import Span
from loadlint.findings import Finding
from loadlint.fixes import ReplaceSpan, apply_edits
from loadlint.rules import RULES_BY_CODE
from loadlint.suppress import apply_suppressions, parse_suppressions

ALL_CODES = frozenset(RULES_BY_CODE)
CALL = 'model = AutoModel.from_pretrained("acme/model")'


def finding(code: str, line: int, end_line: int | None = None) -> Finding:
    rule = RULES_BY_CODE[code]
    span = Span(line, 9, end_line or line, 40)
    return Finding(code, rule.name, rule.severity, "a problem", "app.py", span)


def check(
    text: str,
    findings: list[Finding],
    judged: frozenset[str] = ALL_CODES,
    unjudgeable: frozenset[int] = frozenset(),
) -> list[Finding]:
    return apply_suppressions("app.py", text, findings, judged_codes=judged, unjudgeable_lines=unjudgeable)


def codes(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.code, f.span.line) for f in findings]


@pytest.mark.parametrize(
    ("comment", "found"),
    [
        ("# noqa: LL001", ["LL001"]),
        ("# noqa: LL001, E501", ["LL001"]),
        ("# noqa:LL001,LL002", ["LL001", "LL002"]),
        ("# noqa : LL001 E501", ["LL001"]),
        ("# NOQA: LL001", ["LL001"]),
        ("# noqa", ["LL001", "LL002"]),
        ("# noqa: wrong-auto-class", ["LL003"]),  # no codes after the colon: a blanket, as in flake8
        ("# loadlint: ignore[LL001]", ["LL001"]),
        ("# loadlint: ignore[LL001, LL002]", ["LL001", "LL002"]),
        ("# loadlint: ignore[wrong-auto-class,partial-load]", ["LL001", "LL002"]),
        ("# loadlint: ignore[LL001] the id is a placeholder", ["LL001"]),
        ("# loadlint: ignore[LL001] -- the id is a placeholder", ["LL001"]),
        ("# loadlint: ignore", ["LL001", "LL005"]),
        ("# loadlint: ignore -- generated code", ["LL001"]),
        ("# loadlint:ignore [ LL001 ]", ["LL001"]),
        ("# loadlint: noqa[LL001]", ["LL001"]),  # trailing: this line only
        ("# type: ignore  # noqa: LL001", ["LL001"]),
        ("# noqa: LL001  # pragma: no cover", ["LL001"]),
    ],
)
def test_trailing_forms_suppress_their_codes_and_are_used(comment: str, found: list[str]) -> None:
    text = f"{CALL}  {comment}\n"
    assert check(text, [finding(code, 1) for code in found]) == []


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: E501",
        "# noqa: ll001",
        "# noqa: LL002",
        "# loadlint: ignore[LL002]",
        "# loadlint: ignore[]",
        "# loadlint: ignore LL002",
        "# loadlint: ignored[LL001]",
    ],
)
def test_other_codes_leave_the_finding(comment: str) -> None:
    text = f"{CALL}  {comment}\n"
    assert [f.code for f in check(text, [finding("LL001", 1)], judged=frozenset({"LL001"}))] == ["LL001"]


def test_a_noqa_inside_a_string_is_no_comment() -> None:
    text = f'{CALL}; note = "# noqa: LL001"\nhelp_text = """\n# loadlint: noqa\n"""\n'
    assert parse_suppressions(text).comments == ()
    assert codes(check(text, [finding("LL001", 1)])) == [("LL001", 1)]


MULTI_LINE = 'model = AutoModel.from_pretrained(  {first}\n    "acme/model",  {middle}\n)  {last}\n'


@pytest.mark.parametrize(
    ("first", "middle", "last"),
    [("# noqa: LL001", "", ""), ("", "# noqa: LL001", ""), ("", "", "# noqa: LL001"),
     ("# loadlint: ignore[LL001]", "", ""), ("", "", "# loadlint: ignore[LL001] -- closing line")],
)
def test_a_multi_line_call_is_covered_on_any_of_its_lines(first: str, middle: str, last: str) -> None:
    text = MULTI_LINE.format(first=first, middle=middle, last=last)
    assert check(text, [finding("LL001", 1, 3)]) == []


def test_a_standalone_ignore_covers_the_next_statement_and_only_it() -> None:
    text = (
        "# loadlint: ignore[LL001] -- tracked elsewhere\n"
        "# an ordinary comment between them\n"
        "model = (\n"
        '    AutoModel.from_pretrained("acme/model")\n'
        ")\n"
        f"{CALL}\n"
    )
    assert codes(check(text, [finding("LL001", 4), finding("LL001", 6)])) == [("LL001", 6)]


def test_a_standalone_ignore_inside_a_call_covers_the_rest_of_it() -> None:
    text = 'model = AutoModel.from_pretrained(\n    # loadlint: ignore[LL001]\n    "acme/model",\n)\n'
    assert check(text, [finding("LL001", 1, 4)]) == []


def test_a_standalone_noqa_covers_only_its_own_line() -> None:
    text = f"# noqa: LL001\n{CALL}\n"
    assert codes(check(text, [finding("LL001", 2)])) == [("LL100", 1), ("LL001", 2)]


def test_a_standalone_ignore_at_the_end_covers_nothing() -> None:
    assert codes(check(f"{CALL}\n# loadlint: ignore[LL001]\n", [])) == [("LL100", 2)]


def test_file_level_noqa_covers_the_whole_file_wherever_it_stands() -> None:
    text = f"{CALL}\n{CALL}\n\n# loadlint: noqa[LL001, partial-load]\n"
    kept = check(text, [finding("LL001", 1), finding("LL002", 2), finding("LL003", 2)])
    assert codes(kept) == [("LL003", 2)]


def test_bare_file_level_noqa_covers_every_code() -> None:
    text = f"# loadlint: noqa\n{CALL}\n{CALL}\n"
    assert check(text, [finding("LL001", 2), finding("LL005", 3), finding("LL007", 3)]) == []


def test_blanket_noqa_is_never_reported() -> None:
    assert check(f"{CALL}  # noqa\n", []) == []


def test_a_stale_loadlint_blanket_is_reported_only_when_every_rule_ran() -> None:
    text = f"# loadlint: noqa\n{CALL}  # noqa: LL001\n"
    reported = check(text, [])
    assert codes(reported) == [("LL100", 1)]
    assert "blanket" in reported[0].message
    assert check(text, [], judged=ALL_CODES - {"LL004"}) == []
    assert check(text, [], unjudgeable=frozenset({2})) == []


def test_unused_and_unknown_codes_are_reported_at_the_comment() -> None:
    text = f"{CALL}  # noqa: LL001, LL002, LL999, E501\n"
    [report] = check(text, [finding("LL001", 1)])
    assert (report.code, report.name, report.severity) == ("LL100", "unused-suppression", "warning")
    assert report.span == Span(1, len(CALL) + 3, 1, len(text))
    assert report.message == "unused suppression: `LL002` suppresses nothing; `LL999` is not a loadlint rule"


def test_an_unknown_entry_in_brackets_is_reported_even_where_nothing_can_be_judged() -> None:
    text = f"{CALL}  # loadlint: ignore[wrong-auto-clas]\n"
    [report] = check(text, [], unjudgeable=frozenset({1}))
    assert report.message == "unused suppression: `wrong-auto-clas` is not a loadlint rule"


def test_codes_of_rules_that_did_not_run_are_not_unused() -> None:
    text = f"{CALL}  # noqa: LL001, LL002\n"
    assert check(text, [], judged=frozenset({"LL100"})) == []
    [report] = check(text, [], judged=frozenset({"LL002", "LL100"}))
    assert report.message == "unused suppression: `LL002` suppresses nothing"


def test_without_ll100_suppressions_still_apply_but_are_never_judged() -> None:
    text = f"{CALL}  # noqa: LL001, LL002\n"
    judged = ALL_CODES - {"LL100"}
    assert check(text, [finding("LL001", 1)], judged=judged) == []
    assert check(text, [], judged=judged) == []


def test_a_suppression_over_an_unresolved_call_is_not_judged() -> None:
    text = f"# loadlint: noqa[LL002]\n{CALL}  # noqa: LL001\n{CALL}\n"
    assert check(text, [], unjudgeable=frozenset({2})) == []
    assert codes(check(text, [], unjudgeable=frozenset({3}))) == [("LL100", 2)]
    assert codes(check(text, [])) == [("LL100", 1), ("LL100", 2)]


def test_an_unresolved_call_does_not_excuse_a_rule_that_needs_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RULES_BY_CODE["LL001"], "needs_model", False)
    assert codes(check(f"{CALL}  # noqa: LL001\n", [], unjudgeable=frozenset({1}))) == [("LL100", 1)]


@pytest.mark.parametrize(
    "text",
    [
        f"{CALL}  # noqa: LL001, LL100\n",
        f"# loadlint: ignore[LL001, unused-suppression]\n{CALL}\n",
        f"# loadlint: noqa[LL100]\n{CALL}  # noqa: LL001\n",
        f"# loadlint: ignore[LL100]\n{CALL}  # noqa: LL001\n",
        f"{CALL}  # noqa  # loadlint: ignore[LL001]\n",
    ],
)
def test_ll100_is_silenced_by_ll100_in_the_comment_or_over_its_line(text: str) -> None:
    assert check(text, []) == []


def test_a_stale_blanket_does_not_silence_its_own_report_but_does_others() -> None:
    text = f"{CALL}  # loadlint: ignore\n# loadlint: noqa\n{CALL}  # noqa: LL003\n"
    [report] = check(text, [])
    assert report.span.line == 2
    fixed = apply_edits(text, list(report.fix.edits))
    assert codes(check(fixed, [])) == [("LL100", 1), ("LL100", 2)]


@pytest.mark.parametrize(
    ("text", "found", "fixed"),
    [
        (f"{CALL}  # noqa: LL001, E501\n", [], f"{CALL}  # noqa: E501\n"),
        (f"{CALL}  # noqa:LL001,E501 long line\n", [], f"{CALL}  # noqa:E501 long line\n"),
        (f"{CALL}  # noqa: LL001\n", [], f"{CALL}\n"),
        (f"{CALL}\t# noqa: LL001\r\n", [], f"{CALL}\r\n"),
        (f"{CALL}  # noqa: LL001, LL999\n", ["LL001"], f"{CALL}  # noqa: LL001\n"),
        (f"# loadlint: ignore[LL001]\n{CALL}\n", [], f"{CALL}\n"),
        (f"if True:\n    # loadlint: ignore[LL001]\n    {CALL}\n", [], f"if True:\n    {CALL}\n"),
        (f"# loadlint: ignore[LL001]\r\n{CALL}\r\n", [], f"{CALL}\r\n"),
        (f"{CALL}\n# loadlint: noqa[LL001]", [], f"{CALL}\n"),
        (
            f"# loadlint: ignore[LL001, LL002] -- known issue #12\n{CALL}\n",
            ["LL002"],
            f"# loadlint: ignore[LL002] -- known issue #12\n{CALL}\n",
        ),
        (f"# loadlint: ignore[LL001] -- known issue #12\n{CALL}\n", [], f"{CALL}\n"),
        (f"{CALL}  # type: ignore  # noqa: LL001\n", [], f"{CALL}  # type: ignore\n"),
        (f"{CALL}  # noqa: LL001  # type: ignore\n", [], f"{CALL}  # type: ignore\n"),
        (f"{CALL}  # noqa: E501  # loadlint: ignore[LL001] why\n", [], f"{CALL}  # noqa: E501\n"),
        (f"{CALL}  # type: ignore  # loadlint: ignore\n", [], f"{CALL}  # type: ignore\n"),
    ],
)
def test_the_fix_removes_only_stale_loadlint_entries(text: str, found: list[str], fixed: str) -> None:
    line = 1 if text.startswith(CALL) else text.count("\n", 0, text.index(CALL)) + 1
    findings = [finding(code, line) for code in found]
    reports = [f for f in check(text, findings) if f.code == "LL100"]
    assert len(reports) == 1
    fix = reports[0].fix
    assert fix is not None and fix.applicability == "safe"
    assert fix.operations == tuple(ReplaceSpan(edit.span, edit.content) for edit in fix.edits)
    result = apply_edits(text, list(fix.edits))
    assert result == fixed
    ast.parse(result)
    assert check(result, findings) == []


def test_every_fix_of_a_file_applies_at_once() -> None:
    text = (
        "# loadlint: ignore[LL001]\n"
        "# loadlint: ignore[LL002] -- reason\n"
        f"{CALL}  # noqa: LL003, E501\n"
        "if True:\n"
        "    # noqa: LL004\n"
        f"    {CALL}  # loadlint: ignore[partial-load, LL005]\n"
    )
    reports = check(text, [finding("LL005", 6)])
    assert codes(reports) == [("LL100", 1), ("LL100", 2), ("LL100", 3), ("LL100", 5), ("LL100", 6)]
    fixed = apply_edits(text, [edit for report in reports for edit in report.fix.edits])
    assert fixed == f"{CALL}  # noqa: E501\nif True:\n    {CALL}  # loadlint: ignore[LL005]\n"
    ast.parse(fixed)
    assert check(fixed, [finding("LL005", 3)]) == []


@pytest.mark.parametrize(
    "text",
    ['x = """never closed  # noqa: LL001\n', "if x:\n        y = 1  # noqa: LL001\n    z = 2\n", "x = (  # noqa\n"],
)
def test_a_file_tokenize_cannot_read_has_no_suppressions(text: str) -> None:
    assert parse_suppressions(text).comments == ()
    assert codes(check(text, [finding("LL001", 1)])) == [("LL001", 1)]


def test_a_file_without_marker_words_is_not_tokenized(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(readline: object) -> None:
        raise AssertionError("tokenized")

    monkeypatch.setattr(suppress.tokenize, "generate_tokens", fail)
    assert parse_suppressions(f"{CALL}  # type: ignore\n").comments == ()
    assert check(f"{CALL}  # noqa: LL001\n", [], judged=ALL_CODES - {"LL100"}) == []
