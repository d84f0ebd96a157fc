"""Encoder-only models: fine for classification, not for generation."""

from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, BertForMaskedLM, pipeline

classifier = pipeline("sentiment-analysis", model="distilbert/distilbert-base-uncased-finetuned-sst-2-english")
masked = AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")
# BERT accepted as a causal LM, with only an is_decoder warning: the text is meaningless (LL003).
generator = AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")
# A BERT class on a RoBERTa checkpoint (LL006).
roberta = BertForMaskedLM.from_pretrained("FacebookAI/roberta-base")
