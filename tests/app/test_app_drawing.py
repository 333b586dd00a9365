"""The pictures (network sample, trends, frames), `trustsim animate` and `trustsim viz`'s checks."""

from __future__ import annotations

import io
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from PIL import Image

from trustsim.app.drawing import (
    SUPPLIER_COLOURS,
    firm_label,
    frame_figure,
    network_figure,
    sample_network,
    snowball,
    trends_figure,
)
from trustsim.app.server import OFFLINE_ENV
from trustsim.cli import main
from trustsim.model import TrustMarket

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"


@pytest.fixture(scope="module")
def model() -> TrustMarket:
    return TrustMarket(BASELINE, rng=3, **{"market.customers": 800})


def pixels(figure) -> np.ndarray:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    buffer.seek(0)
    return imread(buffer)


def test_snowball_sample_is_bounded_and_keeps_neighbourhoods(model):
    nodes = snowball(model.network, 120, np.random.default_rng(0))
    assert len(nodes) == 120 == len(np.unique(nodes))
    sample = sample_network(model.network, 120)
    assert sample.positions.shape == (120, 2)
    assert len(sample.edges) > 60  # a uniform sample of 120 in 800 would keep about 9 ties
    assert sample.edges.max() < 120
    small = sample_network(model.network, 5000)
    assert len(small.nodes) == model.network.n == small.population


def test_well_mixed_sample_has_no_ties():
    mixed = TrustMarket(None, rng=1, **{"market.customers": 500, "network.kind": "well_mixed"})
    sample = sample_network(mixed.network, 100)
    assert len(sample.nodes) == 100 and len(sample.edges) == 0


def test_network_picture_changes_with_the_colour_mode_and_with_steps(model):
    sample = sample_network(model.network, 150)
    by_stage = pixels(network_figure(model, sample, "stage"))
    by_firm = pixels(network_figure(model, sample, "supplier"))
    assert not np.array_equal(by_stage, by_firm)
    with pytest.raises(ValueError, match="colour_by"):
        network_figure(model, sample, "rainbow")
    before = pixels(trends_figure(model))
    model.step()
    model.step()
    assert not np.array_equal(before, pixels(trends_figure(model)))
    assert pixels(frame_figure(model, sample)).shape[:2] == (720, 1280)


def test_firm_labels_and_palette():
    assert firm_label(0, "S1") == "S1"
    assert firm_label(1, "Listener") == "S2 Listener"
    assert len(set(SUPPLIER_COLOURS)) == len(SUPPLIER_COLOURS)


def test_animate_writes_a_gif_with_one_frame_per_step(tmp_path, capsys):
    out = tmp_path / "slides" / "run.gif"
    code = main(["animate", str(BASELINE), "--out", str(out), "--steps", "2", "--sample", "60",
                 "--set", "market.customers=300", "--lesson", "scandal"])
    assert code == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.size == (1280, 720)
    assert "3 frames" in capsys.readouterr().err


def test_animate_refuses_unknown_formats_and_lessons(tmp_path, capsys):
    assert main(["animate", str(BASELINE), "--out", str(tmp_path / "x.avi")]) == 2
    assert "unknown format '.avi'" in capsys.readouterr().err
    assert main(["animate", str(BASELINE), "--out", str(tmp_path / "x.gif"),
                 "--lesson", "nope"]) == 2
    assert "--lesson 'nope'" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (optional)")
def test_animate_writes_an_mp4_with_ffmpeg(tmp_path):
    out = tmp_path / "run.mp4"
    code = main(["animate", str(BASELINE), "--out", str(out), "--steps", "2", "--sample", "60",
                 "--set", "market.customers=300"])
    assert code == 0
    assert out.stat().st_size > 1000 and out.read_bytes()[4:8] == b"ftyp"


@pytest.mark.skipif(shutil.which("ffmpeg") is not None, reason="ffmpeg is installed here")
def test_animate_mp4_without_ffmpeg_says_what_to_install(tmp_path, capsys):
    assert main(["animate", str(BASELINE), "--out", str(tmp_path / "x.mp4")]) == 2
    assert "needs ffmpeg" in capsys.readouterr().err


def test_viz_reports_a_busy_port_before_starting(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["viz", str(BASELINE), "--port", str(port)]) == 2
    assert f"--port {port}: cannot listen there" in capsys.readouterr().err


def test_viz_reports_a_bad_config_before_starting(tmp_path, capsys):
    assert main(["viz", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["viz", str(BASELINE), "--set", "market.custmers=5"]) == 2
    assert "did you mean 'customers'" in capsys.readouterr().err.lower()


def test_viz_switches_telemetry_off():
    assert OFFLINE_ENV["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
