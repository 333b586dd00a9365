"""Render a run as an animation for slides: the app's network and plots, one frame per step.

GIF needs nothing beyond matplotlib (Pillow); MP4 needs ``ffmpeg`` on the PATH.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from matplotlib.animation import AbstractMovieWriter, FFMpegWriter, PillowWriter
from matplotlib.figure import Figure

from trustsim.app.drawing import COLOUR_MODES, draw_frame, sample_network
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket

FORMATS: tuple[str, ...] = (".gif", ".mp4")


def movie_writer(out: Path, fps: int) -> AbstractMovieWriter:
    """The matplotlib writer for the file's suffix.

    Raises:
        ConfigError: for another suffix, or .mp4 without ffmpeg.
    """
    suffix = out.suffix.lower()
    if suffix == ".gif":
        return PillowWriter(fps=fps)
    if suffix == ".mp4":
        if shutil.which("ffmpeg") is None:
            raise ConfigError(
                f"--out {out}: an .mp4 needs ffmpeg on the PATH (e.g. 'apt-get install ffmpeg'); "
                "a .gif needs nothing more."
            )
        return FFMpegWriter(fps=fps)
    raise ConfigError(f"--out {out}: unknown format {suffix!r}; use one of {', '.join(FORMATS)}.")


def animate(
    model: TrustMarket,
    out: Path,
    steps: int,
    fps: int = 6,
    colour_by: str = "stage",
    sample_size: int = 300,
    on_frame: Callable[[int], None] | None = None,
) -> Path:
    """Run `model` for `steps` periods and write one frame per state (step 0 included).

    Args:
        model: a freshly built model (its current state is the first frame).
        out: the .gif or .mp4 file to write (its folder is created).
        steps: periods to run.
        fps: frames per second.
        colour_by: 'stage' or 'supplier', as in the app's toggle.
        sample_size: most customers drawn in the network.
        on_frame: called with the frame number after each frame (for a progress bar).

    Returns:
        The path written.

    Raises:
        ConfigError: for a bad format, frame rate or colour mode.
    """
    if colour_by not in COLOUR_MODES:
        raise ConfigError(f"--colour-by {colour_by!r}: use one of {', '.join(COLOUR_MODES)}.")
    if not 1 <= fps <= 60:
        raise ConfigError(f"--fps {fps}: must be between 1 and 60.")
    writer = movie_writer(out, fps)
    out.parent.mkdir(parents=True, exist_ok=True)
    sample = sample_network(model.network, sample_size)
    fig = Figure(figsize=(12.8, 7.2), dpi=100, layout="constrained")
    # frames go to a temporary file renamed at the end: an interrupted or failed run leaves no
    # truncated animation behind (the writer saves what it has when its block exits)
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        with writer.saving(fig, str(partial), dpi=100):
            for frame in range(steps + 1):
                if frame:
                    model.step()
                draw_frame(fig, model, sample, colour_by)
                writer.grab_frame()
                if on_frame is not None:
                    on_frame(frame)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out
