"""LL011 decoder-only-right-padding."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.fixes import Fix, SetKeyword
from loadlint.rules._base import Rule
from loadlint.tables.model import Tables

PADDING_ON = (True, "longest", "max_length")


class DecoderOnlyRightPadding(Rule):
    """
    ## What it does
    Follows a batch the tokenizer pads (`tokenizer(prompts, padding=True, ...)`) into `.generate` of
    a decoder-only model (loaded with `AutoModelForCausalLM`, or a class only the causal-LM table
    builds), and checks that the tokenizer pads on the left: `padding_side="left"` when it is
    loaded, `tokenizer.padding_side = "left"` afterwards, or `padding_side=` in the call. A single
    string (nothing to pad) is left alone.

    ## Why is this bad?
    A decoder-only model continues the last token of each row. With right padding the shorter
    prompts end in pad tokens, and their continuations are garbage; transformers only logs
    `A decoder-only architecture is being used, but right-padding was detected!`.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    batch = tokenizer(prompts, padding=True, return_tensors="pt")
    output = model.generate(**batch, max_new_tokens=20)
    ```

    ## Use instead
    ```python
    tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2", padding_side="left")
    ```

    ## Fix safety
    Safe: adds `padding_side="left"` to the tokenizer's `from_pretrained` call. When that call
    sets another side explicitly, the fix is unsafe (the other side was a choice, perhaps for
    training). Tokenizers whose own config already pads on the left are not known to loadlint.
    """

    code = "LL011"
    name = "decoder-only-right-padding"
    severity = "warning"
    summary = "A padded batch fed to `generate` of a decoder-only model, from a tokenizer that pads on the right"
    needs_model = False
    runtime_confirms = False
    valid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2", padding_side="left")\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'batch = tokenizer(prompts, padding=True, return_tensors="pt")\n'
        'model.generate(**batch, max_new_tokens=20)\n',
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        'tokenizer.padding_side = "left"\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'batch = tokenizer(prompts, padding=True, return_tensors="pt")\n'
        'model.generate(**batch, max_new_tokens=20)\n',
        '# Encoder-decoder models pad the encoder input: either side is fine\n'
        'from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("google-t5/t5-small")\n'
        'model = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'model.generate(**tokenizer(texts, padding=True, return_tensors="pt"))\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'def complete(prompts):\n'
        '    batch = tokenizer(prompts, padding=True, return_tensors="pt").to(model.device)\n'
        '    return model.generate(**batch, max_new_tokens=20)\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        model_load = use.receiver
        if use.kind != "generate" or model_load is None:
            return
        if not semantics.is_decoder_only(tables, model_load.kind, model_load.loader, model_load.task):
            return
        batch = next((a.origin for a in use.arguments if a.origin is not None and _pads_right(a.origin, tables)), None)
        if batch is None or batch.receiver is None:
            return
        tokenizer = batch.receiver
        yield self.use_finding(
            use,
            model_load,
            facts_for(model_load, models),
            f"`{use.receiver_source}` is decoder-only, but the batch from `{batch.receiver_source}` is padded on the "
            "right: shorter prompts end in pad tokens and their continuations are garbage",
            suggestion=f'load the tokenizer with `padding_side="left"` (line {tokenizer.span.line})',
            fix=_pad_left(tokenizer),
        )


def _pads_right(call: UseSite, tables: Tables) -> bool:
    """A tokenizer call that pads a batch, with no sign of left padding."""
    tokenizer = call.receiver
    if call.kind != "call" or tokenizer is None or not semantics.is_tokenizer_class(tables, tokenizer.loader):
        return False
    padding = call.argument("padding")
    if padding is None or not padding.is_constant or padding.value not in PADDING_ON:
        return False
    text = call.positional[0] if call.positional else call.argument("text")
    if text is not None and text.is_constant and isinstance(text.value, str):
        return False  # one string: nothing to pad
    side = tokenizer.keyword("padding_side")
    if side is not None and (not side.is_constant or side.value == "left"):
        return False
    return call.argument("padding_side") is None and "padding_side" not in call.receiver_attributes


def _pad_left(tokenizer: CallSite) -> Fix:
    applicability = "unsafe" if tokenizer.keyword("padding_side") is not None else "safe"
    operation = SetKeyword(tokenizer.span, "padding_side", '"left"')
    return Fix('Load the tokenizer with `padding_side="left"`', applicability, (operation,))
