"""Ask transformers itself what each Auto class does with each saved config (run as a subprocess).

Usage: python oracle_runtime.py --prepare ROOT  saves `AutoConfig.for_model(type)` of every model type
under ROOT/<type>/ and prints {"saved": [...], "skipped": {type: error}};
python oracle_runtime.py ROOT MODEL_TYPE...  prints one JSON object:
{model_type: {"accepts": {auto_class: bool}, "partial": bool | null, "processors": {processor_class: bool}}}
`accepts` is False exactly when `from_config` raises `Unrecognized configuration class`;
`processors` says whether each processor class refuses the folder (which holds config.json alone):
True for `OSError: Can't load ...` or `ValueError: Unrecognized ...`, None when its backend (PIL,
torchvision) is not installed, so that transformers cannot tell, False when it finds a class;
`partial` compares, on the meta device, the causal-LM model with every whole-model class that
builds a different class: fewer parameters means part of the checkpoint is left out.
python oracle_runtime.py --processors ROOT MODEL_TYPE...  saves each type's default config under
ROOT/<type>/ with the tokenizer transformers builds from it (else a stand-in) and prints
{"asked": {model_type: kind}, "skipped": {model_type: error}}: what `AutoProcessor.from_pretrained`
returns there, "tokenizer", "processor", another class's name, or "raises".
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import torch
import transformers

AUTO_CLASSES = (
    "AutoModelForCausalLM", "AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq",
    "AutoModelForImageTextToText", "AutoModelForMaskedLM", "AutoModel",
)
WHOLE_CLASSES = ("AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq", "AutoModelForImageTextToText")
PROCESSOR_CLASSES = ("AutoFeatureExtractor", "AutoImageProcessor", "AutoVideoProcessor")


def build(auto_class: str, config):
    """The model on the meta device; None when transformers rejects the class for this config."""
    try:
        with torch.device("meta"):
            return getattr(transformers, auto_class).from_config(config)
    except ValueError as exc:
        if "Unrecognized configuration class" in str(exc):
            return None
        raise


def judge(folder: str) -> dict:
    config = transformers.AutoConfig.from_pretrained(folder)
    accepts, models = {}, {}
    for auto_class in AUTO_CLASSES:
        try:
            model = build(auto_class, config)
            accepts[auto_class] = model is not None
            models[auto_class] = model
        except Exception:  # accepted by the mapping, but the default config cannot be built
            accepts[auto_class] = True
            models[auto_class] = ...
    return {"accepts": accepts, "partial": partial(models), "processors": processors(folder)}


def processors(folder: str) -> dict[str, bool | None]:
    refused: dict[str, bool | None] = {}
    for processor_class in PROCESSOR_CLASSES:
        try:
            getattr(transformers, processor_class).from_pretrained(folder)
            refused[processor_class] = False
        except ImportError:
            refused[processor_class] = None
        except OSError as exc:
            refused[processor_class] = str(exc).startswith("Can't load")
        except ValueError as exc:
            refused[processor_class] = str(exc).startswith("Unrecognized")
        except Exception:  # noqa: BLE001 - a class was chosen; building it failed for another reason
            refused[processor_class] = False
    return refused


def partial(models: dict) -> bool | None:
    used = models.get("AutoModelForCausalLM")
    if used is None:
        return False
    wholes = [models[name] for name in WHOLE_CLASSES if models.get(name) is not None]
    if used is ... or any(whole is ... for whole in wholes):
        return None  # undetermined: a class could not be built from the default config
    size = sum(p.numel() for p in used.parameters())
    return any(type(whole) is not type(used) and sum(p.numel() for p in whole.parameters()) > size for whole in wholes)


def prepare(root: str) -> dict:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    saved, skipped = [], {}
    for model_type in CONFIG_MAPPING_NAMES:
        try:
            transformers.AutoConfig.for_model(model_type).save_pretrained(f"{root}/{model_type}")
            saved.append(model_type)
        except Exception as exc:
            skipped[model_type] = f"{type(exc).__name__}: {exc}"[:200]
    return {"saved": saved, "skipped": skipped}


def auto_processor_kind(folder: str) -> str:
    try:
        returned = transformers.AutoProcessor.from_pretrained(folder)
    except Exception:  # noqa: BLE001 - any refusal: no object is returned
        return "raises"
    if isinstance(returned, transformers.PreTrainedTokenizerBase):
        return "tokenizer"
    return "processor" if isinstance(returned, transformers.ProcessorMixin) else type(returned).__name__


def processor_folders(root: str, model_types: list[str]) -> dict:
    """Each type's folder holds a tokenizer: its own where transformers builds one without vocabulary
    files, else a stand-in (BERT's, built the same way), as a repo that ships another family's."""
    stand_in = transformers.BertTokenizer()
    asked, skipped = {}, {}
    for model_type in model_types:
        folder = f"{root}/{model_type}"
        try:
            transformers.AutoConfig.for_model(model_type).save_pretrained(folder)
        except Exception as exc:  # noqa: BLE001 - a type whose default config cannot be built or saved
            skipped[model_type] = f"{type(exc).__name__}: {exc}"[:200]
            continue
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
        except Exception:  # noqa: BLE001 - its tokenizer needs vocabulary files
            tokenizer = stand_in
        tokenizer.save_pretrained(folder)
        asked[model_type] = auto_processor_kind(folder)
    return {"asked": asked, "skipped": skipped}


def main() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the folders are local: nothing may be fetched
    transformers.logging.set_verbosity_error()
    warnings.simplefilter("ignore")
    if sys.argv[1] == "--prepare":
        json.dump(prepare(sys.argv[2]), sys.stdout)
    elif sys.argv[1] == "--processors":
        json.dump(processor_folders(sys.argv[2], sys.argv[3:]), sys.stdout)
    else:
        root, model_types = sys.argv[1], sys.argv[2:]
        json.dump({mt: judge(f"{root}/{mt}") for mt in model_types}, sys.stdout)


if __name__ == "__main__":
    main()
