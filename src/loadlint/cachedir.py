"""The one folder loadlint keeps its caches in (facts, transformers tables, file records).

It is the `cache-dir` setting, else $LOADLINT_CACHE_DIR, else the platform's user cache folder.  A
`CACHEDIR.TAG` marks it, so backup tools skip it.  Every cache is only an optimisation: a folder that
cannot be made or written costs speed, never a run.
"""

from __future__ import annotations

import os
from pathlib import Path

_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# loadlint cache (safe to delete)\n"


def default_cache_dir() -> Path:
    env = os.environ.get("LOADLINT_CACHE_DIR")
    if env:
        return Path(os.path.expanduser(env))
    import platformdirs

    return Path(platformdirs.user_cache_dir("loadlint"))


def prepare(root: Path, *parts: str) -> Path:
    """The folder `root/parts...`, created with a `CACHEDIR.TAG` in `root`; raises OSError when it cannot."""
    folder = root.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    tag = root / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG)
    return folder
