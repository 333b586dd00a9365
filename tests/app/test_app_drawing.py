"""The view (network sample, trends, updated in place), `trustsim animate` and `trustsim viz`'s checks."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trustsim.app.drawing import (
    EVENT_COLOUR,
    FONT_SIZE,
    SUPPLIER_COLOURS,
    History,
    LiveView,
    NumberFormatter,
    event_markers,
    firm_label,
    sample_network,
    snowball,
    tick_decimals,
)
from trustsim.app.server import OFFLINE_ENV
from trustsim.cli import main
from trustsim.model import TrustMarket

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"


@pytest.fixture(scope="module")
def model() -> TrustMarket:
    return TrustMarket(BASELINE, rng=3, **{"market.customers": 800})


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


def test_the_view_changes_with_the_colour_mode_and_with_steps(model):
    sample = sample_network(model.network, 150)
    by_stage = LiveView(model, sample, colour_by="stage")
    by_firm = LiveView(model, sample, colour_by="supplier")
    assert not np.array_equal(by_stage.rgb(), by_firm.rgb())
    with pytest.raises(ValueError, match="colour_by"):
        LiveView(model, sample, colour_by="rainbow")
    before = by_stage.rgb()
    overlay = by_stage.overlay_svg()
    model.step()
    model.step()
    by_stage.update()
    assert not np.array_equal(before, by_stage.rgb())
    assert by_stage.overlay_svg() != overlay and 'data-step="2"' in by_stage.overlay_svg()
    assert LiveView(model, sample, size=(1280, 720)).rgb().shape[:2] == (720, 1280)


def test_updating_in_place_matches_a_view_built_from_scratch(model):
    sample = sample_network(model.network, 100)
    live = LiveView(model, sample)
    for _ in range(3):
        model.step()
        live.update()
    fresh = LiveView(model, sample)
    for plot, lines in live.lines.items():
        for mine, theirs in zip(lines, fresh.lines[plot], strict=True):
            assert np.array_equal(
                np.asarray(mine.get_ydata(), dtype=float), np.asarray(theirs.get_ydata(), dtype=float), equal_nan=True
            )
    assert live.overlay_svg("network") == fresh.overlay_svg("network")


def test_history_follows_the_supplier_table_step_by_step(model):
    history = History.of(model)
    model.step()
    history.sync(model)
    table = model.supplier_table()
    for measure in ("customers", "ambassadors", "detractors", "trust"):
        expected = table[measure].to_numpy(dtype=float).reshape(-1, len(history.names))
        assert np.array_equal(history.series(measure), expected, equal_nan=True)


def test_background_text_is_text_of_at_least_the_font_size(model):
    view = LiveView(model, sample_network(model.network, 100))
    svg = view.background_svg("trends")
    sizes = [float(s) for s in re.findall(r"font-size: ([0-9.]+)px", svg)]
    assert sizes and min(sizes) >= FONT_SIZE


def test_nps_waits_for_customers_with_tenure_and_says_so():
    young = TrustMarket(BASELINE, rng=2, **{"market.customers": 400})
    view = LiveView(young, sample_network(young.network, 50))
    assert "NPS shows once customers" in view.overlay_svg()
    for _ in range(young.config.loyalty.loyal_tenure):
        young.step()
    view.update()
    assert "NPS shows once customers" not in view.overlay_svg()


def test_firm_labels_and_palette():
    assert firm_label(0, "S1") == "S1"
    assert firm_label(1, "Listener") == "S2 Listener"
    assert len(set(SUPPLIER_COLOURS)) == len(SUPPLIER_COLOURS)


def test_animate_writes_a_gif_with_one_frame_per_step(tmp_path, capsys):
    out = tmp_path / "slides" / "run.gif"
    code = main(
        [
            "animate",
            str(BASELINE),
            "--out",
            str(out),
            "--steps",
            "2",
            "--sample",
            "60",
            "--set",
            "market.customers=300",
            "--lesson",
            "scandal",
        ]
    )
    assert code == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.size == (1280, 720)
    assert "3 frames" in capsys.readouterr().err


def test_animate_refuses_unknown_formats_and_lessons(tmp_path, capsys):
    assert main(["animate", str(BASELINE), "--out", str(tmp_path / "x.avi")]) == 2
    assert "unknown format '.avi'" in capsys.readouterr().err
    assert main(["animate", str(BASELINE), "--out", str(tmp_path / "x.gif"), "--lesson", "nope"]) == 2
    assert "--lesson 'nope'" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (optional)")
def test_animate_writes_an_mp4_with_ffmpeg(tmp_path):
    out = tmp_path / "run.mp4"
    code = main(
        ["animate", str(BASELINE), "--out", str(out), "--steps", "2", "--sample", "60", "--set", "market.customers=300"]
    )
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


def _event_boxes(view: LiveView) -> dict[str, list]:
    """Screen boxes of the event labels on each plot."""
    renderer = view.fig.canvas.get_renderer()  # pyright: ignore[reportAttributeAccessIssue]
    return {
        name: [t.get_window_extent(renderer) for t in ax.texts if t.get_color() == EVENT_COLOUR and t.get_text()]
        for name, ax in view.axes.items()
    }


def test_event_labels_of_one_week_and_of_close_weeks_never_overlap():
    market = TrustMarket(BASELINE, rng=4, **{"market.customers": 300})
    view = LiveView(market, sample_network(market.network, 50), horizon=52)
    market.step()
    market.trigger_scandal(supplier=0, severity=2.0)
    market.trigger_scandal(supplier="all", severity=2.0)
    market.trigger_scandal(supplier=0, severity=2.0)
    market.step()
    market.trigger_scandal(supplier=1, severity=2.0)  # the next week: labels side by side
    view.update()
    labels = event_markers(market.events, ["S1", "S2", "S3", "S4"], "en")
    assert labels == [(1, " scandal S1 ×2\n scandal all"), (2, " scandal S2")]
    for name, boxes in _event_boxes(view).items():
        assert len(boxes) == 2, name
        assert not boxes[0].overlaps(boxes[1]), f"labels overlap on {name}: {boxes}"
        assert boxes[1].x0 >= boxes[0].x1  # the later week's label moved right of the first
    svg = view.background_svg()
    assert svg.count("scandal S1 ×2") == 4 and svg.count("scandal S2") == 4


def test_tick_labels_follow_the_language_and_names_are_drawn_verbatim():
    market = TrustMarket(BASELINE, rng=5, **{"market.customers": 3000, "suppliers.0.name": "$x$ & Co"})
    dutch = LiveView(market, sample_network(market.network, 50), lang="nl")
    svg = dutch.background_svg()
    assert "S1 $x$ &amp; Co" in svg  # in the legend as typed, not as mathtext
    assert "0,25" in svg and "0.25" not in svg  # the trust axis
    assert "50 van 3.000 klanten" in dutch.background_svg("network")
    assert NumberFormatter("nl").format_ticks([0, 0.25, 0.5]) == ["0,00", "0,25", "0,50"]
    assert NumberFormatter("en").format_ticks([0, 1500, 3000]) == ["0", "1,500", "3,000"]
    assert tick_decimals([0, 0.2, 0.4]) == 1
