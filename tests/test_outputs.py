"""The data dictionary (docs/outputs.md) is current, and the tidy sweep tables are what it says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trustsim import outputs
from trustsim.cli import main
from trustsim.sweep.tidy import tidy_tables

REPO = Path(__file__).resolve().parents[1]


def test_the_model_writes_exactly_the_declared_columns_each_of_one_kind():
    from trustsim.model import TrustMarket

    m = TrustMarket("baseline", rng=1, **{"market.customers": 300}).run(2)
    assert tuple(m.model_table().columns) == tuple(outputs.MODEL)
    assert tuple(m.supplier_table().columns) == tuple(outputs.SUPPLIER)
    assert tuple(m.customer_table().columns) == tuple(outputs.CUSTOMER)
    kinds = {outputs.KEY, outputs.STOCK, outputs.FLOW, outputs.POLICY}
    for table in (outputs.MODEL, outputs.SUPPLIER, outputs.CUSTOMER):
        assert {c.kind for c in table.values()} <= kinds
    # a flow of the market is the sum of the suppliers' flows of the same name, step by step
    sup = m.supplier_table().groupby("step").sum(numeric_only=True)
    for col in outputs.columns(outputs.MODEL, outputs.FLOW, also_in=outputs.SUPPLIER):
        assert (m.model_table().set_index("step")[col] - sup[col]).abs().max() < 1e-9, col


def test_docs_outputs_md_is_generated_from_the_code():
    assert (REPO / "docs" / "outputs.md").read_text() == outputs.render(), (
        "docs/outputs.md is stale: run `python -m trustsim.outputs > docs/outputs.md`"
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tidy") / "grid"
    status = main(
        [
            "sweep",
            str(REPO / "experiments" / "demo_grid.toml"),
            "--out",
            str(out),
            "--steps",
            "5",
            "--replicates",
            "2",
            "--set",
            "market.customers=200",
            "--workers",
            "2",
            "--quiet",
            "--csv",
        ]
    )
    assert status == 0
    return out


def test_tidy_tables_carry_parameters_and_name_their_statistic(sweep):
    summary = pd.read_parquet(sweep / "summary.parquet")
    tables = {
        name: pd.read_parquet(sweep / "tidy" / f"{name}.parquet")
        for name in ("runs", "supplier_runs", "timeseries", "suppliers")
    }
    params = ["wom.rate", "trust.loss_multiplier"]
    for name, frame in tables.items():
        assert list(frame.columns[:7]) == ["run", "run_id", "point", "replicate", "seed", *params], name
        pd.testing.assert_frame_equal(  # every row carries its run's design parameters
            frame[["run", *params]].drop_duplicates().reset_index(drop=True),
            summary[["run", *params]].reset_index(drop=True),
        )
    runs = tables["runs"]
    assert "final_nps" in runs and "nps" not in runs
    assert (runs["final_nps"].to_numpy() == summary["nps"].to_numpy()).all()
    sup = tables["supplier_runs"]
    assert len(sup) == len(summary) * 4 and list(sup["supplier"].iloc[:4]) == [0, 1, 2, 3]
    steady = sup[sup["name"] == "Steady"].set_index("run")["final_customers"]
    assert (steady.to_numpy() == summary.set_index("run")["customers[Steady]"].to_numpy()).all()
    # one row per run x step (x supplier)
    assert len(tables["timeseries"]) == len(summary) * 6 and len(tables["suppliers"]) == len(summary) * 6 * 4
    assert {"nps", "customer_share", "customers[Steady]"} <= set(summary.columns)  # old names kept


def test_csv_beside_parquet_holds_the_same_rows(sweep):
    for name in ("runs", "supplier_runs", "timeseries", "suppliers"):
        csv = pd.read_csv(sweep / "tidy" / f"{name}.csv")
        parquet = pd.read_parquet(sweep / "tidy" / f"{name}.parquet")
        assert list(csv.columns) == list(parquet.columns) and len(csv) == len(parquet)
    assert len(pd.read_csv(sweep / "summary.csv")) == len(pd.read_parquet(sweep / "summary.parquet"))
    # seeds (63-bit) as hexadecimal text, exact in spreadsheets and R; the command line takes them back
    csv_seeds = pd.read_csv(sweep / "summary.csv", dtype={"seed": str})["seed"]
    seeds = pd.read_parquet(sweep / "summary.parquet")["seed"]
    assert [int(s, 16) for s in csv_seeds] == seeds.tolist() and max(seeds) > 2**53
    from trustsim.commands._args import scenario_int

    assert scenario_int("seed")(csv_seeds.iloc[0]) == seeds.iloc[0]


def test_tidy_tables_match_the_data_dictionary(sweep):
    tables = tidy_tables(sweep)
    for name, frame in tables.items():
        base = "model" if name in ("runs", "timeseries") else "suppliers"
        known = outputs.MODEL if base == "model" else outputs.SUPPLIER
        for col in frame.columns:
            if col in outputs.KEYS or col in ("wom.rate", "trust.loss_multiplier"):
                continue
            measure = col.removeprefix("final_") if name.endswith("runs") else col
            assert measure in known, f"{name}.{col} is not in docs/outputs.md"
