"""A training script whose model ids come from a dataclass, a helper and a loop: loadlint follows each
one to the call and shows the path it took (`via:` lines)."""

from dataclasses import dataclass, field

from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, HfArgumentParser


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="google-t5/t5-small")


def load_summarizer(name):
    return AutoModelForSeq2SeqLM.from_pretrained(name)  # called below with a decoder-only model


def main():
    (model_args,) = HfArgumentParser(ModelArguments).parse_args_into_dataclasses()
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)  # t5 under CausalLM
    summarizer = load_summarizer("openai-community/gpt2")
    for checkpoint in ["google-t5/t5-small", "openai-community/gpt2"]:
        candidate = AutoModelForCausalLM.from_pretrained(checkpoint)  # t5 again, one value of two
    return model, summarizer, candidate
