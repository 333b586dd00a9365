"""The examples in the package's docstrings run, and print what they say they print; every public
function of trustsim/mechanisms/ has one (issue 24)."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
from contextlib import redirect_stdout

import pytest
from test_one_source import public_mechanism_functions  # tests/ is on sys.path under pytest

import trustsim
import trustsim.mechanisms
from trustsim.extras import EXTRAS

MODULES = sorted(m.name for m in pkgutil.walk_packages(trustsim.__path__, "trustsim."))
OPTIONAL = {module for modules in EXTRAS.values() for module in modules}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        if e.name in OPTIONAL:
            pytest.skip(f"{name} needs the optional {e.name}")
        raise
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    with redirect_stdout(report):
        for test in doctest.DocTestFinder().find(module, name):
            runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


def test_the_package_has_examples():
    finder = doctest.DocTestFinder()
    examples = sum(
        len(t.examples)
        for n in ("trustsim.builtin", "trustsim.model")
        for t in finder.find(importlib.import_module(n), n)
    )
    assert examples >= 5


def test_every_mechanism_has_an_example():
    """Each public function and method of trustsim/mechanisms/ (as test_one_source counts them) has
    an example that the doctest run above finds and runs: numba rules, classmethods and all."""
    finder = doctest.DocTestFinder()
    with_examples = {
        test.name.removeprefix("trustsim.mechanisms.")
        for info in pkgutil.iter_modules(trustsim.mechanisms.__path__)
        for test in finder.find(importlib.import_module(f"trustsim.mechanisms.{info.name}"))
        if test.examples
    }
    public = public_mechanism_functions()
    missing = sorted(public - with_examples)
    assert len(public) > 50
    assert not missing, (
        f"{len(missing)} public functions of trustsim/mechanisms/ have no example (a `>>>` line in an "
        f"`Example:` section of the docstring, as in money.py): {', '.join(missing)}"
    )
