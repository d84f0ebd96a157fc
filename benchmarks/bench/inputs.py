"""The inputs the cases lint, written under a temporary folder: never in the repository.

Each generator returns what it wrote and how many of its loads are wrong, so the report can set the
findings loadlint printed against what was generated.  Everything is deterministic (a fixed seed).
"""

from __future__ import annotations

import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.models import AUTO_CLASSES, Model

SEED = 20261126


@dataclass(frozen=True)
class Input:
    path: Path  # the file or folder to lint
    calls: int  # model-loading calls written (loadlint's summary counts these as `loads`)
    loads: int  # ids they load: a call in a loop over two ids loads two
    wrong: int  # of them, loads under a class whose table lacks the model type


def copy_transformers(dest_root: Path) -> Path:
    """A plain copy of the installed transformers package (found without importing it), no __pycache__."""
    import importlib.util

    spec = importlib.util.find_spec("transformers")
    if spec is None or spec.origin is None:
        sys.exit("bench_check: transformers is not installed; pass --tree PATH")
    source = Path(spec.origin).parent
    return Path(shutil.copytree(source, dest_root / source.name, ignore=shutil.ignore_patterns("__pycache__")))


TRAINING_SCRIPT = '''\
"""Fine-tune {model_id} on a text file, then compare it with a reference model."""

import argparse

import torch
from torch.utils.data import DataLoader
from transformers import AutoTokenizer, {right_class}, {reference_class}, get_linear_schedule_with_warmup

MODEL_ID = "{model_id}"
REFERENCE_ID = "{reference_id}"


def batches(tokenizer, path, batch_size):
    with open(path, encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip()]

    def encode(chunk):
        return tokenizer(chunk, padding=True, truncation=True, return_tensors="pt")

    return DataLoader(lines, batch_size=batch_size, collate_fn=encode)


def train(model, loader, epochs, lr):
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, epochs * len(loader))
    model.train()
    for epoch in range(epochs):
        for batch in loader:
            loss = model(**batch, labels=batch["input_ids"]).loss
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        print(f"epoch {{epoch}}: loss {{loss.item():.3f}}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=MODEL_ID)
    parser.add_argument("--data", default="train.txt")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = {right_class}.from_pretrained(args.model, dtype=torch.bfloat16)
    train(model, batches(tokenizer, args.data, args.batch_size), args.epochs, args.lr)
    reference = {reference_class}.from_pretrained(REFERENCE_ID)  # the one mistake: a class that cannot load it
    model.save_pretrained("out")
    return reference


if __name__ == "__main__":
    main()
'''


def write_training_script(root: Path, models: list[Model]) -> Input:
    """The pre-commit file: one training script with a tokenizer, a right load and one wrong load."""
    trained = next(model for model in models if model.right_class == "AutoModelForCausalLM")
    reference = next(model for model in models if model.right_class == "AutoModelForSeq2SeqLM")
    path = root / "train.py"
    path.write_text(
        TRAINING_SCRIPT.format(
            model_id=trained.model_id,
            right_class=trained.right_class,
            reference_id=reference.model_id,
            reference_class=reference.wrong_classes[0],
        )
    )
    return Input(path, calls=3, loads=3, wrong=1)


def write_calls_file(path: Path, models: list[Model], *, right_only: bool) -> Input:
    """One module that loads every model under each class of AUTO_CLASSES, or (right_only) as many
    loads, each under the model's right class: the same file without the mistakes."""
    calls = [(model, model.right_class if right_only else name) for model in models for name in AUTO_CLASSES]
    lines = [
        '"""Every model under every Auto class: most of these calls cannot load their model."""',
        "",
        f"from transformers import {', '.join(sorted({name for _, name in calls}))}",
        "",
        *(f"model_{index} = {name}.from_pretrained({model.model_id!r})" for index, (model, name) in enumerate(calls)),
    ]
    path.write_text("\n".join(lines) + "\n")
    return Input(
        path, calls=len(calls), loads=len(calls), wrong=sum(name in model.wrong_classes for model, name in calls)
    )


