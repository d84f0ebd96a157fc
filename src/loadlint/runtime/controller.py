"""The runtime step: plan one job per model, run the jobs in workers, judge each finding by what happened.

Nothing here imports torch or transformers; the work happens in `worker` processes started by
`pool`.  A call site is checked when its model was resolved, its class or pipeline task is known,
and checking it crosses no line the user has not allowed (repository code, pickle weights,
downloads); otherwise it gets a "not confirmable" verdict that says why.  The static findings come
back unchanged except for their `runtime` field, plus one LL090 per unflagged call whose load raised.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from loadlint import semantics
from loadlint.extract import is_removed_auto_class
from loadlint.facts import CallSite, ModelFacts, ModelRef, Span, Unresolved, facts_for
from loadlint.findings import Finding
from loadlint.rules import ALL_RULES, RULES_BY_CODE, Rule
from loadlint.rules.runtime_failure import RuntimeFailure
from loadlint.runtime import pool
from loadlint.runtime.options import RuntimeOptions
from loadlint.suppress import apply_suppressions
from loadlint.tables.model import Tables

# Keywords of the call that the runtime sets itself (safety, placement, credentials, caching) or
# that only make sense in the user's process; every other constant keyword is passed on as written.
RUNTIME_DECIDES = frozenset(
    {
        "pretrained_model_name_or_path", "revision", "trust_remote_code", "token", "cache_dir",
        "local_files_only", "force_download", "proxies", "use_safetensors", "output_loading_info",
        "dtype", "torch_dtype", "device_map", "max_memory", "offload_folder", "offload_state_dict",
        "low_cpu_mem_usage", "quantization_config", "tp_plan", "tp_size", "device_mesh",
    }
)
SUGGESTED_CLASS = re.compile(r"^use `([A-Za-z_]\w*)`")
TOKEN_VALUE = re.compile(r"^hf_\w+$")
CONFIRMS: dict[str, bool | None] = {"failed": True, "partial": True, "warned": True, "clean": False}
MODELS_PER_META_WORKER = 10  # a worker's start (importing torch and transformers) costs about ten meta builds


# -- planning ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One class to build or load for one model, shared by every call that asks for the same."""

    kind: str
    loader: str
    task: str | None
    kwargs: dict[str, Any]
    trust_remote_code: bool
    alternatives: tuple[str, ...]

    def to_json(self, key: str) -> dict[str, Any]:
        return {"key": key, **dataclasses.asdict(self), "alternatives": list(self.alternatives)}


def suggested_class(finding: Finding, tables: Tables) -> str | None:
    """The model class a finding's `help:` line proposes (`use `X` ...`), when it names one."""
    match = SUGGESTED_CLASS.match(finding.suggestion or "")
    name = match.group(1) if match else None
    return name if name and _is_model_class(tables, name) else None


def _is_model_class(tables: Tables, name: str) -> bool:
    """An Auto model class or a model class transformers exports, as the engine decides (`semantics`)."""
    return name in tables.auto_models or semantics.is_model_class(tables, name)


def _loads_model(tables: Tables, name: str) -> bool:
    """A model class, or an Auto class this transformers no longer has (the import fails); not a
    config, tokenizer or processor class."""
    return _is_model_class(tables, name) or (name not in tables.loader_classes and is_removed_auto_class(name))


def plan_site(
    site: CallSite, model: ModelFacts | None, tables: Tables, alternatives: Sequence[str], options: RuntimeOptions
) -> Check | str:
    """The check for a call site, or why it cannot be checked."""
    loads_model = _loads_model(tables, site.loader) if site.kind == "from_pretrained" else site.kind == "pipeline"
    if not loads_model:
        return f"`{site.loader}` does not load a model"
    if site.ref is None:
        return "the model id or its revision is not a constant"
    if model is None:
        return "the model id was not resolved"
    task = (site.task or model.pipeline_tag) if site.kind == "pipeline" and not site.task_dynamic else None
    if site.kind == "pipeline" and task is None:
        return "the pipeline task is not known statically"
    trust = site.keyword("trust_remote_code")
    trusts = trust is not None and trust.is_constant and trust.value is True
    if model.auto_map and (site.keyword("**") is not None or (trust is not None and not trust.is_constant)):
        return "whether the call trusts the repository's own code (`trust_remote_code`) is not known statically"
    if model.auto_map and trusts and not options.allow_remote_code:
        return "the call runs the repository's own code: not confirmable without --allow-remote-code"
    return Check(
        kind=site.kind,
        loader=site.loader,
        task=task,
        kwargs=replayed_keywords(site),
        trust_remote_code=trusts and options.allow_remote_code,
        alternatives=tuple(name for name in alternatives if name != site.loader),
    )


