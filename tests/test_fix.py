"""Fixes: materialized edits, the fix loop's guarantees (parse, converge, idempotent, revert), and
byte-exact writing."""

from __future__ import annotations

import ast
import os
import stat

import pytest
from rule_harness import TABLES, example_models

from loadlint.engine import check_source
from loadlint.facts import Span
from loadlint.findings import Finding
from loadlint.fixer import MAX_PASSES, fix_file
from loadlint.fixes import Edit, Fix, ImportName, SetKeyword, applies, apply_edits
from loadlint.materialize import apply_operations, diff_edits, materialize
from loadlint.rules import ALL_RULES, DEFAULT_RULES, Rule
from loadlint.source import decode, write_atomic


def lint(source: str, rules=DEFAULT_RULES) -> list[Finding]:
    return check_source("example.py", source.encode(), TABLES, example_models(source), rules)


def fix(source: str, *, unsafe: bool = True, rules=DEFAULT_RULES) -> str:
    models = example_models(source)
    outcome = fix_file(
        "example.py", source.encode(), lint(source, rules),
        lambda data: check_source("example.py", data, TABLES, models, rules), unsafe=unsafe,
    )
    assert outcome.error is None, outcome.error
    return outcome.after


def _invalid_examples() -> list:
    return [
        pytest.param(rule, source, id=f"{rule.code}-invalid-{index}")
        for rule in ALL_RULES
        if not getattr(rule, "runtime_only", False)
        for index, source in enumerate(rule.invalid)
    ]


@pytest.mark.parametrize(("rule", "source"), _invalid_examples())
def test_fix_of_every_invalid_example_parses_is_clean_and_idempotent(rule: Rule, source: str) -> None:
    rules = (*DEFAULT_RULES, rule) if rule not in DEFAULT_RULES else DEFAULT_RULES
    fixed = fix(source, rules=rules)
    ast.parse(fixed)
    remaining = [f for f in lint(fixed, rules) if f.code == rule.code]
    fixable = [f for f in lint(source, rules) if f.code == rule.code and applies(f.fix, unsafe=True)]
    if fixable:
        assert not [f for f in remaining if applies(f.fix, unsafe=True)], fixed
        assert len(remaining) < len([f for f in lint(source, rules) if f.code == rule.code]), fixed
    assert fix(fixed, rules=rules) == fixed, "a second --fix must change nothing"


def test_ll001_fix_is_safe_and_swaps_call_and_import() -> None:
    source = (
        "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    )
    (finding,) = lint(source)
    assert finding.fix is not None and finding.fix.applicability == "safe"
    assert fix(source, unsafe=False) == (
        "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
    )


def test_ll001_keeps_the_old_import_while_another_call_uses_it() -> None:
    source = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
        't5 = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
    )
    assert fix(source) == (
        "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM\n"
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        't5 = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
    )


def test_overlapping_fixes_wait_for_the_next_pass() -> None:
    source = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'a = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
        'b = AutoModelForSeq2SeqLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
    )
    first, second = lint(source)
    assert first.fix and second.fix and first.fix.edits[0].span.line == second.fix.edits[0].span.line == 1
    assert fix(source) == (
        "from transformers import AutoModelForCausalLM\n"
        'a = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'b = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
    )


def test_module_attribute_form_is_rewritten_in_place() -> None:
    source = 'import transformers as tf\nm = tf.AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    assert fix(source) == 'import transformers as tf\nm = tf.AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'


def test_aliased_import_is_replaced_when_unused() -> None:
    source = 'from transformers import AutoModelForSeq2SeqLM as M\nm = M.from_pretrained("openai-community/gpt2")\n'
    assert fix(source) == (
        'from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
    )


def test_no_fix_when_the_new_name_is_taken_by_something_else() -> None:
    source = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        "from mylib import AutoModelForCausalLM\n"
        'm = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    )
    (finding,) = lint(source)
    assert finding.code == "LL001" and finding.fix is None


def test_partial_load_fix_is_unsafe_and_needs_unsafe_fixes() -> None:
    source = 'from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
    (finding,) = lint(source)
    assert finding.code == "LL002" and finding.fix and finding.fix.applicability == "unsafe"
    assert fix(source, unsafe=False) == source
    assert "AutoModelForSeq2SeqLM.from_pretrained" in fix(source, unsafe=True)


def test_needless_remote_code_flag_is_removed_with_its_comma() -> None:
    source = (
        "from transformers import AutoModelForCausalLM\n"
        "m = AutoModelForCausalLM.from_pretrained(\n"
        '    "openai-community/gpt2",\n'
        "    trust_remote_code=True,\n"
        ")\n"
    )
    assert fix(source) == (
        'from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained(\n    "openai-community/gpt2",\n)\n'
    )


