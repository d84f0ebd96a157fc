"""A captioning script that loads its processor from a text-only repo: AutoProcessor falls back to
the bare tokenizer, which ignores `images=` (LL018)."""

from PIL import Image
from transformers import AutoProcessor

processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")
inputs = processor(images=Image.open("photo.jpg"), text="a photo of", return_tensors="pt")
