"""Every output format, byte for byte, from hand-built results: fixes of each applicability, both
severities, unresolved ids, file errors, and the characters each format must escape.

The SARIF report is validated against the OASIS SARIF 2.1.0 JSON schema in
`tests/fixtures/sarif/sarif-schema-2.1.0.json`.  No package on the registry installs that schema, so
it is a verbatim copy of `sarif-schema-2.1.0.json` from the sdist of `sarif-pydantic` 0.6.2 (the
OASIS TC's `Schemata/sarif-schema-2.1.0.json`, draft-07 revision); its SHA-256 is checked below.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from loadlint.facts import Span
from loadlint.findings import CheckResult, Finding, RuleInfo, UnresolvedUse
from loadlint.fixes import Edit, Fix
from loadlint.report import FORMATS
from loadlint.report.concise import render_concise
from loadlint.report.github import render_github
from loadlint.report.gitlab import render_gitlab
from loadlint.report.junit import render_junit
from loadlint.report.sarif import FINGERPRINT_KEY, render_sarif
from loadlint.report.text import render_text

SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
SARIF_SCHEMA_SHA256 = "6352a05f9d03f181b8d9c71a46bdacc4fcff9d8ade5364858b425ba0c0994ed7"

LL001_DOCS = "## What it does\nChecks the Auto class\nagainst the model type.\n\n## Why is this bad?\nIt raises."
RULES = (
    RuleInfo("LL001", "wrong-auto-class", "error", "The Auto class cannot load the model's type", LL001_DOCS),
    RuleInfo(
        "LL002", "partial-load", "error", "The class loads only part of the checkpoint", "## What it does\nDrops."
    ),
)

SAFE = Finding(
    code="LL001",
    name="wrong-auto-class",
    severity="error",
    message="`AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`",
    path="app.py",
    span=Span(2, 9, 2, 71),
    model_id="openai-community/gpt2",
    model_type="gpt2",
    auto_class="AutoModelForSeq2SeqLM",
    suggestion="use `AutoModelForCausalLM`",
    fix=Fix(
        "Use `AutoModelForCausalLM`",
        "safe",
        edits=(Edit(Span(1, 26, 1, 47), "AutoModelForCausalLM"), Edit(Span(2, 9, 2, 30), "AutoModelForCausalLM")),
    ),
)
UNSAFE = Finding(
    code="LL002",
    name="partial-load",
    severity="error",
    message="`AutoModelForCausalLM` drops the encoder of `facebook/bart-large-cnn`",
    path="app.py",
    span=Span(5, 1, 7, 2),
    model_id="facebook/bart-large-cnn",
    revision="main",
    fix=Fix("Drop `trust_remote_code`", "unsafe", edits=(Edit(Span(6, 5, 6, 28), ""),)),
)
ODD = Finding(
    code="LL003",
    name="encoder-as-generator",
    severity="warning",
    message="100% sure: <bert> & co\nsecond line",
    path="data,v2/run me.py",
    span=Span(3, 1, 3, 40),
    fix=Fix("Use a generator", "display-only"),
)
UNRESOLVED = [
    UnresolvedUse("acme/private", "v1", "app.py", 9, "gated-needs-token", "needs a token"),
    UnresolvedUse(None, None, "data,v2/run me.py", 4, "dynamic", ""),
]
ERRORS = ["broken.py:3:5: syntax error: invalid syntax", "latin.py: cannot decode the file: bad byte"]


def full_result(**changes) -> CheckResult:
    fields = dict(
        loadlint_version="0.1.0",
        transformers_version="5.23.0",
        transformers_origin="installed",
        files=3,
        call_sites=5,
        findings=[SAFE, UNSAFE, ODD],
        unresolved=list(UNRESOLVED),
        errors=list(ERRORS),
        rules=RULES,
    )
    return CheckResult(**(fields | changes))


def clean_result() -> CheckResult:
    return CheckResult("0.1.0", "5.23.0", "installed", files=1, call_sites=1, rules=RULES)


def test_every_format_is_registered_and_ends_its_output_with_a_newline() -> None:
    assert list(FORMATS) == ["text", "concise", "json", "sarif", "github", "gitlab", "junit"]
    for name, render in FORMATS.items():
        assert render(full_result()).endswith("\n")
        clean = render(clean_result())
        assert clean.endswith("\n") or (name == "github" and clean == ""), name  # no annotations, no lines


# --- text ------------------------------------------------------------------------------------------------------------


def test_text_marks_fixable_findings_and_names_every_fix() -> None:
    assert render_text(full_result()).splitlines() == [
        "app.py:2:9: LL001 [*] [wrong-auto-class] `AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`",
        "  help: use `AutoModelForCausalLM`",
        "  fix (safe): Use `AutoModelForCausalLM`",
        "app.py:5:1: LL002 [partial-load] `AutoModelForCausalLM` drops the encoder of `facebook/bart-large-cnn`",
        "  fix (unsafe): Drop `trust_remote_code`",
        "data,v2/run me.py:3:1: LL003 [encoder-as-generator] 100% sure: <bert> & co",
        "second line",
        "  fix (display-only): Use a generator",
        "",
        "Checked 3 files, 5 call sites: 3 findings (2 errors, 1 warning)",
        "[*] 1 fixable with --fix, 1 more with --unsafe-fixes",
        "Unresolved (2), not checked:",
        "  app.py:9: acme/private@v1 [gated-needs-token]: needs a token",
        "  data,v2/run me.py:4: <dynamic> [dynamic]",
        "Files not checked (2):",
        "  broken.py:3:5: syntax error: invalid syntax",
        "  latin.py: cannot decode the file: bad byte",
        "transformers 5.23.0 (installed)",
    ]


def test_text_without_fixes_keeps_the_plain_first_line_and_no_fix_summary() -> None:
    lines = render_text(full_result(findings=[replace(SAFE, fix=None)], unresolved=[], errors=[])).splitlines()
    assert lines[0] == (
        "app.py:2:9: LL001 [wrong-auto-class] `AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`"
    )
    assert not any(line.startswith(("  fix", "[*]")) for line in lines)


@pytest.mark.parametrize(
    ("fix", "marked"),
    [
        (SAFE.fix, True),
        (Fix("Not materialized", "safe"), False),  # a fix without edits cannot be applied
        (Fix("Unsafe", "unsafe", edits=SAFE.fix.edits), False),
        (Fix("Shown only", "display-only", edits=SAFE.fix.edits), False),
        (None, False),
    ],
)
def test_only_safe_fixes_with_edits_are_marked(fix: Fix | None, marked: bool) -> None:
    result = full_result(findings=[replace(SAFE, fix=fix)])
    assert (" LL001 [*] " in render_text(result)) is marked
    assert (" LL001 [*] " in render_concise(result)) is marked


# --- concise ---------------------------------------------------------------------------------------------------------


def test_concise_is_one_line_per_finding_then_one_per_problem_and_a_summary() -> None:
    assert render_concise(full_result()).splitlines() == [
        "app.py:2:9: LL001 [*] `AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`",
        "app.py:5:1: LL002 `AutoModelForCausalLM` drops the encoder of `facebook/bart-large-cnn`",
        "data,v2/run me.py:3:1: LL003 100% sure: <bert> & co",
        "second line",
        "app.py:9: unresolved acme/private@v1 [gated-needs-token]",
        "data,v2/run me.py:4: unresolved <dynamic> [dynamic]",
        "broken.py:3:5: syntax error: invalid syntax",
        "latin.py: cannot decode the file: bad byte",
        "Found 3 findings (1 fixable with --fix, 1 more with --unsafe-fixes), 2 unresolved ids, 2 file errors.",
    ]


def test_concise_summaries() -> None:
    assert render_concise(clean_result()) == "All checks passed.\n"
    only_unsafe = full_result(findings=[UNSAFE], unresolved=[], errors=[])
    assert render_concise(only_unsafe).splitlines()[-1] == "Found 1 finding (1 fixable with --fix --unsafe-fixes)."
    unresolved_only = full_result(findings=[], errors=[])
    assert render_concise(unresolved_only).splitlines()[-1] == "Found 0 findings, 2 unresolved ids."


# --- SARIF -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    data = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SARIF_SCHEMA_SHA256, "the vendored schema must stay verbatim"
    schema = json.loads(data)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@pytest.mark.parametrize(
    "result", [full_result(), clean_result(), full_result(rules=())], ids=["full", "clean", "no-rules"]
)
def test_sarif_is_valid_against_the_official_schema(sarif_validator, result: CheckResult) -> None:
    sarif_validator.validate(json.loads(render_sarif(result)))


def test_the_schema_rejects_what_sarif_forbids(sarif_validator) -> None:
    """The validation has teeth: a level SARIF does not define, or a property a result cannot have, fails."""
    log = json.loads(render_sarif(full_result()))
    for corrupt in ("level", "extra"):
        broken = copy.deepcopy(log)
        if corrupt == "level":
            broken["runs"][0]["results"][0]["level"] = "fatal"
        else:
            broken["runs"][0]["results"][0]["severity"] = "error"
        with pytest.raises(jsonschema.ValidationError):
            sarif_validator.validate(broken)


def test_sarif_run_tool_and_rules() -> None:
    log = json.loads(render_sarif(full_result()))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("loadlint", "0.1.0")
    assert [rule["id"] for rule in driver["rules"]] == ["LL001", "LL002", "LL003"]
    assert driver["rules"][0] == {
        "id": "LL001",
        "name": "wrong-auto-class",
        "shortDescription": {"text": "The Auto class cannot load the model's type"},
        "fullDescription": {"text": "Checks the Auto class against the model type."},
        "help": {"text": LL001_DOCS, "markdown": LL001_DOCS},
        "defaultConfiguration": {"level": "error"},
    }
    # LL003 did not come with RuleInfo: it is still described, from its finding, so ruleIndex is valid.
    assert driver["rules"][2] == {
        "id": "LL003",
        "name": "encoder-as-generator",
        "defaultConfiguration": {"level": "warning"},
    }
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in run["results"]] == [
        ("LL001", 0, "error"),
        ("LL002", 1, "error"),
        ("LL003", 2, "warning"),
    ]


def test_sarif_result_location_properties_and_fix() -> None:
    first = json.loads(render_sarif(full_result()))["runs"][0]["results"][0]
    artifact = {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert first["message"] == {"text": SAFE.message}
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": {"startLine": 2, "startColumn": 9, "endLine": 2, "endColumn": 71},
            }
        }
    ]
    assert first["properties"] == {
        "model_id": "openai-community/gpt2",
        "revision": None,
        "model_type": "gpt2",
        "auto_class": "AutoModelForSeq2SeqLM",
        "suggestion": "use `AutoModelForCausalLM`",
    }
    assert first["fixes"] == [
        {
            "description": {"text": "Use `AutoModelForCausalLM`"},
            "artifactChanges": [
                {
                    "artifactLocation": artifact,
                    "replacements": [
                        {
                            "deletedRegion": {"startLine": 1, "startColumn": 26, "endLine": 1, "endColumn": 47},
                            "insertedContent": {"text": "AutoModelForCausalLM"},
                        },
                        {
                            "deletedRegion": {"startLine": 2, "startColumn": 9, "endLine": 2, "endColumn": 30},
                            "insertedContent": {"text": "AutoModelForCausalLM"},
                        },
                    ],
                }
            ],
            "properties": {"applicability": "safe"},
        }
    ]


def test_sarif_fix_deletions_and_fixes_without_edits() -> None:
    results = json.loads(render_sarif(full_result()))["runs"][0]["results"]
    (deletion,) = results[1]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert deletion == {"deletedRegion": {"startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 28}}
    assert results[1]["fixes"][0]["properties"] == {"applicability": "unsafe"}
    assert "fixes" not in results[2]  # a display-only fix with no edits has nothing to replace


def test_sarif_uris_are_relative_posix_uri_references() -> None:
    results = json.loads(render_sarif(full_result()))["runs"][0]["results"]
    uri = results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=@/%-]+", uri), uri  # RFC 3986 characters only
    assert unquote(uri) == "data,v2/run me.py"
    log = json.loads(render_sarif(full_result(findings=[replace(SAFE, path="/srv/app.py")])))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///srv/app.py"
    }


def test_sarif_notifications_for_errors_and_unresolved_ids() -> None:
    (invocation,) = json.loads(render_sarif(full_result()))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notifications = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["message"]["text"]) for n in notifications] == [
        ("error", "broken.py:3:5: syntax error: invalid syntax"),
        ("error", "latin.py: cannot decode the file: bad byte"),
        ("note", "acme/private@v1 [gated-needs-token]: needs a token"),
        ("note", "<dynamic> [dynamic]"),
    ]
    assert notifications[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "broken.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 5},
    }
    assert notifications[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "latin.py", "uriBaseId": "%SRCROOT%"}
    }
    assert notifications[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}
    clean = json.loads(render_sarif(clean_result()))["runs"][0]
    assert clean["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    assert clean["results"] == []


def test_sarif_fingerprints_survive_moves_and_tell_repeats_apart() -> None:
    def fingerprints(*findings: Finding) -> list[str]:
        results = json.loads(render_sarif(full_result(findings=list(findings))))["runs"][0]["results"]
        return [result["partialFingerprints"][FINGERPRINT_KEY] for result in results]

    moved = replace(SAFE, span=Span(40, 1, 40, 63))
    (original,) = fingerprints(SAFE)
    assert fingerprints(moved) == [original]
    assert fingerprints(SAFE, moved) == [original, fingerprints(SAFE, SAFE)[1]]
    assert len(set(fingerprints(SAFE, SAFE))) == 2
    assert fingerprints(UNSAFE) != [original]


# --- GitHub ----------------------------------------------------------------------------------------------------------


def unescape_data(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def test_github_workflow_commands() -> None:
    assert render_github(full_result()).splitlines() == [
        "::error file=app.py,line=2,col=9,endLine=2,endColumn=71,title=loadlint (LL001)::"
        "`AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`%0Ahelp: use `AutoModelForCausalLM`",
        "::error file=app.py,line=5,endLine=7,title=loadlint (LL002)::"
        "`AutoModelForCausalLM` drops the encoder of `facebook/bart-large-cnn`",
        "::warning file=data%2Cv2/run me.py,line=3,col=1,endLine=3,endColumn=40,title=loadlint (LL003)::"
        "100%25 sure: <bert> & co%0Asecond line",
        "::error file=broken.py,line=3,col=5::syntax error: invalid syntax",
        "::error file=latin.py::cannot decode the file: bad byte",
        "::notice file=app.py,line=9::acme/private@v1 [gated-needs-token]: needs a token",
        "::notice file=data%2Cv2/run me.py,line=4::<dynamic> [dynamic]",
    ]


def test_github_escaping_follows_the_toolkit() -> None:
    message = "50%0A is literal\r\nnext: a, b"
    tricky = replace(ODD, message=message, path="a:b,c%d.py")
    (line,) = render_github(full_result(findings=[tricky], unresolved=[], errors=[])).splitlines()
    properties, data = line.removeprefix("::warning ").split("::", 1)
    assert properties.startswith("file=a%3Ab%2Cc%25d.py,")  # properties escape `:` and `,` as well
    assert data == "50%250A is literal%0D%0Anext: a, b"  # data keeps `:` and `,`; `%` is escaped first
    assert unescape_data(data) == message
    assert "\n" not in line and "\r" not in line


def test_github_error_without_a_file() -> None:
    assert render_github(full_result(findings=[], unresolved=[], errors=["internal failure"])) == (
        "::error::internal failure\n"
    )


def test_github_clean_run_prints_nothing() -> None:
    assert render_github(clean_result()) == ""


# --- GitLab ----------------------------------------------------------------------------------------------------------

# What GitLab reads of a Code Quality report (docs.gitlab.com, ci/testing/code_quality, "Code Quality report
# format"): an array of issues, each with these fields; `severity` one of the five names.
GITLAB_ISSUE_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^\\./"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer"}},
                    },
                },
            },
        },
    },
}


def gitlab_issues(result: CheckResult) -> list[dict]:
    issues = json.loads(render_gitlab(result))
    jsonschema.validate(issues, GITLAB_ISSUE_SCHEMA)
    return issues


def test_gitlab_code_quality_issues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    issues = gitlab_issues(full_result())
    shape = [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]) for i in issues]
    assert shape == [
        ("LL001", "major", "app.py", {"begin": 2, "end": 2}),
        ("LL002", "major", "app.py", {"begin": 5, "end": 7}),
        ("LL003", "minor", "data,v2/run me.py", {"begin": 3, "end": 3}),
        ("file-error", "major", "broken.py", {"begin": 3, "end": 3}),
        ("file-error", "major", "latin.py", {"begin": 1, "end": 1}),
        ("unresolved", "info", "app.py", {"begin": 9, "end": 9}),
        ("unresolved", "info", "data,v2/run me.py", {"begin": 4, "end": 4}),
    ]
    assert issues[0]["description"] == "LL001: `AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`"
    assert issues[3]["description"] == "file-error: syntax error: invalid syntax"
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert gitlab_issues(clean_result()) == []


def test_gitlab_fingerprints_are_sarifs_and_survive_moves() -> None:
    def fingerprints(*findings: Finding, errors: tuple[str, ...] = ()) -> list[str]:
        result = full_result(findings=list(findings), unresolved=[], errors=list(errors))
        return [issue["fingerprint"] for issue in gitlab_issues(result)]

    sarif = json.loads(render_sarif(full_result()))["runs"][0]["results"]
    assert fingerprints(SAFE, UNSAFE, ODD) == [result["partialFingerprints"][FINGERPRINT_KEY] for result in sarif]
    assert fingerprints(replace(SAFE, span=Span(40, 1, 40, 63))) == fingerprints(SAFE)
    assert len(set(fingerprints(SAFE, SAFE))) == 2
    moved_error = fingerprints(errors=("broken.py:9:1: syntax error: x",))
    assert fingerprints(errors=("broken.py:3:5: syntax error: x",)) == moved_error


def test_gitlab_paths_from_the_project_root_and_notebook_cells(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    in_cell = replace(SAFE, path=str(tmp_path / "nb" / "demo.ipynb"), cell=3)
    (issue,) = gitlab_issues(full_result(findings=[in_cell], unresolved=[], errors=[]))
    assert issue["location"] == {"path": "nb/demo.ipynb", "lines": {"begin": 1, "end": 1}}
    assert issue["description"].startswith("LL001: cell 3, line 2: ")
    monkeypatch.delenv("CI_PROJECT_DIR")
    (issue,) = gitlab_issues(full_result(findings=[replace(SAFE, path="./src/app.py")], unresolved=[], errors=[]))
    assert issue["location"]["path"] == "src/app.py"


# --- JUnit -----------------------------------------------------------------------------------------------------------


def test_junit_suites_cases_and_failures() -> None:
    root = ET.fromstring(render_junit(full_result()))
    assert root.tag == "testsuites"
    assert {key: root.get(key) for key in ("tests", "failures", "errors", "skipped")} == {
        "tests": "7",
        "failures": "3",
        "errors": "2",
        "skipped": "2",
    }
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["app.py", "data,v2/run me.py", "broken.py", "latin.py"]
    app = suites["app.py"]
    assert (app.get("tests"), app.get("failures"), app.get("skipped")) == ("3", "2", "1")
    assert [case.get("name") for case in app] == ["LL001:2:9", "LL002:5:1", "unresolved:9"]
    assert {case.get("classname") for case in app} == {"app.py"}
    failure = app[0].find("failure")
    assert failure.attrib == {"message": SAFE.message, "type": "LL001"}
    assert failure.text == f"2:9: {SAFE.message}\nhelp: use `AutoModelForCausalLM`"
    assert app[2].find("skipped").get("message") == "acme/private@v1 [gated-needs-token]: needs a token"
    odd = suites["data,v2/run me.py"][0].find("failure")
    assert odd.get("message") == ODD.message  # `<`, `&` and the newline survive the round trip
    assert odd.text == f"3:1: {ODD.message}"
    error = suites["broken.py"][0]
    assert error.get("name") == "error:3:5"
    assert error.find("error").attrib == {"message": "syntax error: invalid syntax", "type": "file-error"}
    assert suites["latin.py"][0].get("name") == "error"


def test_junit_clean_run_is_one_passing_case() -> None:
    root = ET.fromstring(render_junit(clean_result()))
    (suite,) = root
    (case,) = suite
    assert (suite.get("name"), case.get("name"), case.get("classname")) == ("loadlint", "loadlint", "loadlint")
    assert list(case) == []
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")


def test_junit_stays_well_formed_with_characters_xml_cannot_hold() -> None:
    control = replace(ODD, message="bad\x00byte\x1b")
    root = ET.fromstring(render_junit(full_result(findings=[control], unresolved=[], errors=[])))
    assert root.find("testsuite/testcase/failure").get("message") == "bad\ufffdbyte\ufffd"
