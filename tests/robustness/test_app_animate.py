"""`trustsim animate` on long runs: frames stream to the file, and --steps has the scenario's cap."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from PIL import Image
from robustness_support import ROOT

from trustsim.app.animation import animate
from trustsim.cli import main
from trustsim.model import TrustMarket

BASELINE = ROOT / "configs" / "baseline.toml"


def test_frames_are_written_to_the_file_as_they_are_drawn(tmp_path: Path) -> None:
    out = tmp_path / "run.gif"
    partial = tmp_path / ".run.partial.gif"
    sizes: list[int] = []
    model = TrustMarket(BASELINE, rng=1, **{"market.customers": 300})
    animate(
        model,
        out,
        steps=4,
        sample_size=60,
        on_frame=lambda _: sizes.append(partial.stat().st_size if partial.exists() else 0),
    )
    # every frame is on disk before the next is drawn: nothing piles up in memory
    assert len(sizes) == 5 and sizes[0] > 0
    assert all(later > earlier for earlier, later in pairwise(sizes))
    with Image.open(out) as gif:
        assert gif.n_frames == 5 and gif.size == (1280, 720)
        assert gif.info.get("loop") == 0 and abs(gif.info["duration"] - 1000 / 6) < 10  # 1/100 s


def test_steps_beyond_the_scenario_limit_are_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "run.gif"
    assert main(["animate", str(BASELINE), "--out", str(out), "--steps", "100000000000"]) == 2
    err = capsys.readouterr().err
    assert "--steps 100000000000" in err and "100,000" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    assert main(["animate", str(BASELINE), "--out", str(out), "--steps", "-1"]) == 2
    assert "--steps -1" in capsys.readouterr().err