def test_display_only_fix_is_shown_but_never_applied() -> None:
    source = 'from transformers import GPT2LMHeadModel\nGPT2LMHeadModel.from_pretrained("google-t5/t5-small")\n'
    (finding,) = lint(source)
    assert finding.fix and finding.fix.applicability == "display-only" and finding.fix.edits
    assert fix(source, unsafe=True) == source


def test_set_keyword_keeps_a_multi_line_calls_layout() -> None:
    source = 'import transformers as tf\nm = tf.AutoModel.from_pretrained(\n    "gpt2",\n    torch_dtype="auto",\n)\n'
    (site_span,) = [Span(2, 5, 5, 2)]
    renamed = apply_operations(source, (SetKeyword(site_span, "dtype", rename_from="torch_dtype"),))
    assert renamed == source.replace("torch_dtype", "dtype")
    added = apply_operations(source, (SetKeyword(site_span, "revision", '"abc"'),))
    assert added.endswith('    torch_dtype="auto",\n    revision="abc",\n)\n')


def test_diff_edits_round_trip_and_stay_on_whole_identifiers() -> None:
    old = "a = 1\nfrom x import Foo\nb = Foo()\n"
    grown = "a = 1\nfrom x import Foobar, Foo\nb = Foobar()\nc = 3\n"
    assert apply_edits(old, diff_edits(old, grown)) == grown
    renamed = "a = 1\nfrom x import Foobar\nb = Foobar()\n"
    assert diff_edits(old, renamed) == [Edit(Span(2, 15, 2, 18), "Foobar"), Edit(Span(3, 5, 3, 8), "Foobar")]


def test_a_fix_that_breaks_the_file_is_reverted() -> None:
    source = 'from transformers import AutoModelForSeq2SeqLM\nm = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    (finding,) = lint(source)
    broken = Fix("break it", "safe", edits=(Edit(Span(2, 1, 2, 2), "(("),))
    outcome = fix_file("example.py", source.encode(), [_with_fix(finding, broken)], lambda data: [], unsafe=False)
    assert not outcome.changed and outcome.applied == []
    assert outcome.error and outcome.error.startswith("example.py: a fix made the file unparsable")


def test_fixes_that_never_settle_are_reverted() -> None:
    source = "x = 1\n"
    finding = Finding("LL001", "wrong-auto-class", "error", "m", "example.py", Span(1, 1, 1, 2))

    def flip(data: bytes) -> list[Finding]:
        text = data.decode()
        new = "y" if text.startswith("x") else "x"
        return [_with_fix(finding, Fix("flip", "safe", edits=(Edit(Span(1, 1, 1, 2), new),)))]

    outcome = fix_file("example.py", source.encode(), flip(source.encode()), flip, unsafe=False)
    assert not outcome.changed
    assert outcome.error == f"example.py: fixes did not settle after {MAX_PASSES} passes; the file is left unchanged"


def test_materialize_drops_a_fix_whose_call_is_gone() -> None:
    fix_ = Fix("t", "safe", (SetKeyword(Span(9, 1, 9, 5), "dtype", '"auto"'),))
    assert materialize("x = 1\n", [fix_, None]) == [None, None]


def test_materialize_drops_a_fix_that_changes_nothing() -> None:
    source = "from transformers import AutoModel\n"
    assert materialize(source, [Fix("t", "safe", (ImportName("transformers", "AutoModel"),))]) == [None]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("x = 'é'\r\ny = 2\r\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "x = 'é'\n".encode(), "utf-8-sig"),
        ("# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1"), "iso-8859-1"),
    ],
    ids=["crlf", "bom", "latin-1"],
)
def test_source_round_trips_byte_for_byte(data: bytes, encoding: str) -> None:
    source = decode(data)
    assert source.encoding == encoding and source.encode() == data
    assert "\ufeff" not in source.text


def test_write_atomic_keeps_mode_and_symlink_and_leaves_no_temporary(tmp_path) -> None:
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    target.chmod(0o754)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomic(str(link), b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o754
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real.py"]


def _with_fix(finding: Finding, new_fix: Fix) -> Finding:
    import dataclasses

    return dataclasses.replace(finding, fix=new_fix)


def test_a_fix_that_drops_an_import_waits_for_one_that_still_needs_it() -> None:
    """Found by the fuzz test: `m`'s fix drops the Seq2SeqLM import (its call no longer uses it) while
    `n`'s fix switches to Seq2SeqLM, made against the text where that import still stood."""
    source = (
        "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM\n"
        'n = AutoModelForCausalLM.from_pretrained("google-t5/t5-small")\n'
        'm = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    )
    fixed = fix(source)
    assert fixed == (
        "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM\n"
        'n = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'm = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
    )
