"""What LL030 and LL031 share: is a load pinned to a commit, and the fix that pins it."""

from __future__ import annotations

from loadlint.facts import CallSite, ModelFacts, is_commit
from loadlint.fixes import Fix, SetKeyword

# Ids that can only name a folder (what from_pretrained, and Bandit's B615, treat as local).
LOCAL_PREFIXES = ("/", "./", "../", "~", ".\\", "..\\")


def is_local(site: CallSite, model: ModelFacts | None) -> bool:
    """The id names a local folder: resolved as one, or spelled as a path."""
    if model is not None and model.source == "local":
        return True
    return site.model_id is not None and site.model_id.startswith(LOCAL_PREFIXES)


def pin_fix(site: CallSite, model: ModelFacts | None) -> Fix | None:
    """`revision="<commit>"`, with the commit the resolver found for this id and revision."""
    if model is None or not is_commit(model.sha):
        return None
    return Fix(
        f'Pin `revision="{model.sha}"`',
        "unsafe",
        (SetKeyword(site.span, "revision", f'"{model.sha}"'),),
    )
