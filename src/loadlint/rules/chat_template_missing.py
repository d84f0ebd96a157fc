"""LL012 chat-template-missing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables

# Loading arguments that bring a template or other files than the repo root's, so the repo's own
# files no longer tell whether the loaded tokenizer has a template.
TEMPLATE_SOURCES = ("chat_template", "subfolder", "**")


class ChatTemplateMissing(Rule):
    """
    ## What it does
    Checks `tokenizer.apply_chat_template(...)`, and a `text-generation` pipeline called with chat
    messages (a list of `{"role": ...}` dicts), when the tokenizer's repository ships no chat
    template: neither a `chat_template` in `tokenizer_config.json` nor a `chat_template.jinja` file.
    Calls that bring their own template (`chat_template=` in the call or at loading,
    `tokenizer.chat_template = ...`) and pipelines given another `tokenizer=` are left alone, and so is
    a repository whose files loadlint could not see.

    ## Why is this bad?
    Only chat (instruction-tuned) models come with a chat template. Base models such as GPT-2 and
    encoder-decoder models such as T5 were never trained on chat prompts: `apply_chat_template`
    raises `ValueError: Cannot use chat template functions because tokenizer.chat_template is not
    set`, and the pipeline raises the same error when it formats the messages.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    ```

    ## Use instead
    ```python
    tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    ```

    ## Fix safety
    No fix: the remedy is another model (a chat variant) or a plain-text prompt, and inventing a
    template for a model that was not trained on it gives a prompt format the model has never seen.
    """

    code = "LL012"
    name = "chat-template-missing"
    severity = "error"
    summary = (
        "`apply_chat_template`, or a text-generation pipeline fed chat messages, on a tokenizer without a chat template"
    )
    runtime_confirms = False
    valid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
        'inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")\n'
        'model.generate(**inputs, max_new_tokens=64)\n',
        '# A template passed in the call is used instead of the repository\'s\n'
        'from transformers import AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        'prompt = tokenizer.apply_chat_template(messages, chat_template=TEMPLATE, tokenize=False)\n',
        'from transformers import pipeline\n'
        'chat = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")\n'
        'chat([{"role": "user", "content": "Name a prime number."}], max_new_tokens=32)\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM, AutoTokenizer\n'
        'tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'def reply(messages):\n'
        '    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")\n'
        '    return model.generate(**inputs, max_new_tokens=64)\n',
        'from transformers import pipeline\n'
        'generator = pipeline("text-generation", model="openai-community/gpt2")\n'
        'messages = [{"role": "user", "content": "Name a prime number."}]\n'
        'generator(messages, max_new_tokens=32)\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        load = use.receiver
        if load is None or not _formats_chat(use, load, tables):
            return
        if "chat_template" in use.receiver_attributes or any(load.keyword(name) for name in TEMPLATE_SOURCES):
            return
        model = facts_for(load, models)
        if model is None or model.has_chat_template is not False:
            return
        applies = "`apply_chat_template`" if use.kind == "chat_template" else "the pipeline's chat formatting"
        yield self.use_finding(
            use,
            load,
            model,
            f"{describe(load)} ships no chat template (a base or encoder-decoder model, not trained on chat "
            f"prompts): {applies} raises `ValueError`",
            suggestion="load a chat (instruction-tuned) model, or pass the prompt as plain text",
        )


def _formats_chat(use: UseSite, load: CallSite, tables: Tables) -> bool:
    """`tokenizer.apply_chat_template(...)` without its own template, or a text-generation pipeline,
    with no tokenizer of its own, called with chat messages."""
    if use.kind == "chat_template":
        return semantics.is_tokenizer_class(tables, load.loader) and use.argument("chat_template") is None
    return (
        use.kind == "call"
        and load.kind == "pipeline"
        and semantics.is_decoder_only(tables, load.kind, load.loader, load.task)
        and load.keyword("tokenizer") is None
        and any(argument.is_chat for argument in use.arguments)
    )
