"""Vision-language models."""

from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

# Right.
llava = AutoModelForImageTextToText.from_pretrained("llava-hf/llava-1.5-7b-hf")
# Wrong: LLaVA is not a causal LM -> ValueError (LL001).
llava_text = AutoModelForCausalLM.from_pretrained("llava-hf/llava-1.5-7b-hf")
# Loads, but as MllamaForCausalLM: the vision tower is dropped (LL002).
mllama = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-11B-Vision")
