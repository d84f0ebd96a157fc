"""Following loaded models and tokenizers to their uses, and the rules that judge those uses."""

from __future__ import annotations

import textwrap
from dataclasses import replace

from rule_harness import TABLES, fix_all, run_rule

from loadlint.engine import loader_predicate
from loadlint.extract import extract_file
from loadlint.rules._examples import EXAMPLE_MODELS
from loadlint.rules.chat_template_output import ChatTemplateOutputAsTensor
from loadlint.rules.decoder_only_right_padding import DecoderOnlyRightPadding
from loadlint.rules.generate_length import GenerateLength
from loadlint.rules.generate_without_lm_head import GenerateWithoutLmHead
from loadlint.rules.processor_fallback import ProcessorFallback


def uses(source: str):
    report = extract_file("app.py", textwrap.dedent(source).encode(), loader_predicate(TABLES))
    assert report.error is None, report.error
    return report.uses


def receivers(source: str) -> dict[tuple[int, str], str | None]:
    """(line, kind) of each use -> the loader of the load it was followed to (None: not followed)."""
    return {(use.span.line, use.kind): use.receiver.loader if use.receiver else None for use in uses(source)}


SERVICE = """\
import torch
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

MODEL_ID = "openai-community/gpt2"
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID).to("cuda").eval()


def complete(prompt):
    return model.generate(**tokenizer(prompt, return_tensors="pt"), max_new_tokens=20)


def local_load():
    encoder = AutoModel.from_pretrained(MODEL_ID)
    return encoder.generate(torch.ones(1, 1, dtype=torch.long))


def shadowed(model):
    return model.generate(max_length=10)


def shadowed_locally():
    model = build()
    return model.generate(max_length=10)


def rebound():
    encoder = AutoModel.from_pretrained(MODEL_ID)
    encoder = torch.compile(encoder)
    return encoder.generate()


class Service:
    def __init__(self):
        self.model = AutoModel.from_pretrained(MODEL_ID)
        self.tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
        self.spare = None

    def load_spare(self):
        self.spare = AutoModelForCausalLM.from_pretrained(MODEL_ID)

    def reply(self, prompts):
        batch = self.tokenizer(prompts, padding=True, return_tensors="pt")
        self.spare.generate(**batch)
        return self.model.generate(input_ids=batch.input_ids)
"""


def test_receivers_are_followed_only_through_single_bindings() -> None:
    found = receivers(SERVICE)
    assert found[10, "generate"] == "AutoModelForCausalLM"  # module-level, through .to().eval(), in a function
    assert found[10, "call"] == "AutoTokenizer"
    assert found[15, "generate"] == "AutoModel"  # function-local
    assert found[19, "generate"] is None  # a parameter shadows the module's model
    assert found[24, "generate"] is None  # a local binding shadows it
    assert found[30, "generate"] is None  # rebound: not followed
    assert found[43, "call"] == "AutoTokenizer"  # self.tokenizer set in __init__, called in another method
    assert found[44, "generate"] is None  # self.spare is assigned twice
    assert found[45, "generate"] == "AutoModel"  # self.model set in __init__


def test_inputs_are_followed_to_the_tokenizer_call() -> None:
    by_line = {(use.span.line, use.kind): use for use in uses(SERVICE)}
    [unpacked, _] = by_line[10, "generate"].arguments
    assert unpacked.keyword == "**" and unpacked.origin is by_line[10, "call"] and unpacked.whole
    [part] = by_line[45, "generate"].arguments
    assert part.keyword == "input_ids" and part.origin is by_line[43, "call"] and not part.whole


def test_attribute_written_after_loading_is_seen_on_the_object() -> None:
    source = """\
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("openai-community/gpt2")
    tok.padding_side = "left"
    tok.pad_token = tok.eos_token
    tok(["a", "b"], padding=True)
    """
    [call] = uses(source)
    assert call.receiver_attributes == {"padding_side", "pad_token"}


def test_chat_messages_are_recognised_inline_and_through_a_name() -> None:
    source = """\
    from transformers import pipeline
    chat = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    chat(messages)
    chat([[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]])
    chat("plain text")
    chat([{"text": "not a message"}])
    """
    assert [use.arguments[0].is_chat for use in uses(source)] == [True, True, False, False]


def test_generate_without_lm_head_on_a_realistic_file() -> None:
    findings = run_rule(GenerateWithoutLmHead(), SERVICE)
    assert sorted(f.span.line for f in findings) == [15, 45]
    assert all(f.fix is not None and f.fix.applicability == "unsafe" for f in findings)
    fixed = fix_all(GenerateWithoutLmHead(), SERVICE)
    assert fixed.count("AutoModel.from_pretrained") == 1  # the rebound one is not followed, nor fixed
    assert fixed.count("AutoModelForCausalLM.from_pretrained") == 4
    assert run_rule(GenerateWithoutLmHead(), fixed) == []


def test_generate_without_lm_head_needs_the_model_for_other_classes() -> None:
    source = """\
    from transformers import AutoModelForMaskedLM
    model = AutoModelForMaskedLM.from_pretrained(MODEL)
    model.generate(ids)
    bart = AutoModelForMaskedLM.from_pretrained("facebook/bart-large-cnn")
    bart.generate(ids)
    """
    assert run_rule(GenerateWithoutLmHead(), source) == []  # unknown model; bart's masked-LM class generates


