"""A load of a repo that holds Meta's original-format weights, not a transformers checkpoint: there is
no config.json, so from_pretrained raises OSError. loadlint says what the repo holds (LL008)."""

from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b")