def replayed_keywords(site: CallSite) -> dict[str, Any]:
    """The call's constant keyword arguments that the load should see as written (never a token)."""
    if site.kind != "from_pretrained":
        return {}
    replayed = {}
    for keyword in site.keywords:
        value = keyword.value
        if keyword.name in RUNTIME_DECIDES or keyword.name == "**" or not keyword.is_constant:
            continue
        if isinstance(value, str) and TOKEN_VALUE.match(value):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        replayed[keyword.name] = value
    return replayed


def job_for(model: ModelFacts, checks: list[dict[str, Any]], options: RuntimeOptions) -> dict[str, Any]:
    return {
        "mode": options.mode,
        "source": model.local_path or model.ref.model_id,
        "revision": None if model.local_path else model.ref.revision,
        "local": model.local_path is not None,
        "download": options.download,
        "device": options.device,
        "max_new_tokens": options.max_new_tokens,
        "max_params": options.max_params,
        "allow_pickle": options.allow_pickle,
        "checks": checks,
    }


def worker_count(options: RuntimeOptions, jobs: int) -> int:
    """Full mode loads one model at a time (memory); meta builds cost no memory, and a second
    worker pays for its start only when there are many models."""
    if options.mode == "full":
        return 1
    return min(2, os.cpu_count() or 1, 1 + jobs // MODELS_PER_META_WORKER)


# Variables that name a folder or file huggingface_hub or transformers reads.
CACHE_PATH_ENVIRONMENT = (
    "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_ASSETS_CACHE", "HF_XET_CACHE", "HF_TOKEN_PATH",
    "XDG_CACHE_HOME", "TRANSFORMERS_CACHE", "HF_MODULES_CACHE",
)


def worker_environment(options: RuntimeOptions) -> dict[str, str]:
    """The parent's environment (HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, the token), quieter, and
    offline when the run is: huggingface_hub reads all of it once, at import."""
    env = {
        **os.environ,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    if options.offline:
        env["HF_HUB_OFFLINE"] = "1"
    for name in CACHE_PATH_ENVIRONMENT:  # the worker runs in a temporary folder: keep relative paths meaning the same
        if env.get(name):
            env[name] = os.path.abspath(os.path.expanduser(env[name]))
    return env


# -- verdicts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """What the runtime saw at one call site: the `runtime` record, and what each suggested class did."""

    runtime: dict[str, Any]
    alternatives: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.runtime["outcome"] == "failed"

    def for_finding(self, rule: Rule | None, suggested: str | None) -> dict[str, Any]:
        """The record for one finding at this site: a rule about the code itself is neither
        confirmed nor refuted by a load; a suggested class is reported with what it did."""
        runtime = self.runtime
        if rule is not None and not rule.runtime_confirms:
            runtime = {**runtime, "confirmed": None, "observed": f"a load cannot show this; {runtime['observed']}"}
        alternative = self.alternatives.get(suggested or "")
        if alternative is None:
            return runtime
        observed = f"{runtime['observed']}; `{suggested}` instead: {alternative['observed']}"
        return {**runtime, "observed": observed, "suggested": alternative}


def not_checked(options: RuntimeOptions, reason: str, outcome: str = "not-confirmable", seconds: float = 0.0) -> dict:
    return {
        "mode": options.mode, "confirmed": None, "observed": reason, "device": None, "seconds": seconds,
        "outcome": outcome,
    }


def outcome_of(attempt: dict[str, Any]) -> str:
    """failed > partial > warned > clean, or why the attempt says nothing about the class."""
    if "refused" in attempt:
        return "not-confirmable"
    if "error" in attempt:
        return "unavailable" if attempt["unavailable"] else "failed"
    if attempt.get("lacks") or any(attempt.get("load_report", {}).values()):
        return "partial"
    return "warned" if attempt.get("warnings") else "clean"


def describe(attempt: dict[str, Any], outcome: str) -> str:
    """One line for people: the exception, the refusal, or what was built, loaded and generated."""
    if outcome in ("failed", "unavailable"):
        error = attempt["error"]
        line = f"{error['type']}: {_first_line(error['message']).rstrip('.')}"
        return line if outcome == "failed" else f"the model's files could not be read: {line}"
    if outcome == "not-confirmable":
        return attempt["refused"]
    report = attempt.get("load_report")
    if report is None:
        text = f"builds {attempt['concrete_class']}"
    else:
        text = (
            f"loads {attempt['concrete_class']} ({report['missing_keys']} missing, "
            f"{report['unexpected_keys']} unexpected, {report['mismatched_keys']} mismatched keys)"
        )
    if attempt.get("lacks"):
        groups = ", ".join(f"{name} ({size:,} parameters)" for name, size in attempt["lacks"].items())
        text += f", which has no place for {groups} of {attempt['own_class']}"
    if "generated" in attempt:
        generated = attempt["generated"]
        text += f"; generates {generated['tokens']} tokens: {generated['text']!r}"
    elif "not_generated" in attempt:
        text += f"; no generate: {attempt['not_generated']}"
    if outcome in ("partial", "warned") and attempt.get("warnings"):
        warnings = attempt["warnings"]
        text += f"; transformers warns: {warnings[0]}" + (f" (+{len(warnings) - 1} more)" if len(warnings) > 1 else "")
    return text


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _details(attempt: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in attempt.items() if key not in ("device", "refused", "unavailable")}


def observation_of(mode: str, result: dict[str, Any]) -> Observation:
    """The verdict on one check's result from the worker, and what each suggested class did."""
    used = result["used"]
    outcome = outcome_of(used)
    runtime = {
        "mode": mode, "confirmed": CONFIRMS.get(outcome), "observed": describe(used, outcome),
        "device": result["device"], "seconds": result["seconds"], "outcome": outcome, **_details(used),
    }
    alternatives = {}
    for name, attempt in result["alternatives"].items():
        alternative_outcome = outcome_of(attempt)
        alternatives[name] = {
            "outcome": alternative_outcome, "observed": describe(attempt, alternative_outcome), **_details(attempt)
        }
    return Observation(runtime, alternatives)


# -- the step --------------------------------------------------------------------------------------------


def observe(
    sites: Sequence[CallSite],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    options: RuntimeOptions,
    findings: Sequence[Finding] = (),
) -> dict[CallSite, Observation]:
    """Check every call site (several per worker job: one job per model) and say what happened;
    `findings` name the classes to try instead (their `help:` lines)."""
    alternatives: dict[tuple[str, Span, str | None], list[str]] = {}  # per call and id (a call may load several)
    for finding in findings:
        name = suggested_class(finding, tables)
        if name:
            alternatives.setdefault((finding.path, finding.span, finding.model_id), []).append(name)
    observations: dict[CallSite, Observation] = {}
    keys: dict[CallSite, tuple[ModelRef, str]] = {}
    checks: dict[ModelRef, dict[str, dict[str, Any]]] = {}  # ref -> signature -> check json
    checked_models: dict[ModelRef, ModelFacts] = {}
    for site in sites:
        model = facts_for(site, models)
        planned = plan_site(site, model, tables, alternatives.get((site.path, site.span, site.model_id), ()), options)
        if isinstance(planned, str):
            observations[site] = Observation(not_checked(options, planned))
            continue
        assert model is not None
        checked_models[model.ref] = model
        per_model = checks.setdefault(model.ref, {})
        signature = json.dumps(planned.to_json(""), sort_keys=True)
        per_model.setdefault(signature, planned.to_json(str(len(per_model))))
        keys[site] = (model.ref, per_model[signature]["key"])
    refs = list(checks)
    jobs = [job_for(checked_models[ref], list(checks[ref].values()), options) for ref in refs]
    with progress_bar(len(jobs), options) as advance:
        outcomes = pool.run_jobs(
            jobs, env=worker_environment(options), timeout=options.timeout, workers=worker_count(options, len(jobs)),
            on_done=advance,
        )
    by_ref = dict(zip(refs, outcomes))
    for site, (ref, key) in keys.items():
        outcome = by_ref[ref]
        result = outcome.results.get(key)
        if result is not None:
            observations[site] = observation_of(options.mode, result)
        else:
            assert outcome.failure is not None
            runtime = not_checked(options, outcome.failure, outcome.failure_kind, outcome.seconds)
            observations[site] = Observation(runtime)
    return observations


@dataclass(frozen=True)
class Confirmation:
    """The runtime step's outcome: the findings with `runtime` set (plus LL090s), and what it saw at
    every model-loading call, so calls without a finding are shown to load (or not) too."""

    findings: list[Finding]
    calls: list[dict[str, Any]]


def confirm(
    findings: Sequence[Finding],
    sites: Sequence[CallSite],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    options: RuntimeOptions,
    *,
    rules: Mapping[str, Sequence[Rule]] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Confirmation:
    """The findings with `runtime` set, plus LL090 findings, sorted, and one record per call.

    `rules` (path -> the rules that ran on that file; default: all) decides where LL090 is reported
    and what counts as flagged; `texts` (path -> source) lets `# noqa: LL090` comments apply.  A
    failure of the runtime step itself never loses the static findings: they come back with a
    `runtime` that says what failed.
    """
    try:
        observations = observe(sites, models, tables, options, findings)
    except Exception as exc:  # noqa: BLE001 - the static result must survive any runtime problem
        runtime = not_checked(options, f"the runtime step failed: {type(exc).__name__}: {exc}")
        return Confirmation([dataclasses.replace(finding, runtime=runtime) for finding in findings], [])
    site_at = {(site.path, site.span, site.model_id): site for site in sites}
    confirmed: list[Finding] = []
    for finding in findings:
        site = site_at.get((finding.path, finding.span, finding.model_id))
        runtime = (
            not_checked(options, "not a model-loading call")
            if site is None
            else observations[site].for_finding(RULES_BY_CODE.get(finding.code), suggested_class(finding, tables))
        )
        confirmed.append(dataclasses.replace(finding, runtime=runtime))
    confirmed += runtime_failures(observations, models, tables, rules or {}, texts or {})
    calls = [
        {"path": site.path, "line": site.span.line, "column": site.span.column, "loader": site.loader,
         "model_id": site.model_id, **observation.runtime}
        for site, observation in observations.items()
        if site.loads_model
    ]
    return Confirmation(sorted(confirmed, key=Finding.sort_key), sorted(calls, key=lambda c: (c["path"], c["line"])))


def runtime_failures(
    observations: Mapping[CallSite, Observation],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    rules: Mapping[str, Sequence[Rule]],
    texts: Mapping[str, str],
) -> list[Finding]:
    """LL090 for each call whose load raised and that no static rule flags, suppressed or not (a
    `# noqa: LL001` means the user knows), where LL090 runs, less what a comment silences."""
    failure = RuntimeFailure()
    by_path: dict[str, list[Finding]] = {}
    for site, seen in observations.items():
        ran = rules.get(site.path, ALL_RULES)
        if not seen.failed or not any(rule.code == failure.code for rule in ran):
            continue
        model = facts_for(site, models)
        if not any(found for rule in ran if not rule.runtime_only for found in rule.check(site, model, tables)):
            by_path.setdefault(site.path, []).append(
                failure.failure(site, model, seen.runtime["observed"], seen.runtime)
            )
    kept: list[Finding] = []
    for path, failures in by_path.items():
        text = texts.get(path)
        kept += failures if text is None else apply_suppressions(
            path, text, failures, judged_codes=frozenset(), unjudgeable_lines=frozenset()
        )
    return kept


@contextmanager
def progress_bar(total: int, options: RuntimeOptions) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr, one step per model, when asked for (a terminal); else quiet."""
    if not options.progress or total == 0:
        yield lambda index: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(f"runtime {options.mode}"), BarColumn(), MofNCompleteColumn(), TextColumn("models"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda index: bar.advance(task)
