"""`loadlint model ID` for people and for tools: the class to use on the first line, then the facts
and every Auto class that accepts the model; or the `ModelReport` JSON contract."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loadlint.facts import ModelFacts
    from loadlint.model_info import AutoClassFit, ModelReport

SOURCES = {
    "local": "a local folder",
    "lockfile": "the lockfile",
    "facts-cache": "loadlint's facts cache",
    "hf-cache": "the Hugging Face cache",
    "hub": "the Hub",
}


def render_model_json(report: ModelReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def render_model_text(report: ModelReport) -> str:
    facts = report.facts
    if facts is None:  # the CLI prints the reason as an error line instead
        return ""
    tables = f"transformers {report.transformers_version} ({report.transformers_origin})"
    lines = [f"{report.ref}: {_answer(report, facts, tables)}", *_fact_lines(report, facts)]
    if report.classes:
        width = max(len(fit.auto_class) for fit in report.classes)
        lines.append(f"Auto classes of {tables} that accept it:")
        lines.extend(f"  {fit.auto_class:<{width}}  {_fit_text(fit)}" for fit in report.classes)
    return "\n".join(lines) + "\n"


def _answer(report: ModelReport, facts: ModelFacts, tables: str) -> str:
    """Which class to use, or why no class of these tables loads it."""
    if facts.layout is not None:
        return f"not a transformers checkpoint: the repo holds {facts.layout} files, and no config.json"
    if report.use is not None:
        return f"use {report.use} (builds {report.use_builds})"
    if not report.known_type and report.classes:
        return (
            f"model_type `{facts.model_type}` is not in {tables}: "
            "its repository code loads it (trust_remote_code=True)"
        )
    if not report.known_type:
        return f"model_type `{facts.model_type}` is not in {tables}: no Auto class loads it"
    return "no Auto class maps its type to the checkpoint's own architecture: see the classes below"


def _fact_lines(report: ModelReport, facts: ModelFacts) -> list[str]:
    source = SOURCES.get(facts.source, facts.source)
    if facts.local_path:
        source += f" ({facts.local_path})"
    lines = [f"  facts from: {source}" + (f", commit {facts.sha}" if facts.sha else "")]
    if facts.layout is not None:
        return [*lines, f"  files: {', '.join(facts.layout_files) or 'none listed'}"]
    kind = "encoder-decoder" if facts.is_encoder_decoder else None
    lines.append(
        f"  model_type: {facts.model_type}; architectures: {', '.join(facts.architectures) or 'none given'}"
        + (f" ({kind})" if kind else "")
    )
    if facts.adapter_base is not None:
        what = f"{facts.peft_type} adapter" if facts.peft_type else "PEFT adapter"
        task = f", task {facts.adapter_task}" if facts.adapter_task else ""
        lines.append(f"  adapter: a {what} of {facts.adapter_base}{task}")
    lines.append(
        f"  pipeline tag: {facts.pipeline_tag or 'none'}; Hub's auto_model: {facts.auto_model or 'none'}; "
        f"gated: {'yes' if facts.gated else 'no'}"
    )
    remote = ", ".join(f"{name} -> {code}" for name, code in facts.auto_map)
    lines.append(f"  remote code (auto_map): {remote or 'none'}")
    lines.append(f"  tokenizer: {_tokenizer(facts)}")
    files = "unknown" if facts.processor_files is None else ", ".join(facts.processor_files) or "none"
    lines.append(f"  processors: {', '.join(report.processor_classes) or 'none'} (processor configs: {files})")
    return lines


def _tokenizer(facts: ModelFacts) -> str:
    if facts.tokenizer_auto_map is None and facts.tokenizer_class is None:
        return "unknown (no tokenizer_config.json read)"
    parts = [facts.tokenizer_class or "the model type's default"]
    parts += [f"{name} -> {code} (repository code)" for name, code in facts.tokenizer_auto_map or ()]
    if facts.has_chat_template is not None:
        parts.append(f"chat template: {'yes' if facts.has_chat_template else 'no'}")
    return "; ".join(parts)


def _fit_text(fit: AutoClassFit) -> str:
    parts = [f"-> {' or '.join(fit.builds)}"] if fit.builds else []
    if fit.remote_code is not None:
        parts.append(f"with trust_remote_code=True -> {fit.remote_code} (repository code)")
    if fit.partial is not None:
        partial = fit.partial
        parts.append(
            f"partial load: drops {partial.dropped}; use {partial.whole_auto_class} (builds {partial.whole_class})"
        )
    if fit.encoder_as_generator:
        parts.append("encoder-only model as a generator: generated text is meaningless")
    return "  ".join(parts)
