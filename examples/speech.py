"""Speech recognition with Whisper."""

import os

from transformers import AutoModelForSeq2SeqLM, AutoModelForSpeechSeq2Seq, AutoProcessor

WHISPER = "openai/whisper-tiny"

processor = AutoProcessor.from_pretrained(WHISPER)
# Right: Whisper is a speech sequence-to-sequence model.
model = AutoModelForSpeechSeq2Seq.from_pretrained(WHISPER)
# Wrong: Whisper is not in the text seq2seq table (LL001).
fallback = AutoModelForSeq2SeqLM.from_pretrained(WHISPER)
# The id comes from the environment at run time: reported as unresolved (dynamic).
custom = AutoModelForSpeechSeq2Seq.from_pretrained(os.environ["ASR_MODEL"])
