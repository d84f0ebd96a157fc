"""Regenerate loadlint's bundled transformers tables snapshot.

The snapshot is what `loadlint.tables.load_tables()` falls back to when transformers is not
installed (or cannot be read), so regenerate it whenever the pinned transformers version changes:

    python scripts/regenerate_tables.py                       # from the installed transformers
    python scripts/regenerate_tables.py --transformers DIR    # from a package or site-packages folder
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from loadlint.tables import SNAPSHOT_PATH, TablesError, load_tables


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; package data must stay world-readable
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--transformers",
        metavar="DIR",
        type=Path,
        help="transformers package folder, or a site-packages folder holding transformers/ (default: the installed one)",
    )
    parser.add_argument(
        "--output", metavar="PATH", type=Path, default=SNAPSHOT_PATH, help=f"default: {SNAPSHOT_PATH}"
    )
    args = parser.parse_args(argv)

    try:
        tables = load_tables(args.transformers if args.transformers else None)
    except TablesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if tables.origin == "snapshot":
        print(
            "error: transformers is not installed or could not be read; pass --transformers DIR",
            file=sys.stderr,
        )
        return 1
    text = json.dumps(tables.to_json(), separators=(",", ":")) + "\n"
    write_atomically(args.output, text)
    print(
        f"wrote {args.output}: transformers {tables.transformers_version}, {len(tables.config_classes)} model types, "
        f"{len(tables.auto_models)} Auto model classes, {len(tables.pipeline_tasks)} pipeline tasks; "
        "model types served: "
        + ", ".join(f"{auto_class} {len(types)}" for auto_class, types in sorted(tables.processor_types.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
