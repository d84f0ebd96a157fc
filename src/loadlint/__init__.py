"""loadlint: checks that the code loading Hugging Face models uses a class that fits the model."""

__version__ = "0.1.0"
