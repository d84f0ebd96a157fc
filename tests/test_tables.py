"""The tables read from transformers' source must equal what transformers itself sees at runtime."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path

import pytest

from loadlint import tables as tables_module
from loadlint.tables import (
    SNAPSHOT_PATH,
    Tables,
    TablesError,
    derive_tables,
    load_tables,
)

SRC_DIR = Path(__file__).resolve().parents[1] / "src"


def _installed_transformers() -> Path | None:
    spec = find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


INSTALLED = _installed_transformers()
requires_transformers = pytest.mark.skipif(INSTALLED is None, reason="transformers is not installed")
# Parametrize over what the derivation finds; test_same_auto_classes_as_runtime checks that list itself.
DERIVED = derive_tables(INSTALLED) if INSTALLED is not None else None
AUTO_CLASSES = sorted(DERIVED.auto_models) if DERIVED is not None else []

RUNTIME_DUMP = textwrap.dedent(
    """
    import importlib
    import json
    import pkgutil
    import sys

    import transformers
    import transformers.models.auto as auto_package
    from transformers.models.auto import (
        configuration_auto,
        feature_extraction_auto,
        image_processing_auto,
        processing_auto,
        video_processing_auto,
    )
    from transformers.pipelines import REMOVED_TASKS, SUPPORTED_TASKS, TASK_ALIASES

    def names(value):
        if isinstance(value, (list, tuple)):
            return [names(item) for item in value]
        return value if isinstance(value, str) else value.__name__

    def registered(mapping):
        # What Auto*.register added at import time, keyed by model type like the rest.
        reverse = {config_class: model_type for model_type, config_class in mapping._config_mapping.items()}
        return {reverse.get(key.__name__, key.__name__): value for key, value in mapping._extra_content.items()}

    def runtime_table(mapping):
        # What _LazyAutoMapping resolves: model types present in both tables, plus registered extras.
        config, models = mapping._config_mapping, mapping._model_mapping
        table = {model_type: names(value) for model_type, value in models.items() if model_type in config}
        table.update({model_type: names(value) for model_type, value in registered(mapping).items()})
        return table

    def served_types(mapping):
        # The model types a processor Auto class has a class for: the same, less None or empty values.
        config, classes = mapping._config_mapping, mapping._model_mapping
        served = {model_type for model_type, value in classes.items() if value and model_type in config}
        return sorted(served | set(registered(mapping)))

    # Every Auto* class of transformers.models.auto.*; the top-level names can be dummies that raise
    # ImportError when an optional backend (PIL for AutoImageProcessor) is missing.
    auto_models, loaders = {}, []
    for info in pkgutil.iter_modules(auto_package.__path__):
        module = importlib.import_module(f"{auto_package.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if not (name.startswith("Auto") and isinstance(obj, type) and obj.__module__ == module.__name__):
                continue
            if hasattr(obj, "from_pretrained"):
                loaders.append(name)
            if getattr(obj, "_model_mapping", None) is not None:
                auto_models[name] = runtime_table(obj._model_mapping)

    top_level_auto_models = []
    for name in dir(transformers):
        if name.startswith("AutoModel"):
            try:
                if getattr(getattr(transformers, name), "_model_mapping", None) is not None:
                    top_level_auto_models.append(name)
            except ImportError:
                pass

    processor_mappings = {
        "AutoFeatureExtractor": feature_extraction_auto.FEATURE_EXTRACTOR_MAPPING,
        "AutoImageProcessor": image_processing_auto.IMAGE_PROCESSOR_MAPPING,
        "AutoProcessor": processing_auto.PROCESSOR_MAPPING,
        "AutoVideoProcessor": video_processing_auto.VIDEO_PROCESSOR_MAPPING,
    }

    json.dump(
        {
            "version": transformers.__version__,
            "config_classes": list(configuration_auto.CONFIG_MAPPING_NAMES.items()),
            "auto_models": auto_models,
            "top_level_auto_models": top_level_auto_models,
            "loader_classes": loaders,
            "pipeline_tasks": {task: names(entry.get("pt", ())) for task, entry in SUPPORTED_TASKS.items()},
            "task_aliases": TASK_ALIASES,
            "removed_tasks": REMOVED_TASKS,
            "processor_types": {name: served_types(mapping) for name, mapping in processor_mappings.items()},
        },
        sys.stdout,
    )
    """
)


@pytest.fixture(scope="module")
def runtime() -> dict:
    """The tables as the imported transformers sees them (one import: it costs seconds)."""
    result = subprocess.run(
        [sys.executable, "-c", RUNTIME_DUMP], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _jsonable(table: dict) -> dict:
    return {key: value if isinstance(value, str) else list(value) for key, value in table.items()}


# --------------------------------------------------------------------------------------------------
# (a) derived == runtime


@requires_transformers
def test_version_matches_runtime(runtime: dict) -> None:
    assert DERIVED.transformers_version == runtime["version"]


@requires_transformers
def test_config_classes_match_runtime_including_order(runtime: dict) -> None:
    assert [list(item) for item in DERIVED.config_classes.items()] == runtime["config_classes"]


@requires_transformers
def test_same_auto_classes_as_runtime(runtime: dict) -> None:
    assert set(DERIVED.auto_models) == set(runtime["auto_models"])
    # Every public AutoModel* is one of them (AutoBackbone is the one not named AutoModel*).
    assert {name for name in DERIVED.auto_models if name.startswith("AutoModel")} == set(
        runtime["top_level_auto_models"]
    )


@requires_transformers
@pytest.mark.parametrize("auto_class", AUTO_CLASSES)
def test_auto_class_table_matches_runtime(runtime: dict, auto_class: str) -> None:
    assert _jsonable(DERIVED.auto_models[auto_class]) == runtime["auto_models"][auto_class]


@requires_transformers
def test_loader_classes_match_runtime(runtime: dict) -> None:
    assert DERIVED.loader_classes == frozenset(runtime["loader_classes"])
    assert {"AutoConfig", "AutoTokenizer", "AutoProcessor", "AutoModelForCausalLM"} <= DERIVED.loader_classes


@requires_transformers
def test_pipeline_tables_match_runtime(runtime: dict) -> None:
    assert {task: list(names) for task, names in DERIVED.pipeline_tasks.items()} == runtime["pipeline_tasks"]
    assert DERIVED.task_aliases == runtime["task_aliases"]
    assert DERIVED.removed_tasks == runtime["removed_tasks"]


@requires_transformers
def test_processor_types_match_runtime(runtime: dict) -> None:
    assert {name: sorted(types) for name, types in DERIVED.processor_types.items()} == runtime["processor_types"]
    assert DERIVED.serves("AutoImageProcessor", "vit") and DERIVED.serves("AutoProcessor", "llava")
    assert not DERIVED.serves("AutoVideoProcessor", "bert")


@requires_transformers
def test_model_types_for_class() -> None:
    assert "t5" in DERIVED.model_types_for_class("T5ForConditionalGeneration")
    assert "funnel" in DERIVED.model_types_for_class("FunnelBaseModel")  # a member of a tuple value
    assert DERIVED.model_types_for_class("NoSuchModel") == frozenset()


# --------------------------------------------------------------------------------------------------
# (b) the bundled snapshot


def test_snapshot_round_trips() -> None:
    snapshot = Tables.from_json(json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8")), origin="snapshot")
    again = Tables.from_json(json.loads(json.dumps(snapshot.to_json())), origin="snapshot")
    assert again == snapshot
    assert list(again.config_classes) == list(snapshot.config_classes)


@requires_transformers
def test_snapshot_is_current() -> None:
    snapshot = json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8"))
    if snapshot["transformers_version"] != DERIVED.transformers_version:
        pytest.skip(f"snapshot is for transformers {snapshot['transformers_version']}, not the installed one")
    assert snapshot == DERIVED.to_json(), "bundled snapshot is stale: run scripts/regenerate_tables.py"


def test_from_json_rejects_unknown_schema() -> None:
    with pytest.raises(TablesError, match="unsupported tables schema"):
        Tables.from_json({"schema": 999}, origin="x.json")


# --------------------------------------------------------------------------------------------------
# (c) where the tables come from


def _copy_package(destination: Path) -> Path:
    """The files the derivation reads, copied out of the installed transformers."""
    package = destination / "transformers"
    for relative in (
        "__init__.py",
        "modeling_utils.py",
        "pipelines/__init__.py",
        "integrations/ggml.py",
        *(path.relative_to(INSTALLED).as_posix() for path in (INSTALLED / "models" / "auto").glob("*.py")),
        *(
            path.relative_to(INSTALLED).as_posix()
            for pattern in ("*/modeling_*.py", "*/configuration_*.py")
            for path in (INSTALLED / "models").glob(pattern)
        ),
    ):
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(INSTALLED / relative, package / relative)
    return package


@requires_transformers
def test_load_tables_from_copied_package(tmp_path: Path) -> None:
    package = _copy_package(tmp_path)
    from_site_packages = load_tables(tmp_path)
    from_package = load_tables(str(package))
    assert from_site_packages.origin == str(tmp_path)
    assert from_package.origin == str(package)
    assert from_site_packages.to_json() == from_package.to_json() == DERIVED.to_json()


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


# A fake transformers using every form the evaluator supports.
_MINIMAL_SOURCES = {
    "__init__.py": '__version__ = "9.9.9"\n',
    "models/auto/auto_mappings.py": """
        from collections import OrderedDict
        CONFIG_MAPPING_NAMES = OrderedDict([("bert", "BertConfig"), ("gpt2", "GPT2Config"), ("t5", "T5Config")])
    """,
    "models/auto/configuration_auto.py": """
        from collections import OrderedDict
        from .auto_mappings import CONFIG_MAPPING_NAMES
        CONFIG_MAPPING_NAMES.update({"extra": "ExtraConfig"})
        CONFIG_MAPPING_NAMES = OrderedDict(**{"gpt-sw3": "GPT2Config"}, **CONFIG_MAPPING_NAMES)
        class AutoConfig:
            def from_pretrained(cls, name): ...
    """,
    "models/auto/auto_factory.py": """
        class _BaseAutoModelClass:
            def from_pretrained(cls, name): ...
        def auto_class_update(cls, head_doc=""):
            return cls
    """,
    "models/auto/modeling_auto.py": """
        from collections import OrderedDict
        from .auto_factory import _BaseAutoModelClass, _LazyAutoMapping, auto_class_update
        from .configuration_auto import CONFIG_MAPPING_NAMES
        MODEL_MAPPING_NAMES = OrderedDict([("bert", ("BertModel", "BertBase")), ("unknown", "UnknownModel")])
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES = OrderedDict(
            [*list(MODEL_MAPPING_NAMES.items()), ("gpt2", "GPT2LMHeadModel"), ("extra", "ExtraForCausalLM")]
        )
        MODEL_MAPPING = _LazyAutoMapping(CONFIG_MAPPING_NAMES, MODEL_MAPPING_NAMES)
        MODEL_FOR_CAUSAL_LM_MAPPING = _LazyAutoMapping(CONFIG_MAPPING_NAMES, MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)
        class AutoModel(_BaseAutoModelClass):
            _model_mapping = MODEL_MAPPING
        class AutoModelForCausalLM(_BaseAutoModelClass):
            _model_mapping = MODEL_FOR_CAUSAL_LM_MAPPING
        AutoModelForCausalLM = auto_class_update(AutoModelForCausalLM, head_doc="causal")
        AutoModelForOldName = AutoModelForCausalLM
    """,
    "pipelines/__init__.py": """
        TASK_ALIASES = {"ner": "token-classification"}
        SUPPORTED_TASKS = {
            "text-generation": {"impl": "x", "pt": (AutoModelForCausalLM,) if is_torch_available() else ()},
            "feature-extraction": {"impl": "y", "pt": (AutoModel,)},
            "custom": {"impl": "z"},
        }
        REMOVED_TASKS = {"summarization": "Use text-generation."}
        logger.warning_once("`torch_dtype` is deprecated! Use `dtype` instead!")
    """,
    "modeling_utils.py": """
        class PreTrainedModel:
            def from_pretrained(cls, name, **kwargs):
                kept = kwargs.pop("kept", None)
                kwargs.pop("_commit_hash", None)
                for name in ["mirror", "from_tf"]:
                    _ = kwargs.pop(name, None)
                if kwargs.pop("old_dtype", None):
                    logger.warning_once("`old_dtype` is deprecated! Use `dtype` instead!")
    """,
    "models/auto/tokenization_auto.py": """
        TOKENIZER_MAPPING_NAMES = OrderedDict[str, str | None](
            [("bert", "BertTokenizer" if is_tokenizers_available() else None), ("t5", "T5Tokenizer")]
        )
        class AutoTokenizer:
            def from_pretrained(cls, name, **kwargs):
                _ = kwargs.pop("use_fast", None)
                config = kwargs.pop("config", None)
    """,
}
MINIMAL_PACKAGE = {relative: textwrap.dedent(text) for relative, text in _MINIMAL_SOURCES.items()}


def test_minimal_package_covers_every_literal_form(tmp_path: Path) -> None:
    tables = load_tables(_write(tmp_path / "transformers", MINIMAL_PACKAGE))
    assert tables.transformers_version == "9.9.9"
    assert list(tables.config_classes) == ["gpt-sw3", "bert", "gpt2", "t5", "extra"]
    assert tables.auto_models["AutoModel"] == {"bert": ("BertModel", "BertBase")}  # "unknown" has no config
    causal = {"bert": ("BertModel", "BertBase"), "gpt2": "GPT2LMHeadModel", "extra": "ExtraForCausalLM"}
    assert tables.auto_models["AutoModelForCausalLM"] == causal
    assert tables.auto_models["AutoModelForOldName"] == causal
    assert tables.loader_classes == {
        "AutoConfig", "AutoModel", "AutoModelForCausalLM", "AutoModelForOldName", "AutoTokenizer"
    }
    assert tables.pipeline_tasks == {
        "text-generation": ("AutoModelForCausalLM",),
        "feature-extraction": ("AutoModel",),
        "custom": (),
    }
    assert tables.task_aliases == {"ner": "token-classification"}
    assert tables.removed_tasks == {"summarization": "Use text-generation."}
    assert tables.model_types_for_class("BertBase") == {"bert"}
    assert tables.tokenizer_classes == {"BertTokenizer", "T5Tokenizer"}
    assert tables.renamed_kwargs == {"torch_dtype": "dtype", "old_dtype": "dtype"}
    assert tables.ignored_model_kwargs == {"_commit_hash", "mirror", "from_tf"}
    assert tables.ignored_tokenizer_kwargs == {"use_fast"}
    # An older transformers, without the processor modules: every processor table is empty, not an error.
    assert tables.processor_types == {
        "AutoFeatureExtractor": set(), "AutoImageProcessor": set(), "AutoProcessor": set(), "AutoVideoProcessor": set()
    }


# The processor modules as transformers 5 writes them: names imported from auto_mappings.py, extended
# in the runtime's `else:` branch of `if TYPE_CHECKING:`, and values rewritten by a loop.
_PROCESSOR_SOURCES = {
    "models/auto/auto_mappings.py": _MINIMAL_SOURCES["models/auto/auto_mappings.py"]
    + """
        PROCESSOR_MAPPING_NAMES = OrderedDict([("bert", "BertProcessor"), ("t5", None)])
        VIDEO_PROCESSOR_MAPPING_NAMES = OrderedDict([("bert", {"torchvision": "BertVideoProcessor"})])
    """,
    "models/auto/processing_auto.py": """
        from typing import TYPE_CHECKING
        from .auto_factory import _LazyAutoMapping
        from .auto_mappings import PROCESSOR_MAPPING_NAMES
        from .configuration_auto import CONFIG_MAPPING_NAMES
        if TYPE_CHECKING:
            PROCESSOR_MAPPING_NAMES: OrderedDict[str, str | None] = OrderedDict()
        else:
            MISSING_PROCESSOR_MAPPING_NAMES = OrderedDict([("gpt2", "GPT2Processor"), ("unknown", "UnknownProcessor")])
            PROCESSOR_MAPPING_NAMES.update(MISSING_PROCESSOR_MAPPING_NAMES)
        PROCESSOR_MAPPING = _LazyAutoMapping(CONFIG_MAPPING_NAMES, PROCESSOR_MAPPING_NAMES)
    """,
    "models/auto/video_processing_auto.py": """
        from .auto_factory import _LazyAutoMapping
        from .auto_mappings import VIDEO_PROCESSOR_MAPPING_NAMES
        from .configuration_auto import CONFIG_MAPPING_NAMES
        if TYPE_CHECKING:
            VIDEO_PROCESSOR_MAPPING_NAMES = OrderedDict()
        else:
            VIDEO_PROCESSOR_MAPPING_NAMES.update({"gpt2": {"torchvision": "GPT2VideoProcessor"}})
        for model_type, video_processors in VIDEO_PROCESSOR_MAPPING_NAMES.items():
            if not is_torchvision_available():
                video_processors["torchvision"] = None
            VIDEO_PROCESSOR_MAPPING_NAMES[model_type] = video_processors
        VIDEO_PROCESSOR_MAPPING = _LazyAutoMapping(CONFIG_MAPPING_NAMES, VIDEO_PROCESSOR_MAPPING_NAMES)
    """,
}
PROCESSOR_PACKAGE = {
    **MINIMAL_PACKAGE,
    **{relative: textwrap.dedent(text) for relative, text in _PROCESSOR_SOURCES.items()},
}


def test_processor_tables_replay_the_runtime_branch_of_type_checking(tmp_path: Path) -> None:
    tables = derive_tables(_write(tmp_path / "transformers", PROCESSOR_PACKAGE))
    # "t5" maps to None and "unknown" has no config class: neither is served.
    assert tables.processor_types["AutoProcessor"] == {"bert", "gpt2"}
    # The loop rewrites the values under the same keys, so the keys are still known.
    assert tables.processor_types["AutoVideoProcessor"] == {"bert", "gpt2"}
    assert tables.processor_types["AutoImageProcessor"] == tables.processor_types["AutoFeatureExtractor"] == set()
    assert tables.serves("AutoProcessor", "gpt-sw3")  # looked up as gpt2, whose config class it shares
    assert not tables.serves("AutoProcessor", "t5")
    assert not tables.serves("AutoImageProcessor", "bert")


def test_table_touched_by_a_loop_some_other_way_is_an_error_not_a_guess(tmp_path: Path) -> None:
    files = dict(PROCESSOR_PACKAGE)
    files["models/auto/video_processing_auto.py"] = files["models/auto/video_processing_auto.py"].replace(
        "VIDEO_PROCESSOR_MAPPING_NAMES[model_type] =", "VIDEO_PROCESSOR_MAPPING_NAMES[model_type + '_v2'] ="
    )
    with pytest.raises(
        TablesError, match=r"video_processing_auto\.py: VIDEO_PROCESSOR_MAPPING is not a _LazyAutoMapping"
    ):
        derive_tables(_write(tmp_path / "transformers", files))


@requires_transformers
def test_loading_arguments_of_the_installed_transformers() -> None:
    """The v5 facts the rules rely on (hf-loading-facts B.5 rows 5, 7, 8, 11) are where transformers records them."""
    assert DERIVED.renamed_kwargs["torch_dtype"] == "dtype"
    assert {"low_cpu_mem_usage", "from_tf", "from_flax", "mirror", "offload_state_dict"} <= DERIVED.ignored_model_kwargs
    assert DERIVED.ignored_tokenizer_kwargs == {"use_fast"}
    assert {"GPT2Tokenizer", "T5Tokenizer", "BertTokenizer"} <= DERIVED.tokenizer_classes


def test_unknown_mutation_of_a_table_is_an_error_not_a_guess(tmp_path: Path) -> None:
    files = dict(MINIMAL_PACKAGE)
    files["models/auto/configuration_auto.py"] += "CONFIG_MAPPING_NAMES.pop('t5')\n"
    with pytest.raises(TablesError, match=r"configuration_auto\.py: CONFIG_MAPPING_NAMES is not a literal"):
        load_tables(_write(tmp_path / "transformers", files))


def test_table_touched_inside_a_block_is_an_error_not_a_guess(tmp_path: Path) -> None:
    files = dict(MINIMAL_PACKAGE)
    files["models/auto/configuration_auto.py"] += "if flag():\n    CONFIG_MAPPING_NAMES['t5'] = 'X'\n"
    with pytest.raises(TablesError, match="CONFIG_MAPPING_NAMES is not a literal"):
        derive_tables(_write(tmp_path / "transformers", files))


def test_not_a_transformers_folder(tmp_path: Path) -> None:
    (tmp_path / "something.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(TablesError, match="not a transformers package folder") as error:
        load_tables(tmp_path)
    assert str(tmp_path) in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_pipelines_file_names_it(tmp_path: Path) -> None:
    files = {k: v for k, v in MINIMAL_PACKAGE.items() if not k.startswith("pipelines/")}
    with pytest.raises(TablesError, match=r"pipelines/__init__\.py: file not found"):
        derive_tables(_write(tmp_path / "transformers", files))


def test_falls_back_to_snapshot_without_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables_module, "find_spec", lambda name: None)
    tables = load_tables()
    assert tables.origin == "snapshot"
    assert "AutoModelForCausalLM" in tables.auto_models


def test_falls_back_to_snapshot_when_installed_is_unreadable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = _write(
        tmp_path / "transformers", {**MINIMAL_PACKAGE, "models/auto/modeling_auto.py": "def (:\n"}
    )
    monkeypatch.setattr(tables_module, "find_spec", lambda name: _FakeSpec(broken))
    assert load_tables().origin == "snapshot"


class _FakeSpec:
    def __init__(self, folder: Path) -> None:
        self.submodule_search_locations = [str(folder)]


@requires_transformers
def test_installed_is_used_when_present() -> None:
    assert load_tables().origin == "installed"
    assert load_tables() is load_tables()  # memoised


# --------------------------------------------------------------------------------------------------
# (d) reading the tables imports neither transformers nor torch


@requires_transformers
def test_deriving_imports_neither_transformers_nor_torch() -> None:
    code = (
        "import sys; from loadlint.tables import load_tables; t = load_tables(); "
        "print(t.origin, sorted(m for m in sys.modules if m.split('.')[0] in ('transformers', 'torch')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC_DIR)},
    )
    assert result.stdout.split(" ", 1) == ["installed", "[]\n"]
