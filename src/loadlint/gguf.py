"""What model type transformers gives a GGUF file, from the file's `general.architecture`.

`from_pretrained(..., gguf_file=...)` reads the config from the GGUF file itself
(`modeling_gguf_pytorch_utils.load_gguf_checkpoint`): its model_type is the file's architecture,
renamed in code (not in a table) for a few llama.cpp names.  Two renames depend on the file's
`general.name`, which the Hub does not report: a `llama` file named like a Mistral model becomes
`mistral`, a `t5` one named like UMT5 `umt5`.  So an architecture maps to the model types it may
load as, the one transformers picks without that hint first.  Which architectures transformers
converts at all is a table (`GGUF_CONFIG_MAPPING`'s keys), read with the other tables.

Pure functions over strings: no filesystem, no network.
"""

from __future__ import annotations

# load_gguf_checkpoint: these replace whatever the if/elif chain chose (substring tests, as there).
_OVERRIDES = (
    (("qwen2moe",), "qwen2_moe"),
    (("gpt_oss", "gpt-oss"), "gpt_oss"),
    (("qwen3moe",), "qwen3_moe"),
    (("minimax-m2",), "minimax_m2"),
)
# The text-only model types of checkpoints whose GGUF files hold only the text backbone.
_TEXT_BACKBONES = {"gemma3": "gemma3_text", "gemma4": "gemma4_text"}


def updated_architectures(architecture: str) -> tuple[str, ...]:
    """`updated_architecture` in load_gguf_checkpoint, for each `general.name` the file may have."""
    if "llama" in architecture:
        chosen: tuple[str, ...] = (architecture, "mistral")
    elif "t5" in architecture:  # also "t5encoder"
        chosen = ("t5", "umt5")
    else:
        chosen = (architecture,)
    for needles, renamed in _OVERRIDES:
        if any(needle in architecture for needle in needles):
            chosen = (renamed,)
    return chosen


def gguf_model_types(architecture: str) -> tuple[str, ...]:
    """The model types a GGUF file of this architecture may load as; the first is transformers'
    choice when the file's name gives no other hint."""
    return tuple(_TEXT_BACKBONES.get(name, name) for name in updated_architectures(architecture))


def gguf_supported(architecture: str, supported: frozenset[str]) -> bool:
    """Whether transformers converts the architecture: it raises `GGUF model with architecture ... is
    not supported yet` unless the architecture or its updated name is in `GGUF_SUPPORTED_ARCHITECTURES`."""
    return architecture in supported or any(name in supported for name in updated_architectures(architecture))
