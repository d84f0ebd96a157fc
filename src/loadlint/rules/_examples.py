"""The model facts the rules' VALID/INVALID examples are checked against.

Each entry carries the real config fields of a real public model (model_type, architectures,
is_encoder_decoder, auto_map, vocab_size), its Hub card data (pipeline_tag, transformersInfo.auto_model)
whether its tokenizer files carry a chat template and, for a remote-code model, tokenizer_config.json's
`tokenizer_class` and `auto_map`, which processor configs it holds and, for a GGUF repo, the
architecture the Hub reads from its files,
so the examples show what `loadlint check` says about that model, without a network.
"""

from __future__ import annotations

from loadlint.facts import ModelFacts, ModelRef


def _model(model_id: str, model_type: str | None, *architectures: str, **fields: object) -> ModelFacts:
    return ModelFacts(ModelRef(model_id), "example", model_type, tuple(architectures), **fields)  # type: ignore[arg-type]


EXAMPLE_MODELS: dict[str, ModelFacts] = {
    m.ref.model_id: m
    for m in (
        _model("openai-community/gpt2", "gpt2", "GPT2LMHeadModel", is_encoder_decoder=None,
               pipeline_tag="text-generation", auto_model="AutoModelForCausalLM",
               has_chat_template=False, vocab_size=50257, processor_files=()),
        _model("Qwen/Qwen2.5-0.5B-Instruct", "qwen2", "Qwen2ForCausalLM",
               pipeline_tag="text-generation", auto_model="AutoModelForCausalLM",
               has_chat_template=True, vocab_size=151936),
        _model("google-t5/t5-small", "t5", "T5ForConditionalGeneration", is_encoder_decoder=True,
               pipeline_tag="translation", auto_model="AutoModelForSeq2SeqLM",
               has_chat_template=False, vocab_size=32128),
        _model("facebook/bart-large-cnn", "bart", "BartForConditionalGeneration", is_encoder_decoder=True,
               pipeline_tag="summarization", auto_model="AutoModelForSeq2SeqLM"),
        _model("Helsinki-NLP/opus-mt-en-de", "marian", "MarianMTModel", is_encoder_decoder=True,
               pipeline_tag="translation", auto_model="AutoModelForSeq2SeqLM"),
        _model("openai/whisper-tiny", "whisper", "WhisperForConditionalGeneration", is_encoder_decoder=True,
               pipeline_tag="automatic-speech-recognition", auto_model="AutoModelForSpeechSeq2Seq",
               processor_files=("preprocessor_config.json",)),
        _model("google-bert/bert-base-uncased", "bert", "BertForMaskedLM",
               pipeline_tag="fill-mask", auto_model="AutoModelForMaskedLM",
               has_chat_template=False, vocab_size=30522, processor_files=(), tokenizer_auto_map=(),
               processor_declarations=(("tokenizer_config.json", ""), ("config.json", ""))),
        _model("FacebookAI/roberta-base", "roberta", "RobertaForMaskedLM",
               pipeline_tag="fill-mask", auto_model="AutoModelForMaskedLM"),
        _model("llava-hf/llava-1.5-7b-hf", "llava", "LlavaForConditionalGeneration",
               pipeline_tag="image-text-to-text", auto_model="AutoModelForImageTextToText"),
        _model("meta-llama/Llama-3.2-11B-Vision", "mllama", "MllamaForConditionalGeneration",
               pipeline_tag="image-text-to-text", auto_model="AutoModelForImageTextToText", gated=True),
        _model("microsoft/Phi-3-mini-4k-instruct", "phi3", "Phi3ForCausalLM",
               auto_map=(("AutoConfig", "configuration_phi3.Phi3Config"),
                         ("AutoModelForCausalLM", "modeling_phi3.Phi3ForCausalLM")),
               pipeline_tag="text-generation", auto_model="AutoModelForCausalLM"),
        _model("THUDM/chatglm2-6b", "chatglm", "ChatGLMModel",
               auto_map=(("AutoConfig", "configuration_chatglm.ChatGLMConfig"),
                         ("AutoModel", "modeling_chatglm.ChatGLMForConditionalGeneration"),
                         ("AutoModelForCausalLM", "modeling_chatglm.ChatGLMForConditionalGeneration"),
                         ("AutoModelForSeq2SeqLM", "modeling_chatglm.ChatGLMForConditionalGeneration"),
                         ("AutoModelForSequenceClassification",
                          "modeling_chatglm.ChatGLMForSequenceClassification")),
               tags=("custom_code",), tokenizer_class="ChatGLMTokenizer",
               tokenizer_auto_map=(("AutoTokenizer", "tokenization_chatglm.ChatGLMTokenizer"),)),
        _model("transfo-xl/transfo-xl-wt103", "transfo-xl", "TransfoXLLMHeadModel",
               pipeline_tag="text-generation"),
        _model("meta-llama/Llama-2-7b-hf", "llama", "LlamaForCausalLM", pipeline_tag="text-generation",
               auto_model="AutoModelForCausalLM", vocab_size=32000),
        _model("huggyllama/llama-7b", "llama", "LlamaForCausalLM", vocab_size=32000),
        _model("timdettmers/guanaco-7b", "llama", "LlamaForCausalLM", vocab_size=32000,
               adapter_base="huggyllama/llama-7b", adapter_task="CAUSAL_LM", peft_type="LORA"),
        _model("meta-llama/Llama-2-7b", None, layout="original",
               layout_files=("consolidated.00.pth", "params.json")),
        _model("bartowski/Llama-3.2-1B-Instruct-GGUF", None, layout="gguf",
               layout_files=("Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Llama-3.2-1B-Instruct-Q8_0.gguf"),
               gguf_architecture="llama"),
        _model("openai/clip-vit-base-patch32", "clip", "CLIPModel", processor_files=("preprocessor_config.json",)),
    )
}
