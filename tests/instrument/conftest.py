"""Fixtures of the instrument's tests: the fixture version 2027.1 and rows in any version."""

import sys
from pathlib import Path

# The helpers next to this file are plain modules (no __init__.py here).
sys.path.insert(0, str(Path(__file__).parent))
