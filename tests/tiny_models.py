"""Tiny random checkpoints for the runtime tests: one layer, hidden size 32, a 64-word vocabulary.

Each model is saved with its canonical class and `save_pretrained` (safetensors), next to a
WordLevel tokenizer, so `from_pretrained(folder)` behaves as it does for a real checkpoint of the same
type.  Two folders exist to prove what loadlint never does: `remote-code` ships an `auto_map` whose
modules write a canary file when executed, and `pickle-only` holds its weights only in
`pytorch_model.bin`.  Building all of them takes about a second once torch is imported.
"""

from __future__ import annotations

import json
from pathlib import Path

# Enough words for the probe inputs ("The capital of France is", "The house is wonderful.") and some more.
WORDS = (
    "The", "the", "house", "is", "wonderful", ".", "capital", "of", "France", "Paris", "a", "cat", "sat", "on",
    "mat", "dog", "runs", "fast", "I", "like", "green", "tea", "we", "go", "home", "now", "hello", "world",
)
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>", "<mask>")
PAD, BOS, EOS = 0, 1, 2
HIDDEN = 32
CANARY = "canary.txt"  # written next to the model folders by `remote-code`'s modules, if they ever run

REMOTE_CODE_CONFIG = '''\
from pathlib import Path

from transformers import PretrainedConfig

Path({canary!r}).write_text("repository code was executed")


class CanaryConfig(PretrainedConfig):
    model_type = "loadlint_canary"
'''
REMOTE_CODE_MODEL = '''\
from pathlib import Path

Path({canary!r}).write_text("repository code was executed")
'''


def _tokenizer():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import PreTrainedTokenizerFast

    vocab = {token: index for index, token in enumerate((*SPECIALS, *WORDS))}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        mask_token="<mask>",
    )


def _models() -> dict:
    """name -> (model class, config); every config small enough to build in milliseconds."""
    import transformers as tf

    vocab = 64
    tokens = {"vocab_size": vocab, "pad_token_id": PAD, "bos_token_id": BOS, "eos_token_id": EOS}
    seq2seq = {**tokens, "decoder_start_token_id": BOS, "d_model": HIDDEN}
    bart_like = {
        **seq2seq, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
        "decoder_attention_heads": 2, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64,
    }
    return {
        "tiny-gpt2": (tf.GPT2LMHeadModel, tf.GPT2Config(n_layer=1, n_embd=HIDDEN, n_head=2, n_positions=64, **tokens)),
        "tiny-llama": (tf.LlamaForCausalLM, tf.LlamaConfig(
            hidden_size=HIDDEN, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
            num_key_value_heads=1, max_position_embeddings=64, **tokens)),
        "tiny-t5": (tf.T5ForConditionalGeneration, tf.T5Config(
            d_ff=64, d_kv=16, num_layers=1, num_decoder_layers=1, num_heads=2, **seq2seq)),
        "tiny-bart": (tf.BartForConditionalGeneration, tf.BartConfig(max_position_embeddings=64, **bart_like)),
        "tiny-whisper": (tf.WhisperForConditionalGeneration, tf.WhisperConfig(
            num_mel_bins=8, max_source_positions=16, max_target_positions=32, **bart_like)),
        "tiny-bert": (tf.BertForMaskedLM, tf.BertConfig(
            hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=64, vocab_size=vocab, pad_token_id=PAD)),
    }


def build_all(root: Path) -> dict[str, Path]:
    """Save every tiny model under `root`; returns name -> folder (also the two safety folders)."""
    import torch

    torch.manual_seed(0)
    tokenizer = _tokenizer()
    folders: dict[str, Path] = {}
    for name, (model_class, config) in _models().items():
        folders[name] = root / name
        model_class(config).save_pretrained(folders[name])
        tokenizer.save_pretrained(folders[name])
    folders["pickle-only"] = _pickle_only(folders["tiny-gpt2"], root / "pickle-only")
    folders["remote-code"] = remote_code_folder(root / "remote-code", canary=root / CANARY)
    return folders


def _pickle_only(source: Path, folder: Path) -> Path:
    """The gpt2 checkpoint with its weights in `pytorch_model.bin` and no safetensors file."""
    import torch
    from safetensors.torch import load_file

    folder.mkdir()
    for path in source.iterdir():
        if path.suffix != ".safetensors":
            (folder / path.name).write_bytes(path.read_bytes())
    torch.save(load_file(source / "model.safetensors"), folder / "pytorch_model.bin")
    return folder


def remote_code_folder(folder: Path, canary: Path) -> Path:
    """A repo whose model type only its own code knows; importing that code writes `canary`."""
    folder.mkdir()
    config = {
        "model_type": "loadlint_canary",
        "architectures": ["CanaryForCausalLM"],
        "auto_map": {
            "AutoConfig": "configuration_canary.CanaryConfig",
            "AutoModelForCausalLM": "modeling_canary.CanaryForCausalLM",
        },
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "configuration_canary.py").write_text(REMOTE_CODE_CONFIG.format(canary=str(canary)))
    (folder / "modeling_canary.py").write_text(REMOTE_CODE_MODEL.format(canary=str(canary)))
    return folder
