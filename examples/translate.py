"""Translation helpers: one right, one wrong."""

import transformers as tf

T5_ORG = "google-t5"


class Translator:
    MARIAN = "Helsinki-NLP/opus-mt-en-de"

    def __init__(self) -> None:
        # Right: Marian is an encoder-decoder model.
        self.model = tf.AutoModelForSeq2SeqLM.from_pretrained(self.MARIAN)
        self.tokenizer = tf.AutoTokenizer.from_pretrained(self.MARIAN)


def load_t5(size: str = "small"):
    # Wrong: T5 is not in AutoModelForCausalLM's table -> ValueError at run time (LL001).
    return tf.AutoModelForCausalLM.from_pretrained(f"{T5_ORG}/t5-{size}")
