"""LL014 chat-template-output-as-tensor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint.facts import Argument, ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.fixes import Fix, ReplaceSpan
from loadlint.rules._base import Rule
from loadlint.tables.model import Tables

# generate's arguments a `**encoding` would pass a second time
ENCODING_KEYS = ("inputs", "input_ids", "attention_mask")


class ChatTemplateOutputAsTensor(Rule):
    """
    ## What it does
    Checks `.generate(x)` where `x` is the result of `apply_chat_template(..., return_tensors=...)`
    (inline, or through a name bound once), passed positionally. A template called with
    `tokenize=False` or `return_dict=False` is left alone.

    ## Why is this bad?
    In transformers 5 `apply_chat_template(..., return_tensors="pt")` returns a `BatchEncoding` (a
    dict of `input_ids` and `attention_mask`), no longer a tensor. Passed as the first argument of
    `generate` it fails with a bare `AttributeError` when `generate` reads `inputs_tensor.shape`.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    output = model.generate(inputs, max_new_tokens=64)
    ```

    ## Use instead
    ```python
    output = model.generate(**inputs, max_new_tokens=64)
    ```

    ## Fix safety
    Safe: `x` becomes `**x`, which passes `input_ids` and `attention_mask` as `generate` expects.
    Offered when `x` is the only positional argument and neither `input_ids=`, `inputs=` nor
    `attention_mask=` is passed.
    """

    code = "LL014"
    name = "chat-template-output-as-tensor"
    severity = "error"
    summary = "The `BatchEncoding` of `apply_chat_template(..., return_tensors=...)` passed positionally to `generate`"
    needs_model = False
    runtime_confirms = False
    valid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'inputs = tokenizer.apply_chat_template(messages, return_tensors="pt")\n'
        'model.generate(**inputs, max_new_tokens=64)\n',
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'ids = tokenizer.apply_chat_template(messages, return_tensors="pt", return_dict=False)\n'
        'model.generate(ids, max_new_tokens=64)\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'def reply(messages):\n'
        '    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")\n'
        '    return model.generate(inputs.to(model.device), max_new_tokens=64)\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        if use.kind != "generate":
            return
        positional = use.positional
        for argument in positional:
            template = argument.origin
            if template is None or template.kind != "chat_template" or not argument.whole:
                continue
            if not _returns_encoding(template):
                continue
            yield self.use_finding(
                use,
                use.receiver,
                facts_for(use.receiver, models),
                f"`{argument.source}` is the `BatchEncoding` `apply_chat_template(..., return_tensors=...)` returns "
                "in transformers 5, not a tensor: passed positionally, `generate` raises `AttributeError`",
                suggestion=f"pass `**{argument.source}`",
                fix=_unpack(use, argument) if len(positional) == 1 else None,
            )


def _returns_encoding(template: UseSite) -> bool:
    tensors = template.argument("return_tensors")
    if tensors is None or (tensors.is_constant and tensors.value is None):
        return False
    return not any(
        (found := template.argument(name)) is not None and found.is_constant and found.value is False
        for name in ("tokenize", "return_dict")
    )


def _unpack(use: UseSite, argument: Argument) -> Fix | None:
    if any(use.argument(name) is not None for name in ENCODING_KEYS):
        return None
    return Fix(f"Pass `**{argument.source}`", "safe", (ReplaceSpan(argument.span, f"**{argument.source}"),))
