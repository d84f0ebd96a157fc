"""Derived tables kept on disk, one entry per transformers installation: a run then skips the derivation
(0.2 to 0.5 s) as long as nothing it read has changed.

An entry is `<cache dir>/tables/<hash of the package folder>.json` and holds its key (this format,
loadlint's version, the resolved package folder), the inputs the derivation read, and the tables.
Reading it checks the key and stats the inputs, parsing nothing; an entry that is missing, unreadable,
malformed or stale is a miss, and the fresh derivation overwrites it. loadlint's own table code is one
of the inputs, so an edited checkout (same version) never reads tables its older code derived. As for
every cache here, failing to write costs speed, never a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import loadlint
from loadlint.cachedir import prepare
from loadlint.source import write_atomic
from loadlint.tables.inputs import Inputs, signature
from loadlint.tables.model import Tables, TablesError

logger = logging.getLogger(__name__)

# Bump when the shape of an entry changes (the tables inside carry their own SCHEMA_VERSION).
FORMAT = 1
_FOLDER = "tables"
_OWN_CODE = Path(__file__).parent


def read(root: Path, package_dir: Path, origin: str) -> Tables | None:
    """The cached tables of `package_dir` (resolved), or None unless the entry is intact and current."""
    try:
        entry = json.loads(_entry_path(root, package_dir).read_bytes())
        if not (isinstance(entry, dict) and entry.get("key") == _key(package_dir)):
            return None
        if not Inputs.from_json(entry.get("inputs")).unchanged():
            return None
        return Tables.from_json(entry.get("tables"), origin=origin)
    except (OSError, ValueError, TablesError):  # ValueError: not JSON, or inputs of the wrong shape
        return None


def write(root: Path, package_dir: Path, tables: Tables, inputs: Inputs) -> None:
    """Store the tables derived from `package_dir` (resolved) and what they were read from."""
    try:
        own_code = {str(path): signature(path.stat()) for path in _OWN_CODE.glob("*.py")}
        entry = {
            "key": _key(package_dir),
            "inputs": Inputs({**inputs.files, **own_code}, inputs.folders).to_json(),
            "tables": tables.to_json(),
        }
        prepare(root, _FOLDER)
        write_atomic(os.fspath(_entry_path(root, package_dir)), json.dumps(entry, separators=(",", ":")).encode())
    except OSError as error:
        logger.debug("transformers tables not cached: %s", error)


def _key(package_dir: Path) -> dict:
    return {"format": FORMAT, "loadlint": loadlint.__version__, "package": str(package_dir)}


def _entry_path(root: Path, package_dir: Path) -> Path:
    name = hashlib.sha256(os.fsencode(package_dir)).hexdigest()[:32]
    return root / _FOLDER / f"{name}.json"
