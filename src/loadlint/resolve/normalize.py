"""Turn a config.json (or the Hub's curated `config` subset) into the few facts loadlint keeps.

Pure functions over plain dicts: no filesystem, no network, no huggingface_hub.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from loadlint.facts import ModelFacts, ModelRef
from loadlint.limits import size_text

# The most bytes of one JSON document (a config.json, a Hub answer) loadlint reads before giving up.
# Parsed JSON costs several times its size in Python objects, so a broken or hostile file or answer
# must not be read whole; real ones are far smaller (config.json: a few kB, a few hundred with large
# label maps; model_info with `siblings`: about 60 bytes per file, ~6 MiB for 100,000 files).
MAX_JSON_BYTES = 10 * 2**20


class ConfigError(Exception):
    """config.json exists but cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True, slots=True)
class ConfigFacts:
    """What loadlint reads from a config: `model_type` is None only for a partial (Hub) config."""

    model_type: str | None
    architectures: tuple[str, ...] = ()
    auto_map: tuple[tuple[str, str], ...] = ()
    is_encoder_decoder: bool | None = None
    vocab_size: int | None = None
    # The processor class (or AutoProcessor repo code) it names; "" for none, None for a partial config.
    processor_declaration: str | None = None


# Where a tokenizer finds its chat template besides tokenizer_config.json's `chat_template` key
# (transformers' tokenization_utils_base: CHAT_TEMPLATE_FILE, CHAT_TEMPLATE_DIR; processors' file).
CHAT_TEMPLATE_FILES = frozenset({"chat_template.jinja", "chat_template.json"})
CHAT_TEMPLATE_DIR = "additional_chat_templates"
CONFIG_NAME = "config.json"
# What AutoFeatureExtractor, AutoImageProcessor and AutoVideoProcessor read before config.json.
PROCESSOR_FILES = ("preprocessor_config.json", "processor_config.json", "video_preprocessor_config.json")
PROCESSOR_CONFIG_NAME = "processor_config.json"
PREPROCESSOR_CONFIG_NAME = "preprocessor_config.json"
VIDEO_PREPROCESSOR_CONFIG_NAME = "video_preprocessor_config.json"
ADAPTER_CONFIG_NAME = "adapter_config.json"
SHOWN_LAYOUT_FILES = 3
TOKENIZER_CONFIG_NAME = "tokenizer_config.json"


def chat_template_presence(files: frozenset[str], tokenizer_config: Mapping[str, object] | None) -> bool | None:
    """Whether a repo whose complete file list is `files` ships a chat template; None when unknown.

    `tokenizer_config` is tokenizer_config.json's content (or the Hub's copy of its keys), None when
    it was not read: a tokenizer_config.json that is listed but unread leaves the answer unknown.
    """
    if any(name in CHAT_TEMPLATE_FILES or name.split("/")[0] == CHAT_TEMPLATE_DIR for name in files):
        return True
    if tokenizer_config is not None:
        return bool(tokenizer_config.get("chat_template"))
    return None if TOKENIZER_CONFIG_NAME in files else False


@dataclass(frozen=True, slots=True)
class TokenizerFacts:
    """What AutoTokenizer reads from tokenizer_config.json before config.json."""

    tokenizer_class: str | None
    auto_map: tuple[tuple[str, str], ...]
    # The processor class it names for AutoProcessor ("" for none); None: there is no such file.
    processor_declaration: str | None = None


NO_TOKENIZER_CONFIG = TokenizerFacts(None, ())  # the repo has no tokenizer_config.json


def processor_declaration(config: Mapping[str, object]) -> str:
    """What a file AutoProcessor reads names for it: its `processor_class`, else its
    `auto_map["AutoProcessor"]` (repository code); "" for neither.  Either one keeps AutoProcessor
    from its fallbacks (a bare tokenizer, image processor...)."""
    name = config.get("processor_class")
    if isinstance(name, str) and name:
        return name
    return dict(_auto_map(config.get("auto_map"))).get("AutoProcessor", "")


