"""A test suite whose ids come from a conftest.py fixture and from a table of (task, model) pairs:
loadlint checks each value, and each pair together (never a task with another row's model)."""

from transformers import AutoModelForSeq2SeqLM, pipeline

PIPELINES = [
    ("text-generation", "openai-community/gpt2"),
    ("fill-mask", "google-bert/bert-base-uncased"),
    ("text-generation", "google-t5/t5-small"),  # the one wrong pair: an encoder-decoder for text-generation
]


def test_generates(checkpoint):
    model = AutoModelForSeq2SeqLM.from_pretrained(checkpoint)  # decoder-only models, encoder-decoder class
    assert model is not None


def test_pipelines():
    for task, model_id in PIPELINES:
        assert pipeline(task, model=model_id) is not None
