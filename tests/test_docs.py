"""Documentation that is generated or must keep up with the code."""

from pathlib import Path

from trustsim.config import Scenario, Section
from trustsim.config_docs import render

ROOT = Path(__file__).resolve().parents[1]


def test_every_scenario_key_is_documented():
    def walk(model):
        for name, info in model.model_fields.items():
            if name == "base_dir":
                continue
            ann = info.annotation
            subs = [a for a in (ann, *getattr(ann, "__args__", ())) if isinstance(a, type) and issubclass(a, Section)]
            if subs:
                yield from walk(subs[0])
            else:
                yield model.__name__, name, info.description

    missing = [(m, n) for m, n, d in walk(Scenario) if not d]
    assert not missing


def test_config_reference_is_current():
    assert (ROOT / "docs" / "config.md").read_text() == render(), "run: python -m trustsim.config_docs > docs/config.md"


CLASSES = {"TrustMarket": "trustsim.model", "Supplier": "trustsim.suppliers", "Network": "trustsim.network"}


def _resolve(ref: str, module: str | None):
    import importlib
    import importlib.util

    parts = ref.split(".")
    if len(parts) == 1:
        parts = [module, *parts]
    head, rest = parts[0], parts[1:]
    if head in CLASSES:
        obj = getattr(importlib.import_module(CLASSES[head]), head)
    else:
        name = next(p + head for p in ("trustsim.mechanisms.", "trustsim.") if importlib.util.find_spec(p + head))
        obj = importlib.import_module(name)
    for part in rest:
        if not hasattr(obj, part) and hasattr(obj, "__path__"):  # a package's module not imported yet
            importlib.import_module(f"{obj.__name__}.{part}")
        obj = getattr(obj, part)
    return parts[0]


def test_odd_points_to_functions_that_exist():
    import re

    text = (ROOT / "docs" / "ODD.md").read_text().split("## 7. Submodels")[1].split("### Equations")[0]
    checked = 0
    for row in (r for r in text.splitlines() if r.startswith("| ") and "`" in r):
        module = None
        for ref in re.findall(r"`([\w.]+)`", row.split("|")[3]):
            head = _resolve(ref, module)
            if head not in CLASSES:
                module = head
            checked += 1
    assert checked > 25


def test_odd_lists_every_parameter_with_unit_and_source():
    import re

    def keys(model, prefix=""):
        for name, info in model.model_fields.items():
            if name == "base_dir":
                continue
            ann = info.annotation
            subs = [a for a in (ann, *getattr(ann, "__args__", ())) if isinstance(a, type) and issubclass(a, Section)]
            if subs and name in ("supplier_defaults", "suppliers"):
                yield from (f"supplier {k}" for k in subs[0].model_fields if k != "name")
            elif subs:
                yield from keys(subs[0], f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}"

    table = (ROOT / "docs" / "ODD.md").read_text().split("## 8. Parameters")[1]
    rows = [r.split("|") for r in table.splitlines() if r.startswith("| `") or r.startswith("| supplier")]
    listed = set()
    for cells in rows:
        assert len(cells) == 6 and all(c.strip() for c in cells[1:5]), cells  # default, unit and source filled in
        for name in re.findall(r"`([\w.*]+)`", cells[1]):
            listed.add(name)
        if cells[1].strip().startswith("supplier"):
            listed.update(f"supplier {n}" for n in re.findall(r"`(\w+)`", cells[1]))
    missing = [k for k in keys(Scenario) if k not in listed and f"{k.split('.')[0]}.*" not in listed]
    assert not missing, f"parameters missing from docs/ODD.md section 8: {missing}"
