"""A training script whose model ids live outside the Python code: in a recipe file it reads, and on the
command line of the shell script that runs it.  loadlint reads both and shows where each id came from."""

from dataclasses import dataclass, field

from transformers import AutoModelForCausalLM, HfArgumentParser


@dataclass
class ModelArguments:
    model_name_or_path: str = field(metadata={"help": "The model to fine-tune (required)"})


def main():
    (recipe,) = HfArgumentParser(ModelArguments).parse_yaml_file("recipes/summarize.yaml")
    drafter = AutoModelForCausalLM.from_pretrained(recipe.model_name_or_path)  # the recipe's t5
    (args,) = HfArgumentParser(ModelArguments).parse_args_into_dataclasses()
    model = AutoModelForCausalLM.from_pretrained(args.model_name_or_path)  # bart, from scripts/finetune.sh
    return drafter, model


if __name__ == "__main__":
    main()
