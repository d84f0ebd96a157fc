"""JUnit XML for CI test dashboards: a test suite per file, a failing test case per finding, an
erroring one per file error and a skipped one per unresolved id; a clean run is one passing case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from loadlint.findings import CheckResult, Finding, UnresolvedUse
from loadlint.report._shared import FileError, describe_unresolved, message_with_help

CLEAN_RUN = "loadlint"  # the suite, class and case name of the one passing test a clean run reports
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # what XML 1.0 cannot hold


def render_junit(result: CheckResult) -> str:
    cases: dict[str, list[ET.Element]] = {}
    for finding in result.findings:
        cases.setdefault(finding.path, []).append(_finding_case(finding))
    for error in map(FileError.parse, result.errors):
        path = error.path or CLEAN_RUN
        cases.setdefault(path, []).append(_error_case(path, error))
    for use in result.unresolved:
        cases.setdefault(use.path, []).append(_unresolved_case(use))
    if not (result.findings or result.errors):
        cases.setdefault(CLEAN_RUN, []).append(_case(CLEAN_RUN, CLEAN_RUN))

    root = ET.Element("testsuites", name="loadlint")
    for path, suite_cases in cases.items():
        suite = ET.SubElement(root, "testsuite", name=_text(path))
        suite.extend(suite_cases)
        _count(suite, suite_cases)
    _count(root, [case for suite in root for case in suite])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _finding_case(finding: Finding) -> ET.Element:
    where = finding.location.removeprefix(f"{finding.path}:")
    case = _case(f"{finding.code}:{where}", finding.path)
    failure = ET.SubElement(case, "failure", message=_text(finding.message), type=finding.code)
    failure.text = _text(f"{where}: {message_with_help(finding)}")
    return case


def _error_case(path: str, error: FileError) -> ET.Element:
    case = _case("error" + (f":{error.line}:{error.column}" if error.line is not None else ""), path)
    ET.SubElement(case, "error", message=_text(error.message), type="file-error")
    return case


def _unresolved_case(use: UnresolvedUse) -> ET.Element:
    case = _case(f"unresolved:{use.location.removeprefix(use.path + ':')}", use.path)
    ET.SubElement(case, "skipped", message=_text(describe_unresolved(use)))
    return case


def _case(name: str, classname: str) -> ET.Element:
    return ET.Element("testcase", name=_text(name), classname=_text(classname))


def _count(element: ET.Element, cases: list[ET.Element]) -> None:
    """Set the tests/failures/errors/skipped counts of a suite (or of all suites) from its cases."""
    element.set("tests", str(len(cases)))
    for outcome, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        element.set(attribute, str(sum(case.find(outcome) is not None for case in cases)))


def _text(value: str) -> str:
    """ElementTree escapes markup but writes characters XML cannot hold (NUL, most controls) as they are."""
    return _NOT_XML.sub("\ufffd", value)
