"""LL017 adapter-base-mismatch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint import semantics
from loadlint.facts import ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.rules._base import Rule
from loadlint.rules.adapter_mismatch import TASK_TARGETS
from loadlint.tables.model import Tables

# The Auto classes an adapter's task is for; a base built by any other class (an image-text-to-text
# model under a CAUSAL_LM adapter, say) is not judged: peft wraps it all the same.
JUDGED_CLASSES = frozenset(target for target in TASK_TARGETS.values() if target != "AutoModel")


class AdapterBaseMismatch(Rule):
    """
    ## What it does
    Checks `PeftModel.from_pretrained(model, adapter)` (and `PeftModelFor*`) where `model` was loaded
    in the same scope from a known id, against the adapter's adapter_config.json:
    - the base model's `model_type` differs from that of the model the adapter was trained on
      (`base_model_name_or_path`), e.g. a Llama LoRA attached to a T5 model;
    - the adapter's `task_type` is not what the class the base was loaded with is for (a `CAUSAL_LM`
      adapter on `AutoModelForSeq2SeqLM`), where the class is one of the task classes (`AutoModelFor*`,
      or a concrete class only one of them builds for the type).
    Another checkpoint of the same type (a 13B base under a 7B adapter) is not judged: whether its
    shapes fit is not known from the configs' types.

    ## Why is this bad?
    peft attaches the adapter to the modules its config names: on a model of another type they are
    missing (`ValueError: Target modules {...} not found in the base model`) or are other layers.  A
    task that does not fit the base wraps it in the wrong `PeftModelFor*` class: its `forward` and
    `generate` expect another head (`PeftModelForCausalLM` over a sequence classifier has no `generate`).

    ## Example
    ```python
    from peft import PeftModel
    from transformers import AutoModelForSeq2SeqLM

    base = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")
    model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")
    ```

    ## Use instead
    The base the adapter names, loaded with the class its task is for.
    ```python
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")
    model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")
    ```

    ## Fix safety
    No fix: which base or which adapter is meant is the author's choice.
    """

    code = "LL017"
    name = "adapter-base-mismatch"
    severity = "error"
    summary = "`PeftModel.from_pretrained` attaches an adapter to a base of another model type or task class"
    valid = (
        'from peft import PeftModel\n'
        'from transformers import AutoModelForCausalLM\n'
        'base = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")\n'
        'model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        '# another Llama checkpoint: the same model type\n'
        'from peft import PeftModel\n'
        'from transformers import AutoModelForCausalLM\n'
        'base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n'
        'model = PeftModel.from_pretrained(base, model_id="timdettmers/guanaco-7b")\n',
    )
    invalid = (
        'from peft import PeftModel\n'
        'from transformers import AutoModelForSeq2SeqLM\n'
        'base = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        'from peft import PeftModel\n'
        'from transformers import AutoModelForSequenceClassification\n'
        'base = AutoModelForSequenceClassification.from_pretrained("huggyllama/llama-7b")\n'
        'model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        if use.kind != "adapter" or use.receiver is None or use.receiver.kind != "from_pretrained":
            return
        adapter_id = _constant(use, "model_id", 1)
        revision = _constant(use, "revision", None)
        found = models.get(ModelRef(adapter_id, revision)) if adapter_id is not None else None
        base = facts_for(use.receiver, models)
        if not isinstance(found, ModelFacts) or found.adapter_base is None or base is None:
            return
        load = use.receiver
        what = f"`{adapter_id}`, a {found.peft_type or 'PEFT'} adapter of `{found.adapter_base}`"
        loaded = f"`{use.receiver_source}` (`{load.loader}` of `{load.model_id}`)"
        if (
            found.model_type is not None
            and base.model_type is not None
            and tables.lookup_type(found.model_type) != tables.lookup_type(base.model_type)
        ):
            yield self.use_finding(
                use,
                load,
                base,
                f"{what} (model_type `{found.model_type}`), is attached to {loaded}, whose model_type is "
                f"`{base.model_type}`: the modules the adapter names are not that model's",
                suggestion=f"load `{found.adapter_base}` (or another `{found.model_type}` checkpoint) as the base",
            )
            return
        target = TASK_TARGETS.get(found.adapter_task or "")
        used = _task_class(tables, load.loader, base.model_type)
        if target is None or used is None or used == target:
            return
        yield self.use_finding(
            use,
            load,
            base,
            f"{what}, is a `{found.adapter_task}` adapter for `{target}`, but {loaded} builds a `{used}` "
            f"model: peft wraps it as the adapter's task, whose head it lacks",
            suggestion=f"load the base with `{target}`",
        )


def _constant(use: UseSite, keyword: str, position: int | None) -> str | None:
    """A string argument of the call, by keyword or position (None: absent or not a constant)."""
    argument = use.argument(keyword)
    if argument is None and position is not None and len(use.positional) > position:
        argument = use.positional[position]
    if argument is None or not argument.is_constant or not isinstance(argument.value, str):
        return None
    return argument.value


def _task_class(tables: Tables, loader: str, model_type: str | None) -> str | None:
    """The task class (`AutoModelFor*` of an adapter task) that built the base: the Auto class called,
    or the only one whose table maps the base's type to the concrete class called; None otherwise."""
    if loader in JUDGED_CLASSES:
        return loader
    if loader in tables.auto_models or model_type is None:
        return None
    builders = [name for name in JUDGED_CLASSES if loader in semantics.class_names(tables, name, model_type)]
    return builders[0] if len(builders) == 1 else None
