"""What transformers does when a class loads a model, computed from its tables alone.

These functions replay `_BaseAutoModelClass.from_pretrained`'s decisions (auto_factory.py):
the config class is looked up in the Auto class's mapping, `auto_map` plus `trust_remote_code`
switches to repository code, and a model type that is missing from the mapping raises
`Unrecognized configuration class`.  Rules ask these questions; nothing here is a hand-kept list of
model types, so a new transformers release is handled by its own tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadlint.facts import ModelFacts
from loadlint.tables.model import Tables

CAUSAL_LM = "AutoModelForCausalLM"
MASKED_LM = "AutoModelForMaskedLM"

# Auto classes that build a whole generative checkpoint, with what a text-only decoder class leaves
# out of it.  Only the names of these Auto classes are fixed here; which model types they accept
# comes from the tables.
WHOLE_MODEL_CLASSES: dict[str, str] = {
    "AutoModelForSeq2SeqLM": "the encoder",
    "AutoModelForSpeechSeq2Seq": "the audio encoder",
    "AutoModelForImageTextToText": "the vision tower",
}
GENERATIVE_CLASSES: tuple[str, ...] = (CAUSAL_LM, *WHOLE_MODEL_CLASSES)


def is_known_type(tables: Tables, model_type: str | None) -> bool:
    return model_type is not None and model_type in tables.config_classes


def class_names(tables: Tables, auto_class: str, model_type: str) -> tuple[str, ...]:
    """Every class `auto_class` may build for `model_type` (a few types list several); () if none."""
    value = tables.auto_models.get(auto_class, {}).get(tables.lookup_type(model_type))
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def concrete_class(tables: Tables, auto_class: str, model_type: str) -> str | None:
    """The class `auto_class` builds for `model_type`, or None when its table lacks the type."""
    names = class_names(tables, auto_class, model_type)
    return names[0] if names else None


def accepts(tables: Tables, auto_class: str, model_type: str) -> bool:
    return concrete_class(tables, auto_class, model_type) is not None


def accepting_classes(tables: Tables, model_type: str) -> list[str]:
    """Every Auto model class whose table has the type: generative ones first, then by name (never
    the tables' own order, which a cached copy of them does not keep)."""
    found = [name for name in tables.auto_models if accepts(tables, name, model_type)]
    return sorted(found, key=lambda name: (name not in GENERATIVE_CLASSES, _generative_rank(name), name))


def _generative_rank(name: str) -> int:
    return GENERATIVE_CLASSES.index(name) if name in GENERATIVE_CLASSES else len(GENERATIVE_CLASSES)


def _task_of(auto_class: str) -> str:
    """`ForMaskedLM` of `AutoModelForMaskedLM`: the part an architecture's name ends with."""
    return auto_class.removeprefix("AutoModel")


def canonical_architecture(model: ModelFacts) -> str | None:
    return model.architectures[0] if model.architectures else None


def suggest_auto_class(tables: Tables, model: ModelFacts) -> str | None:
    """The Auto class to use for a model, in the order the core issue fixes:
    the class whose table maps the type to the checkpoint's own architecture, else the
    generative class that accepts it, else the Hub's `transformersInfo.auto_model` when this
    transformers has it."""
    if not is_known_type(tables, model.model_type):
        return None
    assert model.model_type is not None
    candidates = accepting_classes(tables, model.model_type)
    architecture = canonical_architecture(model)
    if architecture is not None:
        building = [name for name in candidates if architecture in class_names(tables, name, model.model_type)]
        named = [name for name in building if _task_of(name) and architecture.endswith(_task_of(name))]
        if named or building:  # `RobertaForMaskedLM`: AutoModelForMaskedLM, before AutoModelForPreTraining
            return (named or building)[0]
    for name in candidates:
        if name in GENERATIVE_CLASSES:
            return name
    if model.auto_model in tables.auto_models and model.auto_model in candidates:
        return model.auto_model
    return None


@dataclass(frozen=True, slots=True)
class PartialLoad:
    """A class that loads only part of a checkpoint: which class would load it all, and what is lost."""

    whole_auto_class: str
    whole_class: str
    dropped: str


def partial_load(tables: Tables, auto_class: str, model: ModelFacts) -> PartialLoad | None:
    """Does `auto_class` accept the model but build a decoder-only slice of it?

    True when the causal-LM class differs from the class a whole-model Auto class builds for the
    same type (BartForCausalLM vs BartForConditionalGeneration), unless the checkpoint itself
    was saved as that causal-LM class.
    """
    if auto_class != CAUSAL_LM or not is_known_type(tables, model.model_type):
        return None
    assert model.model_type is not None
    used = concrete_class(tables, auto_class, model.model_type)
    if used is None or canonical_architecture(model) == used:
        return None
    for whole_auto, dropped in WHOLE_MODEL_CLASSES.items():
        whole = concrete_class(tables, whole_auto, model.model_type)
        if whole is not None and whole != used:
            return PartialLoad(whole_auto, whole, dropped)
    return None


def needs_remote_code(tables: Tables, auto_class: str, model: ModelFacts) -> bool:
    """transformers would run the repo's code for this class (it has no local class for it)."""
    if auto_class not in model.auto_map_classes:
        return False
    if not is_known_type(tables, model.model_type):
        return True
    return auto_class != "AutoConfig" and not accepts(tables, auto_class, model.model_type or "")


# transformers redirects this one task in code (`_resolve_deprecated_task`), not in a table.
TASK_REDIRECTS = {"image-to-text": "image-text-to-text"}


def removed_task_reason(tables: Tables, task: str) -> str | None:
    """The removal note when the task is gone (`translation_xx_to_yy` counts as `translation`)."""
    key = "translation" if task.startswith("translation_") else task
    return tables.removed_tasks.get(key)


def task_classes(tables: Tables, task: str) -> tuple[str, ...] | None:
    """The Auto classes a pipeline task tries, in order; None for a task this transformers lacks."""
    task = TASK_REDIRECTS.get(task, task)
    return tables.pipeline_tasks.get(tables.task_aliases.get(task, task))


def loading_class(tables: Tables, kind: str, loader: str, task: str | None, model_type: str) -> str | None:
    """The Auto class that builds the model: the one called, or the first of a pipeline task's
    classes that accepts the type (pipelines try their classes in order)."""
    if kind == "from_pretrained":
        return loader if loader in tables.auto_models else None
    candidates = task_classes(tables, task) if task else None
    return next((name for name in candidates or () if accepts(tables, name, model_type)), None)


def is_encoder_only(tables: Tables, model_type: str) -> bool:
    """Masked-LM types that the causal-LM table also takes (with an `is_decoder` warning) and that
    no whole-model generative table has: BERT, RoBERTa, ELECTRA and kin, derived from the tables."""
    return (
        accepts(tables, CAUSAL_LM, model_type)
        and accepts(tables, MASKED_LM, model_type)
        and not any(accepts(tables, name, model_type) for name in WHOLE_MODEL_CLASSES)
    )


def generates_from_encoder(tables: Tables, auto_class: str, model: ModelFacts) -> bool:
    """LL003's case: the causal-LM class builds an encoder-only model as a text generator (unless
    the checkpoint was saved as the very class it builds)."""
    if auto_class != CAUSAL_LM or not is_known_type(tables, model.model_type):
        return False
    model_type = model.model_type or ""
    used = concrete_class(tables, auto_class, model_type)
    return is_encoder_only(tables, model_type) and canonical_architecture(model) != used


def builds_model(tables: Tables, kind: str, loader: str) -> bool:
    """Whether the call builds a model (an Auto model class, a concrete model class, or a model Auto
    class this transformers no longer has), not a config, tokenizer or processor."""
    if kind != "from_pretrained":
        return False
    if loader in tables.auto_models or is_model_class(tables, loader):
        return True
    return loader not in tables.loader_classes and "Auto" in loader and "Model" in loader


# Auto classes whose models generate speech with their own `generate` (Bark, MusicGen, SpeechT5):
# a class they build counts as one that can generate.
SPEECH_GENERATING_CLASSES: tuple[str, ...] = ("AutoModelForTextToWaveform", "AutoModelForTextToSpectrogram")


def _table_classes(tables: Tables, auto_class: str) -> set[str]:
    return {
        name
        for names in tables.auto_models.get(auto_class, {}).values()
        for name in ((names,) if isinstance(names, str) else names)
    }


def can_generate(tables: Tables, loader: str, model: ModelFacts | None) -> bool | None:
    """Whether what `loader.from_pretrained` builds has `.generate`: a class some generative Auto
    class also builds.  None when it cannot be told (repo code, an unknown type for a mixed table)."""
    if model is not None and loader in model.auto_map_classes:
        return None
    generating = set().union(
        *(_table_classes(tables, name) for name in (*GENERATIVE_CLASSES, *SPEECH_GENERATING_CLASSES))
    )
    if loader in tables.auto_models:
        if model is not None and is_known_type(tables, model.model_type):
            built = class_names(tables, loader, model.model_type or "")
            return any(name in generating for name in built) if built else None
        if loader in GENERATIVE_CLASSES or loader in SPEECH_GENERATING_CLASSES:
            return True
        # AutoModel builds base models; 2 of its ~800 types are generative, which resolution tells apart.
        if loader == "AutoModel" or not _table_classes(tables, loader) & generating:
            return False
        return None
    if tables.model_types_for_class(loader):
        return loader in generating
    return None


def generative_class_for(tables: Tables, model: ModelFacts) -> str | None:
    """The generative Auto class to load a model with (its own architecture's first), or None for an
    encoder-only model, which no class makes a generator."""
    if not is_known_type(tables, model.model_type) or is_encoder_only(tables, model.model_type or ""):
        return None
    accepting = [name for name in GENERATIVE_CLASSES if accepts(tables, name, model.model_type or "")]
    architecture = canonical_architecture(model)
    mapped = [name for name in accepting if architecture in class_names(tables, name, model.model_type or "")]
    return (mapped or accepting or [None])[0]


def is_decoder_only(tables: Tables, kind: str, loader: str, task: str | None) -> bool:
    """Whether the call builds a decoder-only text generator: `AutoModelForCausalLM`, a class only the
    causal-LM table builds, or a pipeline whose task loads with it."""
    if kind == "pipeline":
        return bool(task) and (task_classes(tables, task or "") or ())[:1] == (CAUSAL_LM,)
    if loader == CAUSAL_LM:
        return True
    return loader in _table_classes(tables, CAUSAL_LM) and not any(
        loader in _table_classes(tables, name) for name in WHOLE_MODEL_CLASSES
    )


def is_tokenizer_class(tables: Tables, loader: str) -> bool:
    return loader == "AutoTokenizer" or loader in tables.tokenizer_classes


def is_model_class(tables: Tables, loader: str) -> bool:
    """A model class transformers exports, in an Auto table or not (`CLIPTextModelWithProjection`)."""
    return loader in tables.model_classes or bool(tables.model_types_for_class(loader))


def class_model_types(tables: Tables, loader: str, model_type: str) -> frozenset[str]:
    """The model types a concrete class loads without a mismatch, where that is certain; empty when
    nothing certain can be said of the class on a checkpoint of `model_type`.

    `PreTrainedModel.from_pretrained` builds the class's config class from the checkpoint's config:
    a config class with a `base_config_key` takes that sub-config out of a composite config
    (`CLIPTextModel` on a CLIP checkpoint), so it is never judged.  A class in an Auto table is judged
    on the types those tables give it; any other exported class on its config class's own model_type,
    unless it is a base class (`*PreTrainedModel`) or the checkpoint's config nests sub-configs, among
    which transformers looks for one of the class's type."""
    config_class = tables.model_classes.get(loader)
    if config_class in tables.sub_config_classes:
        return frozenset()
    listed = tables.model_types_for_class(loader)
    if listed:
        return listed
    if config_class is None or loader.endswith(("PreTrainedModel", "PretrainedModel")):
        return frozenset()
    own = tables.config_model_types.get(config_class) or tables.config_owner(config_class)
    checkpoint_config = tables.config_classes.get(model_type)
    if own is None or checkpoint_config is None or checkpoint_config in tables.composite_config_classes:
        return frozenset()
    if checkpoint_config == config_class:  # an alias of the class's own type (gpt-sw3 for GPT2Config)
        return frozenset({own, model_type})
    return frozenset({own})