def write_repository(root: Path, models: list[Model], files: int, loads: int, wrong_share: float) -> Input:
    """`files` modules with `loads` loads in all, `wrong_share` of them wrong, spread over module-level
    calls, module constants, functions, helpers called with an id, and loops over several ids."""
    rng = random.Random(SEED)
    wrong = set(rng.sample(range(loads), round(loads * wrong_share)))
    quotas = [loads // files + (index < loads % files) for index in range(files)]
    rng.shuffle(quotas)
    pools = _class_pools(models)
    first_load = calls = 0
    for number, quota in enumerate(quotas):
        module = _Module(number)
        while quota:
            kind = rng.choice(SNIPPETS)
            size = min(quota, rng.choice((2, 3))) if kind is _loop else 1
            auto_class = rng.choice(sorted(pools))
            # pools[auto_class][True] holds the models the class cannot load
            ids = [
                rng.choice(pools[auto_class][load in wrong]).model_id for load in range(first_load, first_load + size)
            ]
            kind(module, auto_class, ids)
            first_load += size
            quota -= size
            calls += 1
        path = root / f"package_{number % 10}" / f"module_{number}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module.text())
    return Input(root, calls=calls, loads=loads, wrong=len(wrong))


def _class_pools(models: list[Model]) -> dict[str, tuple[list[Model], list[Model]]]:
    """For each class of AUTO_CLASSES that some models fit and some do not: (fitting, not fitting)."""
    pools = {
        name: ([m for m in models if m.right_class == name], [m for m in models if name in m.wrong_classes])
        for name in AUTO_CLASSES
    }
    return {name: pool for name, pool in pools.items() if all(pool)}


class _Module:
    """A generated module: its imports, module constants and the code after them."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.classes: set[str] = set()
        self.constants: list[str] = []
        self.body: list[str] = []

    def name(self, stem: str) -> str:
        return f"{stem}_{len(self.body)}"

    def text(self) -> str:
        header = [
            f'"""Module {self.number} of the generated repository."""',
            "",
            f"from transformers import {', '.join(sorted(self.classes))}",
            "",
            *self.constants,
        ]
        return "\n".join(header) + "\n\n" + "\n\n\n".join(self.body) + "\n"


def _module_level(module: _Module, auto_class: str, ids: list[str]) -> None:
    module.classes.add(auto_class)
    module.body.append(f"{module.name('model')} = {auto_class}.from_pretrained({ids[0]!r})")


def _constant(module: _Module, auto_class: str, ids: list[str]) -> None:
    module.classes.add(auto_class)
    constant = module.name("MODEL_ID")
    module.constants.append(f"{constant} = {ids[0]!r}")
    module.body.append(f"def {module.name('build')}():\n    return {auto_class}.from_pretrained({constant})")


def _function(module: _Module, auto_class: str, ids: list[str]) -> None:
    module.classes.add(auto_class)
    module.body.append(
        f'def {module.name("load")}(dtype="auto"):\n    return {auto_class}.from_pretrained({ids[0]!r}, dtype=dtype)'
    )


def _helper(module: _Module, auto_class: str, ids: list[str]) -> None:
    module.classes.add(auto_class)
    helper = module.name("load_checkpoint")
    module.body.append(
        f"def {helper}(name):\n    return {auto_class}.from_pretrained(name)\n\n\n"
        f"{module.name('model')} = {helper}({ids[0]!r})"
    )


def _loop(module: _Module, auto_class: str, ids: list[str]) -> None:
    module.classes.add(auto_class)
    module.body.append(
        f"def {module.name('load_all')}():\n    models = []\n    for name in {ids!r}:\n"
        f"        models.append({auto_class}.from_pretrained(name))\n    return models"
    )


SNIPPETS = (_module_level, _constant, _function, _helper, _loop)


def write_notebooks(root: Path, models: list[Model], count: int) -> tuple[Input, Input]:
    """`count` notebooks, each the training script split into cells after a `%pip` cell and a markdown
    one, and the same code as `.py` files in a sibling folder: what reading notebooks adds."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    notebooks, scripts = root / "notebooks", root / "scripts"
    notebooks.mkdir(parents=True, exist_ok=True)
    scripts.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        script = write_training_script(scripts, models)
        text = script.path.read_text()
        script.path.rename(scripts / f"train_{index}.py")
        cells = [new_markdown_cell(f"# Run {index}"), new_code_cell("%pip install -q transformers torch")]
        cells += [
            new_code_cell(block, outputs=[new_output("stream", name="stdout", text="ok\n")])
            for block in text.split("\n\n\n")
        ]
        notebook = new_notebook(cells=cells)
        nbformat.write(notebook, notebooks / f"train_{index}.ipynb")
    return Input(notebooks, calls=3 * count, loads=3 * count, wrong=count), Input(
        scripts, calls=3 * count, loads=3 * count, wrong=count
    )


CONFIG_SCRIPT = """\
\"\"\"Fine-tune the model a config file and the launch script name.\"\"\"

from dataclasses import dataclass, field

import yaml
from transformers import {reference_class}, {right_class}, HfArgumentParser


@dataclass
class Arguments:
    model_name_or_path: str = field(metadata={{"help": "the model to fine-tune"}})


def main():
    with open("configs/run_{index}.yaml") as handle:
        config = yaml.safe_load(handle)
    reference = {reference_class}.from_pretrained(config["reference"]["name"])
    (args,) = HfArgumentParser(Arguments).parse_args_into_dataclasses()
    model = {right_class}.from_pretrained(args.model_name_or_path)
    return reference, model
"""


def write_config_project(root: Path, models: list[Model], count: int) -> tuple[Input, Input]:
    """`count` scripts whose ids come from a YAML config each reads and from the shell script that
    launches them all, and the same scripts with the ids written as constants."""
    trained = next(model for model in models if model.right_class == "AutoModelForCausalLM")
    reference = next(model for model in models if model.right_class == "AutoModelForSeq2SeqLM")
    configured, constant = root / "configured", root / "constant"
    for folder in (configured / "configs", constant):
        folder.mkdir(parents=True, exist_ok=True)
    launches = []
    for index in range(count):
        code = CONFIG_SCRIPT.format(
            index=index, right_class=trained.right_class, reference_class=reference.wrong_classes[0]
        )
        (configured / f"train_{index}.py").write_text(code)
        (configured / "configs" / f"run_{index}.yaml").write_text(f"reference:\n  name: {reference.model_id}\n")
        launches.append(f"python train_{index}.py --model_name_or_path {trained.model_id}")
        (constant / f"train_{index}.py").write_text(
            code.replace('config["reference"]["name"]', repr(reference.model_id)).replace(
                "args.model_name_or_path", repr(trained.model_id)
            )
        )
    (configured / "launch.sh").write_text("#!/usr/bin/env bash\nset -e\n" + "\n".join(launches) + "\n")
    return Input(configured, calls=2 * count, loads=2 * count, wrong=count), Input(
        constant, calls=2 * count, loads=2 * count, wrong=count
    )
