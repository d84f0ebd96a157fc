"""Training recipes that name both the model and its class, judged without any Python: an
Axolotl-style YAML file's `base_model:` with `model_type:` (the class transformers loads it with)
and `tokenizer_type:` (the tokenizer's).  The trainer calls `<model_type>.from_pretrained(base_model,
revision=revision_of_model, trust_remote_code=...)`, so each recipe becomes the loads it makes, placed
at the YAML values, and the same rules judge them.  Recipes are never rewritten: no fix is offered."""

from __future__ import annotations

from loadlint.facts import CallSite, FileReport, Keyword, Span
from loadlint.limits import one_line

# The recipe's keys for the model and its class, the tokenizer (the model's id when absent) and its class.
MODEL_KEY, CLASS_KEY = "base_model", "model_type"
TOKENIZER_KEY, TOKENIZER_CLASS_KEY = "tokenizer_config", "tokenizer_type"
REVISION_KEY, REMOTE_CODE_KEY = "revision_of_model", "trust_remote_code"


def recipe_report(path: str, data: bytes) -> FileReport:
    """The loads one recipe makes (the first document of the file that names `base_model:`); a file
    that is not YAML is one error line, a YAML file without `base_model:` (not a recipe) has none."""
    import yaml  # imported only when a run reads a recipe

    try:
        documents = list(yaml.compose_all(data.decode("utf-8-sig"), Loader=yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return FileReport(path, error=f"{path}: cannot read the recipe: {one_line(exc)}")
    recipes = [
        entries
        for root in documents
        if isinstance(root, yaml.MappingNode)
        for entries in [{key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}]
        if _text(entries.get(MODEL_KEY)) is not None
    ]
    if not recipes:  # no `base_model:` in any of its documents: not a recipe
        return FileReport(path, parsed=True)
    entries = recipes[0]
    revision = _text(entries.get(REVISION_KEY))
    keywords = _remote_code(entries.get(REMOTE_CODE_KEY))
    sites = []
    for class_key, id_key in ((CLASS_KEY, MODEL_KEY), (TOKENIZER_CLASS_KEY, TOKENIZER_KEY)):
        loader_node = entries.get(class_key)
        loader = _text(loader_node)
        if loader is None:  # the trainer's default class: only a recipe that names the class is judged
            continue
        own_id = _text(entries.get(id_key)) is not None
        id_node = entries[id_key] if own_id else entries[MODEL_KEY]
        sites.append(
            CallSite(  # at its own id, else at its class: a load of the model's id is placed apart from the model's
                path=path, span=_span(id_node if own_id else loader_node), kind="from_pretrained", loader=loader,
                loader_span=_span(loader_node), loader_source=f"{class_key}: {loader}",
                model_id=_text(id_node), model_expr=None, revision=revision, keywords=keywords,
            )
        )
    return FileReport(path, sites=sites, parsed=True)


def _remote_code(node: object) -> tuple[Keyword, ...]:
    """`trust_remote_code: true` as the keyword the trainer passes (a YAML boolean, as PyYAML reads one)."""
    text = _text(node)
    if text is None:
        return ()
    trusted = node.tag.endswith(":bool") and text.lower() in {"true", "yes", "on"}  # type: ignore[attr-defined]
    return (Keyword("trust_remote_code", text, trusted, True),)


def _text(node: object) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str) and node.value.strip():
        return node.value.strip()
    return None


def _span(node: object) -> Span:
    """The node's place in the file, 1-based as every span is (PyYAML's marks count from 0)."""
    start, end = node.start_mark, node.end_mark  # type: ignore[attr-defined]
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
