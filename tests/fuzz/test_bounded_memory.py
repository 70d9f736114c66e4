"""A 200 MB body is never held whole: each reader runs in a process of its own and its peak memory is measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_GROWTH_MIB = 32
"""Far below the 200 MB fed: what a reader holding the body, or one tag of it, would need."""


@pytest.mark.parametrize("kind, outcome", [
    ("csv-rows", "read 13088 records"),
    ("csv-open-quote", "refused: row 2 is longer than"),
    ("csv-no-line-break", "refused: row 2 is longer than"),
    ("xml-records", "read 12824 records"),
    ("xml-ignored-text", "read 0 records"),
    ("xml-endless-attribute", "refused: a tag, comment or name runs on"),
])  # fmt: skip
def test_reader_memory_stays_bounded_on_a_200_mb_body(kind, outcome):
    run = subprocess.run([sys.executable, "-m", "tests.fuzz.peak_memory", kind], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True)  # fmt: skip

    result = json.loads(run.stdout)
    assert result["outcome"].startswith(outcome), result
    assert result["growth_mib"] < MAX_GROWTH_MIB, result
