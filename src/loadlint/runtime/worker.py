"""The runtime worker: builds and loads models with transformers, in a process of its own.

The only loadlint module that imports torch and transformers.  `loadlint.runtime.pool` starts it as
`python -m loadlint.runtime.worker` with the Hub environment (HF_ENDPOINT, HF_HOME, the token,
HF_HUB_OFFLINE) already set, because huggingface_hub reads it once, at import.

Protocol (JSON lines): the worker reads one job per line on stdin and answers on its original
stdout, which carries nothing else (whatever a library prints goes to stderr): `{"event": "ready"}`
once torch and transformers are imported, then per job one `{"event": "check", "key", "result"}` per
check as soon as it is done, and `{"event": "done"}`.  A job is one model (`source`, `revision`) and
the classes the code loads it with; `controller.job_for` writes it.

Per class (an "attempt"): the config is read (config.json only), the class is built from it on the
meta device (no memory, no weights) and compared with the checkpoint's own architecture; in full
mode the weights are then loaded (safetensors only unless allowed), the model moved to the device
and `generate` run on a short probe input.  Repository code runs only if the job says so.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import torch
import transformers
from transformers.utils import logging as transformers_logging

PROMPT = "The capital of France is"  # for a decoder
SOURCE_SENTENCE = "The house is wonderful."  # for a text encoder-decoder
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt")
CACHED_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
LOAD_REPORT_KEYS = ("missing_keys", "unexpected_keys", "mismatched_keys")  # of output_loading_info
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Refused(Exception):
    """The attempt is not confirmable as asked (a safety option, a missing download, the size)."""


class Stage:
    """Which step an attempt is in, so that an exception is reported with where it happened."""

    def __init__(self) -> None:
        self.name = "config"


# -- the job ---------------------------------------------------------------------------------------


class Model:
    """One job's model: where it is, and what its checks share (tokenizer, file list, own architecture)."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self.source: str = job["source"]
        self.revision: str | None = job["revision"]
        self.full = job["mode"] == "full"
        self._tokenizers: dict[bool, Any] = {}
        self._own_parameters: dict[tuple[bool, str | None], tuple[str, dict[str, int]] | None] = {}
        self._files: set[str] | None = None

    @property
    def offline_weights(self) -> bool:
        """Hub weights and tokenizer come from the cache only, unless --download."""
        return not self.job["local"] and not self.job["download"]

    def config(self, config_class: Any, trust: bool, kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """The config as `from_pretrained` builds it: the call's keywords that are config fields
        are applied, the rest is returned for the model's constructor."""
        return config_class.from_pretrained(
            self.source, revision=self.revision, trust_remote_code=trust, return_unused_kwargs=True, **kwargs
        )

    def own_parameters(self, trust: bool, fallback: str | None = None) -> tuple[str, dict[str, int]] | None:
        """The checkpoint's own architecture (`architectures[0]`) built on meta: its name and parameters.
        A config without `architectures` (one saved alone) is compared with `fallback`, the whole-model
        class a finding suggests, instead."""
        if (trust, fallback) not in self._own_parameters:
            self._own_parameters[(trust, fallback)] = self._build_own(trust, fallback)
        return self._own_parameters[(trust, fallback)]

    def _build_own(self, trust: bool, fallback: str | None) -> tuple[str, dict[str, int]] | None:
        try:
            config, _ = self.config(transformers.AutoConfig, trust, {})
            name = (config.architectures or [None])[0]
            own_class = getattr(transformers, name, None) if name else None
            with torch.device("meta"):
                if own_class is not None:
                    return name, parameter_sizes(own_class(config))
                if fallback is None or not hasattr(transformers, fallback):
                    return None
                built = getattr(transformers, fallback).from_config(config, trust_remote_code=trust)
                return type(built).__name__, parameter_sizes(built)
        except Exception:  # noqa: BLE001 - without the own architecture there is nothing to compare with
            return None

    def files(self) -> set[str]:
        """The repository's file names: the folder's, the Hub's (with --download), else those cached."""
        if self._files is None:
            if self.job["local"]:
                self._files = {path.name for path in Path(self.source).iterdir() if path.is_file()}
            elif self.job["download"]:
                from huggingface_hub import HfApi

                self._files = set(HfApi().list_repo_files(self.source, revision=self.revision))
            else:
                from huggingface_hub import try_to_load_from_cache

                self._files = {
                    name
                    for name in CACHED_WEIGHT_FILES
                    if isinstance(try_to_load_from_cache(self.source, name, revision=self.revision), str)
                }
        return self._files

    def tokenizer(self, trust: bool) -> Any:
        """The model's tokenizer, or None when it has none that loads (a probe of token ids is used)."""
        if trust not in self._tokenizers:
            try:
                self._tokenizers[trust] = transformers.AutoTokenizer.from_pretrained(
                    self.source, revision=self.revision, trust_remote_code=trust,
                    local_files_only=self.offline_weights,
                )
            except Exception:  # noqa: BLE001 - a missing tokenizer only changes the probe input
                self._tokenizers[trust] = None
        return self._tokenizers[trust]


def run_job(job: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
    model = Model(job)
    for check in job["checks"]:
        started = time.perf_counter()
        used = attempt(model, check, check["loader"])
        alternatives = {name: attempt(model, check, name) for name in check["alternatives"]}
        emit(
            {
                "event": "check",
                "key": check["key"],
                "result": {
                    "used": used,
                    "alternatives": alternatives,
                    "device": used["device"],
                    "seconds": round(time.perf_counter() - started, 3),
                },
            }
        )


# -- one class -------------------------------------------------------------------------------------


def attempt(model: Model, check: dict[str, Any], class_name: str) -> dict[str, Any]:
    """Build (and in full mode load and run) `class_name` for the model; never raises."""
    stage = Stage()
    result: dict[str, Any] = {"class": class_name, "device": "cpu"}
    try:
        with captured_warnings() as result["warnings"]:
            build(model, check, class_name, stage, result)
        if model.full:
            run_full(model, check, stage, result)
    except Refused as exc:
        result["refused"] = str(exc)
    except (torch.cuda.OutOfMemoryError, MemoryError) as exc:  # the machine's limit, not the code's fault
        result["refused"] = f"{result['device']} ran out of memory ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - every failure is an observation to report
        result["error"] = {"type": type(exc).__name__, "message": str(exc), "stage": stage.name}
        # Files that cannot be fetched say nothing about the class: not confirmable, not a failure.
        result["unavailable"] = stage.name == "files" or (isinstance(exc, OSError) and stage.name in ("config", "load"))
    return result


def build(model: Model, check: dict[str, Any], class_name: str, stage: Stage, result: dict[str, Any]) -> None:
    """Build the class the code uses from the config on the meta device; record what it is, its
    size, and what of the checkpoint's own architecture it has no place for."""
    trust = check["trust_remote_code"]
    candidates = model_classes(check, class_name, model)
    config_class = transformers.AutoConfig if _is_auto(candidates[0]) else candidates[0].config_class
    config, model_kwargs = model.config(config_class, trust, check["kwargs"])
    stage.name = "build"
    errors: list[Exception] = []
    for model_class in candidates:
        try:
            with torch.device("meta"):
                built = (
                    model_class.from_config(config, trust_remote_code=trust, **model_kwargs)
                    if _is_auto(model_class)
                    else model_class(config, **model_kwargs)
                )
            break
        except Exception as exc:  # noqa: BLE001 - a pipeline tries its classes in order
            errors.append(exc)
    else:
        raise errors[-1] if len(errors) == 1 else ValueError(
            f"Could not load model {model.source} with any of the following classes: "
            f"{tuple(c.__name__ for c in candidates)}: " + "; ".join(f"{type(e).__name__}: {e}" for e in errors)
        )
    if check["kind"] == "pipeline":
        result["class"] = model_class.__name__
        if not _is_auto(model_class):  # what `Pipeline.check_model_type` logs after the fallback
            result["warnings"].append(f"The model '{model_class.__name__}' is not supported for {check['task']}.")
    result["concrete_class"] = type(built).__name__
    parameters = parameter_sizes(built)
    result["parameters"] = sum(parameters.values())
    own = model.own_parameters(trust, check["alternatives"][0] if check["alternatives"] else None)
    if own is not None and own[0] != type(built).__name__:
        result["own_class"] = own[0]
        result["lacks"] = lacking_groups(own[1], parameters, built)
    result["checkpoint_bytes"] = result["parameters"] * _dtype(getattr(built.config, "dtype", None)).itemsize


def model_classes(check: dict[str, Any], class_name: str, model: Model) -> list[Any]:
    """The classes to try: the one named, or a pipeline task's classes then the architectures (as
    `pipelines.base.load_model` does)."""
    if check["kind"] == "pipeline" and class_name == check["loader"]:
        from transformers.pipelines import check_task

        classes = list(check_task(check["task"])[1]["pt"])
        config, _ = model.config(transformers.AutoConfig, check["trust_remote_code"], {})
        classes += [getattr(transformers, name) for name in config.architectures or () if hasattr(transformers, name)]
        return classes
    try:
        return [getattr(transformers, class_name)]
    except AttributeError:
        raise ImportError(f"cannot import name '{class_name}' from 'transformers'") from None


def _is_auto(model_class: Any) -> bool:
    return model_class.__name__.startswith("Auto")


def parameter_sizes(module: Any) -> dict[str, int]:
    """Every parameter name, tied aliases included, with its element count."""
    return {name: parameter.numel() for name, parameter in module.named_parameters(remove_duplicate=False)}


def lacking_groups(own: dict[str, int], used: dict[str, int], built: Any) -> dict[str, int]:
    """Parameter groups of the checkpoint's architecture that the built class has no place for,
    with their sizes, e.g. {"model.encoder": 9472}.  Names are matched the way `from_pretrained`
    matches keys, with or without the base-model prefix."""
    prefix = f"{built.base_model_prefix}." if built.base_model_prefix else ""
    groups: Counter[str] = Counter()
    for name, size in own.items():
        if not {name, name.removeprefix(prefix), prefix + name} & used.keys():
            groups[_group(name)] += size
    return dict(groups.most_common())


def _group(name: str) -> str:
    """`model.encoder.layers.0.fc1.weight` -> `model.encoder`: the module path up to its first index,
    at most two levels deep."""
    parts = name.split(".")[:-1] or [name]
    head = []
    for part in parts[:2]:
        if part.isdigit():
            break
        head.append(part)
    return ".".join(head) or name


def _dtype(value: Any) -> torch.dtype:
    if isinstance(value, torch.dtype):
        return value
    return getattr(torch, value, torch.float32) if isinstance(value, str) else torch.float32


# -- full mode ---------------------------------------------------------------------------------------


def run_full(model: Model, check: dict[str, Any], stage: Stage, result: dict[str, Any]) -> None:
    """Load the weights with the class found by `build`, then generate on the chosen device."""
    stage.name = "files"
    device = resolve_device(model.job["device"])
    result["device"] = device
    refuse_if_too_large(result, device, model.job["max_params"])
    use_safetensors = weights_policy(model)
    stage.name = "load"
    model_class = getattr(transformers, result["class"])
    started = time.perf_counter()
    peak = PeakMemory(device)
    with captured_warnings() as load_warnings:
        loaded, info = model_class.from_pretrained(
            model.source, revision=model.revision, trust_remote_code=check["trust_remote_code"],
            use_safetensors=use_safetensors, local_files_only=model.offline_weights, dtype="auto",
            output_loading_info=True, **check["kwargs"],
        )
    result["warnings"] = list(dict.fromkeys([*result["warnings"], *load_warnings]))
    result["concrete_class"] = type(loaded).__name__
    result["load_report"] = {key: len(info.get(key) or ()) for key in LOAD_REPORT_KEYS}
    loaded = loaded.to(device).eval()
    result["load_seconds"] = round(time.perf_counter() - started, 3)
    stage.name = "generate"
    started = time.perf_counter()
    generated = generate(loaded, model.tokenizer(check["trust_remote_code"]), model.job["max_new_tokens"])
    result["generated" if isinstance(generated, dict) else "not_generated"] = generated
    result["generate_seconds"] = round(time.perf_counter() - started, 3)
    result.update(peak.read())
    del loaded
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def resolve_device(requested: str) -> str:
    """auto = cuda > mps > cpu; a device that is asked for but absent is a refusal, not a failure."""
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
        "cpu": True,
    }
    if requested == "auto":
        return next(name for name, present in available.items() if present)
    if not available[requested]:
        raise Refused(f"--device {requested}: no {requested} device is available")
    return requested


def device_memory(device: str) -> int | None:
    """Bytes the device can hold: free CUDA memory, MPS's recommended maximum, available RAM."""
    if device == "cuda":
        return torch.cuda.mem_get_info()[0]
    if device == "mps":
        return torch.mps.recommended_max_memory()
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def refuse_if_too_large(result: dict[str, Any], device: str, max_params: int | None) -> None:
    """Refuse before loading a model that --max-params or the device's memory rules out, sized from
    the config (the class built on meta) and the checkpoint's dtype."""
    parameters, size = result["parameters"], result["checkpoint_bytes"]
    if max_params is not None and parameters > max_params:
        raise Refused(f"the model has {parameters:,} parameters, more than --max-params {max_params:,}")
    memory = device_memory(device)
    if memory is not None and size > memory:
        raise Refused(
            f"the model needs about {size / 2**30:.1f} GiB, more than the {memory / 2**30:.1f} GiB free on {device}"
        )


def weights_policy(model: Model) -> bool:
    """`use_safetensors` for the load: safetensors only, unless pickle files are allowed and are all
    there is.  Refuses when nothing loadable is available without crossing a line the user set."""
    files = model.files()
    if any(name.endswith(".safetensors") for name in files):
        return True
    if any(name.endswith(PICKLE_SUFFIXES) for name in files):
        if model.job["allow_pickle"]:
            return False
        raise Refused("the weights exist only as pickle files, which can run code when loaded: "
                      "not confirmable without --allow-pickle")
    if model.offline_weights:
        raise Refused("the weights are not in the Hugging Face cache: not confirmable without --download")
    raise Refused("the repository has no weight files")


def generate(loaded: Any, tokenizer: Any, max_new_tokens: int) -> dict[str, Any] | str:
    """`generate` on a probe suited to the class, or why it was not run: the class cannot generate,
    or it takes an input the probe cannot make up (images, raw audio)."""
    if not loaded.can_generate():
        return f"{type(loaded).__name__} is not a generative class"
    probe = probe_input(loaded, tokenizer)
    if probe is None:
        return f"no probe input for `{loaded.main_input_name}`"
    inputs, described = probe
    inputs = {name: value.to(loaded.device) for name, value in inputs.items()}
    with torch.inference_mode():
        output = loaded.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    prompt_length = 0 if loaded.config.is_encoder_decoder else inputs["input_ids"].shape[1]
    new = output[0][prompt_length:]
    text = tokenizer.decode(new, skip_special_tokens=True) if tokenizer is not None else str(new.tolist())
    return {"input": described, "text": text, "tokens": int(new.shape[0] - loaded.config.is_encoder_decoder)}


def probe_input(loaded: Any, tokenizer: Any) -> tuple[dict[str, torch.Tensor], str] | None:
    """The inputs for `generate` and how to describe them: text (token ids without a tokenizer), or
    silence for a speech encoder."""
    config = loaded.config
    if loaded.main_input_name == "input_ids":
        text = SOURCE_SENTENCE if config.is_encoder_decoder else PROMPT
        if tokenizer is not None:
            return dict(tokenizer(text, return_tensors="pt")), text
        ids = torch.arange(1, 5).remainder(config.get_text_config().vocab_size).unsqueeze(0)
        return {"input_ids": ids}, str(ids[0].tolist())
    if loaded.main_input_name == "input_features" and hasattr(config, "num_mel_bins"):
        frames = 2 * config.max_source_positions  # the encoder's convolutions halve the frames
        features = torch.zeros(1, config.num_mel_bins, frames, dtype=loaded.dtype)
        return {"input_features": features}, f"{frames} frames of silence"
    return None


class PeakMemory:
    """Peak memory of a load and generate: CUDA's allocator peak, else the worker's peak RSS."""

    def __init__(self, device: str) -> None:
        self.device = device
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()

    def read(self) -> dict[str, Any]:
        if self.device == "cuda":
            return {"peak_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1), "memory": "cuda"}
        try:
            import resource
        except ImportError:
            return {}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return {"peak_memory_mb": round(rss / 2**20, 1), "memory": "process-rss"}


# -- logs ----------------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        lines = ANSI.sub("", record.getMessage()).strip().splitlines()
        if lines and lines[0] not in self.into:
            self.into.append(lines[0])


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """First lines of what transformers logs at WARNING or above, once-only warnings included."""
    seen: list[str] = []
    handler = _Collect(seen)
    transformers_logging.warning_once.cache_clear()
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


# -- process -------------------------------------------------------------------------------------------


def protocol_stream() -> TextIO:
    """The original stdout, kept for protocol lines; fd 1 then points at stderr, so that a library's
    prints can never corrupt the protocol."""
    stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return stream


def main() -> None:
    protocol = protocol_stream()
    transformers_logging.disable_default_handler()
    transformers_logging.set_verbosity_warning()
    transformers_logging.disable_progress_bar()

    def emit(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    # Import what every job uses now, so that a model's seconds are its own and not the first import's.
    for name in ("AutoConfig", "AutoModel", "AutoTokenizer", "PreTrainedModel", "GenerationMixin"):
        getattr(transformers, name)
    emit({"event": "ready"})
    for line in sys.stdin:
        run_job(json.loads(line), emit)
        emit({"event": "done"})
    protocol.close()
    os._exit(0)  # nothing to clean up: skip the interpreter's teardown of torch, which takes seconds


if __name__ == "__main__":
    main()
