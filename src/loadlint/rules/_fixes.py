"""Fix proposals several rules share: switching the class a call loads with."""

from __future__ import annotations

from loadlint.facts import CallSite
from loadlint.fixes import Applicability, DropUnusedImport, Fix, ImportName, ReplaceSpan


def switch_class(site: CallSite, new_class: str, applicability: Applicability) -> Fix | None:
    """Call `new_class.from_pretrained` instead: through the same module for `transformers.X` /
    `tf.X`, else by name, importing it from transformers and dropping the old import if unused."""
    if site.kind != "from_pretrained":
        return None
    title = f"Use `{new_class}`"
    head, dot, _ = site.loader_source.rpartition(".")
    if dot:
        return Fix(title, applicability, (ReplaceSpan(site.loader_span, f"{head}.{new_class}"),))
    return Fix(
        title,
        applicability,
        (
            ReplaceSpan(site.loader_span, new_class),
            ImportName("transformers", new_class),
            DropUnusedImport(site.loader_source),
        ),
    )
