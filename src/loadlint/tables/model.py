"""The tables loadlint lints with (`Tables`), their JSON form, and the error for tables that cannot be had.

One record for every source: derived from transformers' files, read from the on-disk cache, or the
bundled snapshot all go through `Tables.to_json` / `Tables.from_json`.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

# Bump when the shape of `Tables.to_json()` changes, so an old snapshot is rejected, not misread.
SCHEMA_VERSION = 4  # 4: gguf_architectures, model_classes and the config classes' traits

ClassNames = str | tuple[str, ...]


class TablesError(Exception):
    """The tables could not be read; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Tables:
    """The loading tables of one transformers version, as its runtime would see them."""

    transformers_version: str
    origin: str  # "installed", "snapshot", or the folder the tables were derived from
    config_classes: dict[str, str]  # model_type -> config class name, in CONFIG_MAPPING_NAMES order
    auto_models: dict[str, dict[str, ClassNames]]  # Auto model class -> {model_type: concrete class(es)}
    loader_classes: frozenset[str]  # every Auto* class with from_pretrained (models, config, tokenizer, ...)
    pipeline_tasks: dict[str, tuple[str, ...]]  # task -> Auto model classes of its "pt" entry
    task_aliases: dict[str, str]  # alias -> task
    removed_tasks: dict[str, str]  # task -> what to use instead (REMOVED_TASKS' message)
    tokenizer_classes: frozenset[str] = frozenset()  # the classes TOKENIZER_MAPPING_NAMES names
    renamed_kwargs: dict[str, str] = dataclasses.field(default_factory=dict)  # old -> new (deprecation warnings)
    ignored_model_kwargs: frozenset[str] = frozenset()  # popped and dropped by PreTrainedModel.from_pretrained
    ignored_tokenizer_kwargs: frozenset[str] = frozenset()  # popped and dropped by AutoTokenizer.from_pretrained
    # AutoProcessor, AutoImageProcessor, ... -> the model types its mapping serves
    processor_types: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    # GGUF_SUPPORTED_ARCHITECTURES: the GGUF architectures transformers converts (`gguf_file=`)
    gguf_architectures: frozenset[str] = frozenset()
    # Every model class a model package exports (`__all__`), Auto table or not -> its config class
    # (None when it cannot be read); and of each config class its class-level model_type, whether it
    # has a `base_config_key` and whether it declares sub-configs (see `tables.model_classes`).
    model_classes: dict[str, str | None] = dataclasses.field(default_factory=dict)
    config_model_types: dict[str, str] = dataclasses.field(default_factory=dict)
    sub_config_classes: frozenset[str] = frozenset()
    composite_config_classes: frozenset[str] = frozenset()

    def model_types_for_class(self, class_name: str) -> frozenset[str]:
        """The model types that some Auto class resolves to `class_name` (e.g. "T5ForConditionalGeneration")."""
        return self._types_by_class.get(class_name, frozenset())

    def lookup_type(self, model_type: str) -> str:
        """The model type transformers really looks up: mappings are keyed by config class, so an
        alias such as `gpt-sw3` (GPT2Config) is found under the type that owns its config class
        (transformers' reverse mapping keeps the last entry)."""
        config_class = self.config_classes.get(model_type)
        return self._config_owners.get(config_class, model_type) if config_class else model_type

    def serves(self, auto_class: str, model_type: str) -> bool:
        """Whether the processor Auto class `auto_class` (e.g. "AutoImageProcessor") has a class for
        `model_type`, looked up as transformers does (`lookup_type`)."""
        return self.lookup_type(model_type) in self.processor_types.get(auto_class, frozenset())

    def config_owner(self, class_name: str) -> str | None:
        """The model type whose config is `class_name`, as `lookup_type` finds it; None for none."""
        return self._config_owners.get(class_name)

    def is_config_class(self, class_name: str) -> bool:
        """Whether some model type's config is `class_name` (e.g. "GPT2Config")."""
        return class_name in self._config_owners

    @functools.cached_property
    def _config_owners(self) -> dict[str, str]:
        return {name: model_type for model_type, name in self.config_classes.items()}

    @functools.cached_property
    def _types_by_class(self) -> dict[str, frozenset[str]]:
        # cached_property writes straight into __dict__, so it works on a frozen dataclass.
        index: dict[str, set[str]] = {}
        for table in self.auto_models.values():
            for model_type, names in table.items():
                for name in (names,) if isinstance(names, str) else names:
                    index.setdefault(name, set()).add(model_type)
        return {name: frozenset(types) for name, types in index.items()}

    def to_json(self) -> dict:
        """A JSON-ready dict; keys sorted except `config_classes`, kept as ordered pairs."""
        return {
            "schema": SCHEMA_VERSION,
            "transformers_version": self.transformers_version,
            "config_classes": [[model_type, name] for model_type, name in self.config_classes.items()],
            "auto_models": {
                auto_class: {
                    model_type: names if isinstance(names, str) else list(names)
                    for model_type, names in sorted(self.auto_models[auto_class].items())
                }
                for auto_class in sorted(self.auto_models)
            },
            "loader_classes": sorted(self.loader_classes),
            "pipeline_tasks": {task: list(self.pipeline_tasks[task]) for task in sorted(self.pipeline_tasks)},
            "task_aliases": dict(sorted(self.task_aliases.items())),
            "removed_tasks": dict(sorted(self.removed_tasks.items())),
            "tokenizer_classes": sorted(self.tokenizer_classes),
            "renamed_kwargs": dict(sorted(self.renamed_kwargs.items())),
            "ignored_model_kwargs": sorted(self.ignored_model_kwargs),
            "ignored_tokenizer_kwargs": sorted(self.ignored_tokenizer_kwargs),
            "processor_types": {
                auto_class: sorted(self.processor_types[auto_class]) for auto_class in sorted(self.processor_types)
            },
            "gguf_architectures": sorted(self.gguf_architectures),
            "model_classes": dict(sorted(self.model_classes.items())),
            "config_model_types": dict(sorted(self.config_model_types.items())),
            "sub_config_classes": sorted(self.sub_config_classes),
            "composite_config_classes": sorted(self.composite_config_classes),
        }

    @classmethod
    def from_json(cls, data: dict, origin: str) -> Tables:
        """The inverse of `to_json`; raises TablesError on an unknown schema or a malformed document."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
            found = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise TablesError(f"{origin}: unsupported tables schema {found!r} (expected {SCHEMA_VERSION})")
        try:
            return cls(
                transformers_version=str(data["transformers_version"]),
                origin=origin,
                config_classes={str(k): str(v) for k, v in data["config_classes"]},
                auto_models={
                    auto_class: {k: v if isinstance(v, str) else tuple(v) for k, v in table.items()}
                    for auto_class, table in data["auto_models"].items()
                },
                loader_classes=frozenset(data["loader_classes"]),
                pipeline_tasks={task: tuple(names) for task, names in data["pipeline_tasks"].items()},
                task_aliases=dict(data["task_aliases"]),
                removed_tasks=dict(data["removed_tasks"]),
                tokenizer_classes=frozenset(data["tokenizer_classes"]),
                renamed_kwargs=dict(data["renamed_kwargs"]),
                ignored_model_kwargs=frozenset(data["ignored_model_kwargs"]),
                ignored_tokenizer_kwargs=frozenset(data["ignored_tokenizer_kwargs"]),
                processor_types={
                    auto_class: frozenset(types) for auto_class, types in data["processor_types"].items()
                },
                gguf_architectures=frozenset(data["gguf_architectures"]),
                model_classes={str(k): v if v is None else str(v) for k, v in data["model_classes"].items()},
                config_model_types={str(k): str(v) for k, v in data["config_model_types"].items()},
                sub_config_classes=frozenset(data["sub_config_classes"]),
                composite_config_classes=frozenset(data["composite_config_classes"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise TablesError(
                f"{origin}: malformed tables document ({type(error).__name__}: {error})"
            ) from None
