"""Loads that are not a plain checkpoint: a GGUF file, a model class that no Auto class lists, and a
LoRA adapter attached to a base of another model type."""

from peft import PeftModel
from transformers import AutoModelForSeq2SeqLM, CLIPTextModelWithProjection

# The GGUF file holds a llama model: a seq2seq class cannot build it (LL001).
quantized = AutoModelForSeq2SeqLM.from_pretrained(
    "bartowski/Llama-3.2-1B-Instruct-GGUF", gguf_file="Llama-3.2-1B-Instruct-Q4_K_M.gguf"
)

# The text tower of CLIP, a class no Auto table lists: resolved and checked, and it fits.
text_encoder = CLIPTextModelWithProjection.from_pretrained("openai/clip-vit-base-patch32")

# guanaco-7b is a LoRA adapter trained on llama-7b; attached to t5 it cannot fit (LL017).
base = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")
chat = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")
