"""Step 1: a model id that names a local folder (what `from_pretrained` checks first)."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from loadlint.facts import ModelFacts, ModelRef, Unresolved
from loadlint.resolve.normalize import (
    ADAPTER_CONFIG_NAME,
    CONFIG_NAME,
    NO_TOKENIZER_CONFIG,
    PROCESSOR_FILES,
    TOKENIZER_CONFIG_NAME,
    ConfigError,
    TokenizerFacts,
    adapter_facts,
    adapter_model_facts,
    chat_template_presence,
    model_facts,
    read_config_file,
    read_json_file,
    repo_layout,
    tokenizer_facts,
)

# huggingface_hub/utils/_validators.py REPO_ID_REGEX, plus its "--", ".." and ".git" checks
_REPO_ID = re.compile(r"(\b[\w\-.]{1,96}\b/)?\b[\w\-.]{1,96}\b", re.ASCII)
_PATH_PREFIXES = ("/", "./", "../", "~", ".\\", "..\\")


def is_repo_id(model_id: str) -> bool:
    """Whether the Hub would accept `model_id` as a model repository id."""
    return (
        _REPO_ID.fullmatch(model_id) is not None
        and "--" not in model_id
        and ".." not in model_id
        and not model_id.endswith(".git")
    )


def is_path_like(model_id: str) -> bool:
    """An id that can only mean a folder: an explicit path, or nothing the Hub would accept."""
    return model_id.startswith(_PATH_PREFIXES) or not is_repo_id(model_id)


def resolve_local(ref: ModelRef, cwd: Path) -> ModelFacts | Unresolved | None:
    """Facts for a local folder, an Unresolved for a path-like id, or None to go on to the Hub steps."""
    path = Path(os.path.expanduser(ref.model_id))
    if not path.is_absolute():
        path = cwd / path
    try:
        is_dir = path.is_dir()
    except OSError:
        is_dir = False
    if not is_dir:
        if is_path_like(ref.model_id):
            return Unresolved(ref, "not-found", f"no such folder: {path}")
        return None
    config = path / CONFIG_NAME
    if not config.is_file():
        return _without_config(ref, path) or Unresolved(ref, "not-found", f"{path} has no config.json")
    try:
        facts = read_config_file(config)
    except ConfigError as exc:
        return Unresolved(ref, "invalid-config", str(exc))
    files = _listing(path)
    has_chat_template, tokenizer = _tokenizer_files(path, files) if files is not None else (None, None)
    found = model_facts(
        ref,
        "local",
        facts,
        sha=None,
        has_chat_template=has_chat_template,
        vocab_size=facts.vocab_size,
        tokenizer=tokenizer,
        files=files,
        processor_configs=_processor_configs(path, files) if files is not None else None,
    )
    return dataclasses.replace(found, local_path=str(path.resolve()))


def _listing(folder: Path) -> frozenset[str] | None:
    try:
        return frozenset(entry.name for entry in folder.iterdir())
    except OSError:
        return None


def _processor_configs(folder: Path, files: frozenset[str]) -> dict[str, dict]:
    """The processor configs of a folder that can be read, by name (what AutoProcessor reads first)."""
    configs = {}
    for name in PROCESSOR_FILES:
        try:
            content = read_json_file(folder / name) if name in files else None
        except ConfigError:
            continue
        if isinstance(content, dict):
            configs[name] = content
    return configs


def _tokenizer_files(folder: Path, files: frozenset[str]) -> tuple[bool | None, TokenizerFacts | None]:
    """Whether the folder's tokenizer files carry a chat template, and what tokenizer_config.json says
    (None for what cannot be read)."""
    if TOKENIZER_CONFIG_NAME not in files:
        return chat_template_presence(files, None), NO_TOKENIZER_CONFIG
    try:
        config = read_json_file(folder / TOKENIZER_CONFIG_NAME)
    except ConfigError:
        return None, None
    if not isinstance(config, dict):
        return None, None
    return chat_template_presence(files, config), tokenizer_facts(config)


def _without_config(ref: ModelRef, folder: Path) -> ModelFacts | Unresolved | None:
    """The facts of a folder without config.json: a PEFT adapter (its base is resolved next), or what it
    holds instead of a checkpoint (original weights, GGUF files, ...); None when it cannot be listed."""
    files = _listing(folder)
    if files is None:
        return None
    if ADAPTER_CONFIG_NAME in files:
        try:
            adapter = adapter_facts(read_json_file(folder / ADAPTER_CONFIG_NAME))
        except ConfigError as exc:
            return Unresolved(ref, "invalid-config", str(exc))
        return adapter_model_facts(ref, "local", adapter, local_path=str(folder.resolve()))
    found = repo_layout(files)
    if found is None:
        return None
    layout, shown = found
    return ModelFacts(ref, "local", None, local_path=str(folder.resolve()), layout=layout, layout_files=shown)
