"""Regenerate examples/loadlint.lock from the loopback Hub's fixture repos.

There is no network here, so `loadlint lock` runs against tests/hub_server.py, which serves the
real config fields of the public models the examples use.  The fixture repos' commit shas are
made up, so they are left out of the lockfile: an entry without `sha` is still complete for the
rules, and `loadlint lock` against the real Hub fills them in.

    python scripts/lock_examples.py [--output PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hub_server import VALID_TOKEN, HubServer  # noqa: E402

from loadlint.engine import CheckOptions, lock_paths  # noqa: E402
from loadlint.lockfile import write_lockfile  # noqa: E402
from loadlint.resolve import ResolverSettings  # noqa: E402


def lock_examples(output: Path) -> int:
    with HubServer() as hub, tempfile.TemporaryDirectory() as scratch:
        settings = ResolverSettings(
            endpoint=hub.endpoint, token=VALID_TOKEN, cache_dir=Path(scratch), use_facts_cache=False
        )
        outcome = lock_paths(CheckOptions(paths=(str(ROOT / "examples"),), resolver=settings, lockfile=output))
    write_lockfile(output, [dataclasses.replace(facts, sha=None) for facts in outcome.locked])
    print(f"wrote {len(outcome.locked)} ids to {output}")
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "examples" / "loadlint.lock")
    sys.exit(lock_examples(parser.parse_args().output))