def test_right_padding_fix_and_what_silences_it() -> None:
    rule = DecoderOnlyRightPadding()
    causal = SERVICE.replace(
        "AutoModel.from_pretrained(MODEL_ID)\n        self.tokenizer",
        "AutoModelForCausalLM.from_pretrained(MODEL_ID)\n        self.tokenizer",
    )
    [finding] = run_rule(rule, causal)
    assert finding.span.line == 45 and finding.fix is not None and finding.fix.applicability == "safe"
    source = """\
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("openai-community/gpt2", use_fast=True)
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    def run(prompts):
        enc = tok(prompts, padding="longest", return_tensors="pt")
        return model.generate(enc.input_ids, attention_mask=enc.attention_mask)
    """
    assert 'padding_side="left")' in fix_all(rule, source)
    single = source.replace("tok(prompts,", 'tok("one prompt",')
    assert run_rule(rule, single) == []
    per_call = source.replace('padding="longest",', 'padding="longest", padding_side="left",')
    assert run_rule(rule, per_call) == []
    explicit_right = source.replace("use_fast=True", 'padding_side="right"')
    [finding] = run_rule(rule, explicit_right)
    assert finding.fix is not None and finding.fix.applicability == "unsafe"


def test_chat_template_output_fix_is_safe_and_idempotent() -> None:
    source = """\
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    def reply(messages):
        return model.generate(tok.apply_chat_template(messages, return_tensors="pt"), max_new_tokens=8)
    """
    fixed = fix_all(ChatTemplateOutputAsTensor(), source)
    assert "model.generate(**tok.apply_chat_template(" in fixed
    assert run_rule(ChatTemplateOutputAsTensor(), fixed) == []
    collides = source.replace("max_new_tokens=8", "attention_mask=mask")
    [finding] = run_rule(ChatTemplateOutputAsTensor(), collides)
    assert finding.fix is None
    untokenized = source.replace('return_tensors="pt"', 'return_tensors="pt", tokenize=False')
    assert run_rule(ChatTemplateOutputAsTensor(), untokenized) == []


def test_generate_length_only_for_decoder_only_generation() -> None:
    rule = GenerateLength()
    findings = run_rule(rule, SERVICE)
    assert findings == []  # the max_length calls are on objects that are not followed
    source = """\
    from transformers import AutoModelForCausalLM, GPT2LMHeadModel
    model = GPT2LMHeadModel.from_pretrained("openai-community/gpt2")
    both = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    model.generate(ids, max_length=40)
    both.generate(ids, max_length=40, max_new_tokens=20)
    """
    [finding] = run_rule(rule, source)
    assert finding.span.line == 4 and finding.fix is not None and finding.fix.applicability == "unsafe"
    assert "model.generate(ids, max_new_tokens=40)" in fix_all(rule, source)


def test_processor_parts_read_on_a_loaded_object_are_component_uses() -> None:
    """`processor.tokenizer` read (called or not) on a load is a "component" use naming the part; an
    assignment to it, or the attribute of an object that is no load, is not."""
    found = uses("""\
        from transformers import AutoProcessor
        processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")
        eos = processor.tokenizer.eos_token_id
        processor.image_processor = None
        other.feature_extractor(x)

        class Captioner:
            def __init__(self):
                self.processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")

            def run(self, image):
                return self.processor.image_processor(image)
        """)
    parts = [(use.span.line, use.receiver_source, use.component) for use in found if use.kind == "component"]
    assert parts == [(3, "processor", "tokenizer"), (12, "self.processor", "image_processor")]


def test_processor_fallback_needs_a_multimodal_use_and_the_repo_files() -> None:
    """LL018 fires on non-text inputs or a processor part, not on text alone, and says nothing when
    a file AutoProcessor reads names a processor class, when not every such file was read, or when
    a `config=` is given."""
    bert = EXAMPLE_MODELS["google-bert/bert-base-uncased"]
    head = (
        "from transformers import AutoProcessor\n"
        'processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased"{})\n'
    )
    audio = head.format("") + "processor(audio=wave, sampling_rate=16000)\n"
    [finding] = run_rule(ProcessorFallback(), audio)
    assert "passes `audio=`" in finding.message and "returns a bare tokenizer" in finding.message
    assert finding.severity == "warning" and finding.span.line == 3
    assert run_rule(ProcessorFallback(), head.format("") + 'processor("hello", text_pair="world")\n') == []
    assert run_rule(ProcessorFallback(), head.format(", config=config") + "processor(images=image)\n") == []
    for declarations in (
        (("tokenizer_config.json", "LlavaProcessor"), ("config.json", "")),
        (("tokenizer_config.json", ""), ("config.json", "processing.MyProcessor")),
        None,
    ):
        models = {**EXAMPLE_MODELS, bert.ref.model_id: replace(bert, processor_declarations=declarations)}
        assert run_rule(ProcessorFallback(), audio, models) == [], declarations
    no_tokenizer = replace(bert, processor_declarations=(("config.json", ""),))
    assert run_rule(ProcessorFallback(), audio, {**EXAMPLE_MODELS, bert.ref.model_id: no_tokenizer}) == []
