"""Which model types each transformers Auto class accepts, and where loadlint gets those tables from.

In order: the folder given with `--transformers-dir`, else the installed transformers, else the
bundled snapshot. The first two are read from transformers' source files (`derive`), once per
installation: later runs read them from the on-disk cache (`cache`) while those files are unchanged.
"""

from __future__ import annotations

import functools
import json
import logging
from importlib.util import find_spec
from pathlib import Path

from loadlint.cachedir import default_cache_dir
from loadlint.tables import cache, derive
from loadlint.tables.derive import MARKER, derive_tables
from loadlint.tables.model import Tables, TablesError

__all__ = ["SNAPSHOT_PATH", "Tables", "TablesError", "derive_tables", "load_tables"]

logger = logging.getLogger(__name__)

SNAPSHOT_PATH = Path(__file__).parent.parent / "data" / "transformers_tables.json"


def load_tables(transformers_dir: Path | str | None = None) -> Tables:
    """The tables of `transformers_dir`, else of the installed transformers, else the bundled snapshot.

    `transformers_dir` may be the package folder or a site-packages folder holding `transformers/`;
    when it is given, failing to read it is an error (the user asked for that version). Without it,
    a missing or unreadable installed transformers falls back to the snapshot.
    """
    if transformers_dir is not None:
        return _tables_at(_package_folder(Path(transformers_dir)), str(transformers_dir))
    installed = _installed_package_folder()
    if installed is not None:
        try:
            return _tables_at(installed, "installed")
        except TablesError as error:
            logger.warning("using the bundled transformers tables: %s", error)
    return _snapshot()


def _package_folder(path: Path) -> Path:
    for candidate in (path, path / "transformers"):
        if (candidate / MARKER).is_file():
            return candidate
    raise TablesError(
        f"{path}: not a transformers package folder (no {MARKER.as_posix()} in it or in transformers/ under it)"
    )


def _installed_package_folder() -> Path | None:
    """Where `import transformers` would load from, found without executing it."""
    try:
        spec = find_spec("transformers")
    except (ImportError, ValueError):  # ValueError: a module in sys.modules without __spec__
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _tables_at(package_dir: Path, origin: str) -> Tables:
    """Derived once per installation and kept in the cache folder; once per process in memory."""
    package_dir = package_dir.resolve()
    root = default_cache_dir()
    tables = cache.read(root, package_dir, origin)
    if tables is None:
        tables, inputs = derive.derive_with_inputs(package_dir, origin)
        cache.write(root, package_dir, tables, inputs)
    return tables


@functools.lru_cache(maxsize=1)
def _snapshot() -> Tables:
    try:
        data = json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TablesError(f"{SNAPSHOT_PATH}: cannot read the bundled snapshot ({error})") from None
    return Tables.from_json(data, origin="snapshot")