def processor_declarations(
    files: frozenset[str] | None,
    tokenizer: TokenizerFacts | None,
    config: ConfigFacts,
    processor_configs: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[tuple[str, str], ...] | None:
    """Each file AutoProcessor reads for a declared processor (transformers' processing_auto order:
    processor_config.json, preprocessor_config.json or else video_preprocessor_config.json,
    tokenizer_config.json, config.json) that the repo has, with what it names ("" for nothing); None
    unless every one of them was read (`processor_configs` holds the processor configs' contents)."""
    if files is None or tokenizer is None or config.processor_declaration is None:
        return None
    lookup = [PROCESSOR_CONFIG_NAME, PREPROCESSOR_CONFIG_NAME if PREPROCESSOR_CONFIG_NAME in files
              else VIDEO_PREPROCESSOR_CONFIG_NAME]
    declared = []
    for name in (name for name in lookup if name in files):
        content = (processor_configs or {}).get(name)
        if content is None:
            return None
        declared.append((name, processor_declaration(content)))
    if tokenizer.processor_declaration is not None:
        declared.append((TOKENIZER_CONFIG_NAME, tokenizer.processor_declaration))
    return (*declared, (CONFIG_NAME, config.processor_declaration))


# A weight file's format, by how transformers names it (WEIGHTS_NAME, SAFE_WEIGHTS_NAME, TF2_WEIGHTS_NAME,
# FLAX_WEIGHTS_NAME, and their sharded indexes).
WEIGHT_FORMATS = (
    ("safetensors", ("model.safetensors", "model.safetensors.index.json")),
    ("pytorch", ("pytorch_model.bin", "pytorch_model.bin.index.json")),
    ("tf", ("tf_model.h5", "tf_model.h5.index.json")),
    ("flax", ("flax_model.msgpack", "flax_model.msgpack.index.json")),
)


def weight_formats(files: frozenset[str]) -> tuple[str, ...]:
    """The formats of the weights at the top of a repo: a file of that name, or its shards."""
    return tuple(
        format_name
        for format_name, names in WEIGHT_FORMATS
        if any(name in files or _sharded(name, files) for name in names)
    )


def _sharded(name: str, files: frozenset[str]) -> bool:
    """`model-00001-of-00002.safetensors` for `model.safetensors`."""
    stem, _, suffix = name.partition(".")
    return any(file.startswith(f"{stem}-") and file.endswith(f".{suffix}") for file in files)


def processor_files(files: frozenset[str]) -> tuple[str, ...]:
    """The processor configs among a repo's files, in `PROCESSOR_FILES` order."""
    return tuple(name for name in PROCESSOR_FILES if name in files)


def repo_layout(files: frozenset[str]) -> tuple[str, tuple[str, ...]] | None:
    """What a repo holds when it is no transformers checkpoint (no config.json, no adapter), and a few
    of its files that show it; None for a checkpoint, an adapter, or nothing at all.  Told from the file
    list alone."""
    if not files or CONFIG_NAME in files or ADAPTER_CONFIG_NAME in files:
        return None
    layouts = (
        ("gguf", [name for name in files if name.endswith(".gguf")]),
        ("original", [name for name in files if name.startswith("consolidated.") or name == "params.json"]),
        ("diffusers", [name for name in files if name == "model_index.json"]),
        ("sentence-transformers", [name for name in files if name in ("modules.json", "sentence_bert_config.json")]),
    )
    for layout, shown in layouts:
        if shown:
            return layout, tuple(sorted(shown)[:SHOWN_LAYOUT_FILES])
    return "other", tuple(sorted(files)[:SHOWN_LAYOUT_FILES])


def gguf_architecture(gguf: object) -> str | None:
    """The `architecture` of model_info's `gguf` (the `general.architecture` the Hub read from the
    repo's GGUF files); None when the Hub gives none."""
    architecture = gguf.get("architecture") if isinstance(gguf, Mapping) else None
    return architecture if isinstance(architecture, str) and architecture else None


@dataclass(frozen=True, slots=True)
class AdapterFacts:
    """adapter_config.json: the base model a PEFT adapter is attached to, its task and its kind."""

    base: str | None
    task: str | None
    peft_type: str | None


def adapter_facts(config: object) -> AdapterFacts:
    if not isinstance(config, Mapping):
        return AdapterFacts(None, None, None)
    base, task, kind = (config.get(key) for key in ("base_model_name_or_path", "task_type", "peft_type"))
    return AdapterFacts(*(value if isinstance(value, str) and value else None for value in (base, task, kind)))


def adapter_model_facts(ref: ModelRef, source: str, adapter: AdapterFacts, **repo: object) -> ModelFacts:
    """An adapter's own facts, before its base is resolved (its config facts are the base's)."""
    return ModelFacts(
        ref, source, None, adapter_base=adapter.base, adapter_task=adapter.task, peft_type=adapter.peft_type, **repo
    )  # type: ignore[arg-type]


def tokenizer_facts(config: object) -> TokenizerFacts:
    """tokenizer_config.json's `tokenizer_class` and `auto_map`; an old file's list `auto_map` is
    AutoTokenizer's [slow, fast] pair, as transformers reads it."""
    if not isinstance(config, Mapping):
        return NO_TOKENIZER_CONFIG
    name, auto_map = config.get("tokenizer_class"), config.get("auto_map")
    if isinstance(auto_map, (list, tuple)):
        auto_map = {"AutoTokenizer": auto_map}
    return TokenizerFacts(
        name if isinstance(name, str) and name else None, _auto_map(auto_map), processor_declaration(config)
    )


def read_json_file(path: Path) -> object:
    """A JSON file of a repo, at most MAX_JSON_BYTES of it; raises ConfigError when it cannot be read."""
    try:
        return json.loads(_read_text(path))
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({_one_line(exc)})") from None


def normalize_config(config: Mapping[str, object], *, full: bool) -> ConfigFacts:
    """Normalise a config mapping the way transformers 5 reads it.

    `full` says the mapping is a whole config.json: only then can the mistral -> ministral rewrite
    (which needs `layer_types`) be applied and `is_encoder_decoder` be known.  The Hub's `config`
    field is a curated subset, so for it both stay undecided (`is_encoder_decoder` is None).
    """
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        model_type = None
    elif full and model_type == "mistral" and "layer_types" in config:
        # transformers/models/auto/configuration_auto.py: mistral with layer_types loads as ministral
        model_type = "ministral"
    is_encoder_decoder = config.get("is_encoder_decoder") if full else None
    vocab_size = config.get("vocab_size")
    return ConfigFacts(
        model_type=model_type,
        architectures=_architectures(config.get("architectures")),
        auto_map=_auto_map(config.get("auto_map")),
        is_encoder_decoder=is_encoder_decoder if isinstance(is_encoder_decoder, bool) else None,
        vocab_size=vocab_size if isinstance(vocab_size, int) and not isinstance(vocab_size, bool) else None,
        processor_declaration=processor_declaration(config) if full else None,
    )


def read_config_file(path: Path) -> ConfigFacts:
    """Read and normalise a full config.json; raises ConfigError when it has no usable model_type.

    At most MAX_JSON_BYTES are read: a huge file (a mistake, or a weights file saved under that
    name) is reported instead of being loaded whole into memory.
    """
    return parse_config_text(_read_text(path), str(path))


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise ConfigError(f"{path}: larger than {size_text(MAX_JSON_BYTES)}, not read")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({_one_line(exc)})") from None


def parse_config_text(text: str, where: str) -> ConfigFacts:
    """Parse the text of a full config.json found at `where` (a path or `id@sha` for messages)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: not valid JSON ({_one_line(exc)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a JSON object, found {type(data).__name__}")
    facts = normalize_config(data, full=True)
    if facts.model_type is None:
        problem = "has no model_type key" if "model_type" not in data else "has an empty or non-string model_type"
        raise ConfigError(f"{where}: {problem}")
    return facts


def _architectures(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _auto_map(value: object) -> tuple[tuple[str, str], ...]:
    """`auto_map` values are a class reference or, for tokenizers, a [slow, fast] list (either may be null)."""
    if not isinstance(value, Mapping):
        return ()
    pairs: list[tuple[str, str]] = []
    for name, ref in value.items():
        if isinstance(ref, (list, tuple)):
            ref = ",".join(item for item in ref if isinstance(item, str) and item)
        if isinstance(name, str) and isinstance(ref, str) and ref:
            pairs.append((name, ref))
    return tuple(pairs)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def model_facts(
    ref: ModelRef,
    source: str,
    config: ConfigFacts,
    *,
    sha: str | None,
    pipeline_tag: str | None = None,
    auto_model: str | None = None,
    gated: bool = False,
    tags: tuple[str, ...] = (),
    has_chat_template: bool | None = None,
    vocab_size: int | None = None,
    tokenizer: TokenizerFacts | None = None,
    files: frozenset[str] | None = None,
    gguf_architecture: str | None = None,
    processor_configs: Mapping[str, Mapping[str, object]] | None = None,
) -> ModelFacts:
    """The facts of a checkpoint; `files` is the repo's file list when it is known, `processor_configs`
    the contents of the processor configs that were read (a local folder's)."""
    return ModelFacts(
        ref=ref,
        source=source,
        model_type=config.model_type,
        architectures=config.architectures,
        is_encoder_decoder=config.is_encoder_decoder,
        auto_map=config.auto_map,
        pipeline_tag=pipeline_tag,
        auto_model=auto_model,
        sha=sha,
        gated=gated,
        tags=tags,
        has_chat_template=has_chat_template,
        vocab_size=vocab_size,
        tokenizer_class=tokenizer.tokenizer_class if tokenizer is not None else None,
        tokenizer_auto_map=tokenizer.auto_map if tokenizer is not None else None,
        processor_files=processor_files(files) if files is not None else None,
        weight_formats=weight_formats(files) if files is not None else None,
        gguf_architecture=gguf_architecture,
        processor_declarations=processor_declarations(files, tokenizer, config, processor_configs),
    )
