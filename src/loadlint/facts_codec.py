"""The one codec of `ModelFacts`: each fact is declared once here, with the plain form the facts
cache (JSON) and the lockfile (TOML) store it in.  A new fact is a field of `ModelFacts` and one
`Fact` below; both stores, and their validation, follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loadlint.facts import ModelFacts, ModelRef

FactKind = str  # "string", "boolean", "integer", "strings" (a list), "string table" (a table of strings)
_TYPE_NAMES = {"string": "a string", "boolean": "a boolean", "integer": "an integer", "strings": "an array",
               "string table": "a table"}


class FactsDataError(ValueError):
    """Stored facts that do not fit their declaration; the message names the key and the problem."""


@dataclass(frozen=True)
class Fact:
    name: str  # the `ModelFacts` field, and the key it is stored under
    kind: FactKind
    locked: bool = True  # written to the lockfile (what `loadlint check --locked` needs)
    empty_is_known: bool = False  # an empty list or table is a fact (None is unknown), so it is stored


FACTS: tuple[Fact, ...] = (
    Fact("sha", "string"),
    Fact("model_type", "string"),
    Fact("architectures", "strings"),
    Fact("is_encoder_decoder", "boolean"),
    Fact("auto_map", "string table"),
    Fact("pipeline_tag", "string"),
    Fact("auto_model", "string"),
    Fact("gated", "boolean"),
    Fact("tags", "strings", locked=False),
    Fact("has_chat_template", "boolean"),
    Fact("vocab_size", "integer"),
    Fact("tokenizer_class", "string"),
    Fact("tokenizer_auto_map", "string table", empty_is_known=True),
    Fact("layout", "string"),
    Fact("layout_files", "strings"),
    Fact("adapter_base", "string"),
    Fact("adapter_task", "string"),
    Fact("peft_type", "string"),
    Fact("processor_files", "strings", empty_is_known=True),
    Fact("weight_formats", "strings", empty_is_known=True),
    Fact("gguf_architecture", "string"),
    Fact("processor_declarations", "string table", empty_is_known=True),
)
LOCKED_FACTS: tuple[Fact, ...] = tuple(fact for fact in FACTS if fact.locked)


def facts_to_data(facts: ModelFacts, declared: tuple[Fact, ...] = FACTS) -> dict[str, object]:
    """The declared facts that are known, as plain data (lists and tables): an unknown fact (None), or
    an empty collection that says nothing, is left out."""
    data: dict[str, object] = {}
    for fact in declared:
        value = getattr(facts, fact.name)
        if value is None or (not value and fact.kind in ("strings", "string table") and not fact.empty_is_known):
            continue
        plain = {"strings": list, "string table": dict}.get(fact.kind)
        data[fact.name] = plain(value) if plain is not None else value
    return data


def facts_from_data(
    ref: ModelRef, source: str, data: Mapping[str, object], declared: tuple[Fact, ...] = FACTS
) -> ModelFacts:
    """The facts stored as `data` (a missing key is an unknown fact); raises FactsDataError for a value
    that does not fit its declaration."""
    values: dict[str, object] = {}
    for fact in declared:
        value = data.get(fact.name)
        if value is not None:
            values[fact.name] = _read(fact, value)
    return ModelFacts(ref=ref, source=source, model_type=values.pop("model_type", None), **values)  # type: ignore[arg-type]


def _read(fact: Fact, value: object) -> object:
    expected = {"string": str, "boolean": bool, "integer": int, "strings": list, "string table": dict}[fact.kind]
    if not isinstance(value, expected) or (fact.kind == "integer" and isinstance(value, bool)):
        raise FactsDataError(f"{fact.name} must be {_TYPE_NAMES[fact.kind]}, not {type(value).__name__}")
    if fact.kind == "strings":
        if not all(isinstance(item, str) for item in value):  # type: ignore[union-attr]
            raise FactsDataError(f"{fact.name} must be a list of strings")
        return tuple(value)  # type: ignore[arg-type]
    if fact.kind == "string table":
        if not all(isinstance(key, str) and isinstance(item, str) for key, item in value.items()):  # type: ignore[union-attr]
            raise FactsDataError(f"{fact.name} values must be strings")
        return tuple(value.items())  # type: ignore[union-attr]
    return value
