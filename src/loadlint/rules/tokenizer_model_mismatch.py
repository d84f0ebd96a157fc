"""LL013 tokenizer-model-mismatch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables


class TokenizerModelMismatch(Rule):
    """
    ## What it does
    Checks `model.generate(...)` fed the output of a tokenizer (`tokenizer(...)` or
    `tokenizer.apply_chat_template(...)`, followed through names bound once and `self.x` set in
    `__init__`) when the tokenizer and the model were loaded from ids of different model families:
    both resolved, their `model_type`s differ **and** their vocabulary sizes (`vocab_size` in each
    repo's config.json) differ.  Either signal alone is not enough: DistilBERT shares BERT's
    vocabulary, and Qwen2.5 0.5B and 7B share a `model_type` with different padded vocabularies.

    ## Why is this bad?
    Token ids only mean something to the model whose tokenizer made them.  A GPT-2 model fed T5 token
    ids reads other words than were written and generates nonsense without any error, and an id at or
    beyond the model's vocabulary size fails inside the embedding (`IndexError` on CPU, a device-side
    assert on CUDA).

    ## Example
    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("google-t5/t5-small")
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    model.generate(**tokenizer("Hello", return_tensors="pt"))
    ```

    ## Use instead
    ```python
    tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    ```

    ## Fix safety
    No fix: either id may be the one the author meant.  Pipelines given `tokenizer=` are not
    checked yet: their tokenizer id is not resolved.
    """

    code = "LL013"
    name = "tokenizer-model-mismatch"
    severity = "error"
    summary = "A model's `generate` is fed token ids from the tokenizer of another model family"
    valid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'model.generate(**tokenizer("Hello", return_tensors="pt"))\n',
        '# A tokenizer that is not fed to this model\'s generate is not judged\n'
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("google-t5/t5-small")\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'model.generate(max_new_tokens=8)\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("google-t5/t5-small")\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'model.generate(**tokenizer("Hello", return_tensors="pt"))\n',
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        '\n'
        'class Chat:\n'
        '    def __init__(self):\n'
        '        self.tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        '        self.model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        '\n'
        '    def reply(self, messages):\n'
        '        ids = self.tokenizer.apply_chat_template(messages, return_tensors="pt")\n'
        '        return self.model.generate(**ids, max_new_tokens=32)\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        if use.kind != "generate" or use.receiver is None:
            return
        model = facts_for(use.receiver, models)
        if model is None or model.model_type is None or model.vocab_size is None:
            return
        seen: set[ModelRef] = set()
        for argument in use.arguments:
            tokenizer_load = _tokenizer_load(argument.origin, tables)
            if tokenizer_load is None or tokenizer_load.ref in seen or tokenizer_load.ref == use.receiver.ref:
                continue
            tokenizer = facts_for(tokenizer_load, models)
            if tokenizer is None or not _other_family(tokenizer, model):
                continue
            seen.add(tokenizer_load.ref)  # type: ignore[arg-type]
            yield self.use_finding(
                use,
                use.receiver,
                model,
                f"`{argument.source}` holds token ids from the tokenizer of {describe(tokenizer_load)} (model_type "
                f"`{tokenizer.model_type}`, vocabulary {tokenizer.vocab_size:,}), but the model is "
                f"{describe(use.receiver)} (model_type `{model.model_type}`, vocabulary {model.vocab_size:,}): "
                "the ids mean other tokens to it",
                suggestion=f"load the tokenizer from {describe(use.receiver)}",
            )


def _tokenizer_load(origin: UseSite | None, tables: Tables) -> CallSite | None:
    """The tokenizer load behind an argument: the receiver of the tokenizer call that made it."""
    if origin is None or origin.kind not in ("call", "chat_template") or origin.receiver is None:
        return None
    load = origin.receiver
    return load if load.kind == "from_pretrained" and semantics.is_tokenizer_class(tables, load.loader) else None


def _other_family(tokenizer: ModelFacts, model: ModelFacts) -> bool:
    return (
        tokenizer.model_type is not None
        and tokenizer.vocab_size is not None
        and tokenizer.model_type != model.model_type
        and tokenizer.vocab_size != model.vocab_size
    )
