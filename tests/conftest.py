"""Make tests/hub_server.py importable as `hub_server` from every test module."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
