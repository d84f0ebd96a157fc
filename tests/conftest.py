"""Shared fixtures: the loopback Hub and an environment that points loadlint (and huggingface_hub)
at it, with its own HF cache and facts cache.  Also makes tests/ importable (hub_server, cli_runner)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hub_server import HubServer


@pytest.fixture(scope="module")
def hub():
    """The loopback Hub with the fixture repos; a module may override it with other repos."""
    with HubServer() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, hub: HubServer) -> dict[str, str]:
    """The environment a loadlint subprocess runs in: no HF_/LOADLINT_ variables of the caller's."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "LOADLINT_"))}
    environment.update(
        HF_ENDPOINT=hub.endpoint,
        HF_HOME=str(tmp_path / "hf-home"),
        LOADLINT_CACHE_DIR=str(tmp_path / "loadlint-cache"),
        HF_HUB_DISABLE_TELEMETRY="1",
    )
    return environment


@pytest.fixture(autouse=True, scope="session")
def _own_loadlint_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests that run loadlint in-process, or with the plain environment, keep their tables and file
    records out of the user's cache folder."""
    os.environ["LOADLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("loadlint-cache"))
