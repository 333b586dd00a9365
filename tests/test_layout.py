"""The repository layout rules that keep `make test` collecting every test."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_modules_have_unique_names():
    # tests/ folders are not packages: two test files with one name break pytest's collection.
    names = Counter(p.name for p in TESTS.rglob("*.py") if p.name != "conftest.py" and "__pycache__" not in p.parts)
    assert [n for n, c in names.items() if c > 1] == []
