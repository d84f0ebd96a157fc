"""Models that ship their own code."""

from transformers import AutoModel, AutoModelForCausalLM

# ChatGLM's type is unknown to transformers: only its repo code can load it, and the flag is missing (LL005).
chatglm = AutoModel.from_pretrained("THUDM/chatglm2-6b")
# GPT-2 ships no code: the flag only lets a future push run code here (LL005 warning).
gpt2 = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", trust_remote_code=True)
# Phi-3's type is native: transformers ignores the repo code, no flag needed (clean).
phi3 = AutoModelForCausalLM.from_pretrained("microsoft/Phi-3-mini-4k-instruct")
