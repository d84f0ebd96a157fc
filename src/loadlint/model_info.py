"""`loadlint model ID`: what loadlint knows about one model id, and which class to load it with.

The id is resolved through the chain `check` uses (local folder, lockfile, facts cache, HF cache,
Hub), and every verdict comes from the same `semantics` functions the rules call, so the answer here
is the one `check` would give a call loading this id.  `ModelReport.to_json` is a stable contract:
keys are added, never renamed or dropped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from loadlint import __version__, semantics
from loadlint.engine import CheckOptions, UsageError, resolver_settings, tables_for
from loadlint.facts import ModelFacts, ModelRef, Unresolved
from loadlint.lockfile import LockfileError
from loadlint.resolve import resolve_all
from loadlint.tables import Tables


@dataclass(frozen=True, slots=True)
class AutoClassFit:
    """One Auto model class that accepts the model: what it builds, and what `check` would say of it."""

    auto_class: str
    builds: tuple[str, ...]  # the concrete classes its mapping names for the type (usually one)
    remote_code: str | None  # the repository code it runs instead with trust_remote_code=True (`auto_map`)
    partial: semantics.PartialLoad | None  # LL002: it loads only part of the checkpoint
    encoder_as_generator: bool  # LL003: it makes an encoder-only model a text generator

    def to_json(self) -> dict:
        partial = self.partial
        return {
            "auto_class": self.auto_class,
            "builds": list(self.builds),
            "remote_code": self.remote_code,
            "partial": None if partial is None else {
                "dropped": partial.dropped, "use_instead": partial.whole_auto_class, "builds": partial.whole_class,
            },
            "encoder_as_generator": self.encoder_as_generator,
        }


@dataclass(frozen=True, slots=True)
class ModelReport:
    """The facts of one id (or why there are none) and the classes of the tables in use that load it."""

    ref: ModelRef
    transformers_version: str
    transformers_origin: str
    facts: ModelFacts | None = None
    unresolved: Unresolved | None = None
    use: str | None = None  # the Auto class to load it with (`semantics.suggest_auto_class`)
    known_type: bool = False  # the tables know its model_type
    classes: tuple[AutoClassFit, ...] = ()
    processor_classes: tuple[str, ...] = ()  # the processor Auto classes whose mapping has its type

    @property
    def use_builds(self) -> str | None:
        fit = next((fit for fit in self.classes if fit.auto_class == self.use), None)
        return fit.builds[0] if fit is not None and fit.builds else None

    def to_json(self) -> dict:
        facts = self.facts
        unresolved = self.unresolved
        return {
            "loadlint_version": __version__,
            "transformers_version": self.transformers_version,
            "transformers_origin": self.transformers_origin,
            "model_id": self.ref.model_id,
            "revision": self.ref.revision,
            "resolved": facts is not None,
            "unresolved": None if unresolved is None else {"reason": unresolved.reason, "detail": unresolved.detail},
            "source": facts.source if facts else None,
            "sha": facts.sha if facts else None,
            "local_path": facts.local_path if facts else None,
            "model_type": facts.model_type if facts else None,
            "known_type": self.known_type,
            "architectures": list(facts.architectures) if facts else [],
            "is_encoder_decoder": facts.is_encoder_decoder if facts else None,
            "use": None if self.use is None else {"auto_class": self.use, "builds": self.use_builds},
            "auto_classes": [fit.to_json() for fit in self.classes],
            "pipeline_tag": facts.pipeline_tag if facts else None,
            "hub_auto_model": facts.auto_model if facts else None,
            "gated": facts.gated if facts else None,
            "remote_code": dict(facts.auto_map) if facts else {},
            "tokenizer": _tokenizer_json(facts),
            "processors": {
                "auto_classes": list(self.processor_classes),
                "files": None if facts is None or facts.processor_files is None else list(facts.processor_files),
            },
            "weight_formats": None if facts is None or facts.weight_formats is None else list(facts.weight_formats),
            "layout": None if facts is None or facts.layout is None else {
                "kind": facts.layout, "files": list(facts.layout_files),
            },
            "adapter": None if facts is None or facts.adapter_base is None else {
                "base": facts.adapter_base, "task": facts.adapter_task, "peft_type": facts.peft_type,
            },
        }


def _tokenizer_json(facts: ModelFacts | None) -> dict:
    auto_map = facts.tokenizer_auto_map if facts else None
    return {
        "class": facts.tokenizer_class if facts else None,
        "remote_code": None if auto_map is None else {name: code for name, code in auto_map},
        "chat_template": facts.has_chat_template if facts else None,
    }


def look_up(ref: ModelRef, options: CheckOptions) -> ModelReport:
    """Resolve `ref` as `check` would (its lockfile found from the working directory) and describe it.
    Its tokenizer_config.json is read too, as for an id a tokenizer is loaded from.  Raises the
    engine's UsageError for tables or a lockfile that cannot be read."""
    tables = tables_for(options)
    settings = resolver_settings(options)
    try:
        resolution = resolve_all([ref], settings, tokenizers=frozenset({ref}))[ref]
    except LockfileError as exc:
        raise UsageError(str(exc)) from None
    return describe(ref, resolution, tables)


def describe(ref: ModelRef, resolution: ModelFacts | Unresolved, tables: Tables) -> ModelReport:
    """The report on one resolved (or unresolved) id against `tables`."""
    report = ModelReport(ref, tables.transformers_version, tables.origin)
    if isinstance(resolution, Unresolved):
        return dataclasses.replace(report, unresolved=resolution)
    model_type = resolution.model_type
    known = semantics.is_known_type(tables, model_type)
    remote = dict(resolution.auto_map)
    accepting = semantics.accepting_classes(tables, model_type) if known and model_type else []
    # generative classes first, as `accepting_classes` ranks them, then by name: the tables' own order
    # differs between freshly derived tables and cached ones
    accepting.sort(key=lambda name: "" if name in semantics.GENERATIVE_CLASSES else name)  # stable: keeps their rank
    by_repo_code = [name for name in remote if name in tables.auto_models and name not in accepting]
    classes = tuple(_fit(tables, name, resolution, remote.get(name)) for name in (*accepting, *by_repo_code))
    processors = sorted(name for name in tables.processor_types if known and tables.serves(name, model_type or ""))
    return dataclasses.replace(
        report,
        facts=resolution,
        use=semantics.suggest_auto_class(tables, resolution),
        known_type=known,
        classes=classes,
        processor_classes=tuple(processors),
    )


def _fit(tables: Tables, auto_class: str, model: ModelFacts, remote_code: str | None) -> AutoClassFit:
    """As the rules judge a class: one whose repository code replaces it is not judged on the tables."""
    judged = remote_code is None
    return AutoClassFit(
        auto_class=auto_class,
        builds=semantics.class_names(tables, auto_class, model.model_type or ""),
        remote_code=remote_code,
        partial=semantics.partial_load(tables, auto_class, model) if judged else None,
        encoder_as_generator=judged and semantics.generates_from_encoder(tables, auto_class, model),
    )
