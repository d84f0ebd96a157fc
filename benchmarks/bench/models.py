"""The model ids the generated inputs load, and which Auto classes fit each one.

Every id resolves offline from one lockfile written next to the inputs: the entries of
examples/loadlint.lock (real ids), plus one generated entry per model type for the cases that need
more model types than the examples pin.  Which class fits is read from the transformers tables
loadlint itself uses, so the inputs follow the installed transformers version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loadlint.facts import ModelFacts
    from loadlint.tables import Tables

EXAMPLES_LOCKFILE = Path(__file__).resolve().parents[2] / "examples" / "loadlint.lock"
GENERATED_ORG = "loadlint-bench"
# The classes the generated calls use.  A call under one whose table lacks the model type is wrong
# (LL001, with a fix); the other classes may fit, or load only part of the checkpoint (LL002).
AUTO_CLASSES = (
    "AutoModelForCausalLM",
    "AutoModelForSeq2SeqLM",
    "AutoModelForMaskedLM",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForImageTextToText",
)
# A model's right class is the first of these that builds the checkpoint's own architecture;
# encoder-decoders and encoders come before causal LMs, whose tables also list them (BertLMHeadModel).
RIGHT_CLASS_ORDER = (
    "AutoModelForSeq2SeqLM",
    "AutoModelForMaskedLM",
    "AutoModelForCausalLM",
    "AutoModelForImageTextToText",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForSequenceClassification",
)


@dataclass(frozen=True)
class Model:
    model_id: str
    right_class: str
    wrong_classes: tuple[str, ...]  # those of AUTO_CLASSES whose table lacks the model type


@dataclass(frozen=True)
class ModelSet:
    examples: list[Model]  # the ids of examples/loadlint.lock that some class of RIGHT_CLASS_ORDER fits
    generated: list[Model]  # one per model type, spread over the types transformers knows
    lockfile_text: str  # pins both


def model_set(generated_count: int) -> ModelSet:
    """The example models, `generated_count` generated ones, and the lockfile that pins them all."""
    from loadlint.lockfile import dumps_lockfile, read_lockfile
    from loadlint.tables import load_tables

    tables = load_tables()
    pinned = list(read_lockfile(EXAMPLES_LOCKFILE).values())
    covered = {facts.model_type for facts in pinned}
    candidates = sorted(
        model_type
        for model_type in set().union(*(tables.auto_models[name] for name in AUTO_CLASSES))
        if model_type not in covered and tables.lookup_type(model_type) == model_type
    )
    step = len(candidates) / generated_count
    generated = [_generated_facts(tables, candidates[int(index * step)]) for index in range(generated_count)]
    return ModelSet(
        examples=[model for model in (_fit(tables, facts) for facts in pinned if not facts.auto_map) if model],
        generated=[_fit(tables, facts) for facts in generated],
        lockfile_text=dumps_lockfile([*pinned, *generated]),
    )


def _generated_facts(tables: Tables, model_type: str) -> ModelFacts:
    """Facts for a made-up checkpoint of `model_type` whose architecture its first right class builds."""
    from loadlint.facts import ModelFacts, ModelRef

    home = next(name for name in RIGHT_CLASS_ORDER if model_type in tables.auto_models.get(name, {}))
    return ModelFacts(
        ref=ModelRef(f"{GENERATED_ORG}/{model_type}", None),
        source="lockfile",
        model_type=model_type,
        architectures=(_class_names(tables.auto_models[home][model_type])[0],),
        is_encoder_decoder=True if home == "AutoModelForSeq2SeqLM" else None,
    )


def _fit(tables: Tables, facts: ModelFacts) -> Model | None:
    """The Model for pinned facts, or None when no class of RIGHT_CLASS_ORDER builds its architecture."""
    model_type = tables.lookup_type(facts.model_type)
    architecture = facts.architectures[0] if facts.architectures else None
    right = [
        name
        for name in RIGHT_CLASS_ORDER
        if architecture in _class_names(tables.auto_models.get(name, {}).get(model_type, ()))
    ]
    if not right:
        return None
    wrong = tuple(name for name in AUTO_CLASSES if model_type not in tables.auto_models[name])
    return Model(facts.ref.model_id, right[0], wrong)


def _class_names(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value
