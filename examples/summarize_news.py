"""Summarize news articles with BART (two classic mistakes under transformers 5)."""

from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

MODEL_ID = "facebook/bart-large-cnn"

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
# Loads without error, but only BART's decoder: the encoder is dropped (LL002).
model = AutoModelForCausalLM.from_pretrained(MODEL_ID)

# The summarization pipeline was removed in transformers 5 (LL007).
summarizer = pipeline("summarization", model=MODEL_ID)


def summarize(article: str) -> str:
    inputs = tokenizer(article, return_tensors="pt", truncation=True)
    output = model.generate(**inputs, max_new_tokens=60)
    return tokenizer.decode(output[0], skip_special_tokens=True)
