"""Render a run as an animation for slides: the app's network and plots, one frame per step.

Frames are written to the file as they are drawn, never collected in memory: a GIF through
Pillow's frame-by-frame GIF encoder (a palette per frame), an MP4 through ``ffmpeg`` (which
must be on the PATH). The figure is the app's :class:`~trustsim.app.drawing.LiveView`, updated
in place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import GifImagePlugin, Image

from trustsim.app.drawing import COLOUR_MODES, LiveView, sample_network
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket

FORMATS: tuple[str, ...] = (".gif", ".mp4")
FRAME_SIZE = (1280, 720)


class StreamingGif:
    """Writes a looping GIF one frame at a time (each frame with its own palette).

    Args:
        stream: the binary file written.
        fps: frames per second.
    """

    def __init__(self, stream: IO[bytes], fps: int) -> None:
        self.stream = stream
        self.duration = round(1000 / fps)
        self.frames = 0

    def add(self, rgb: np.ndarray) -> None:
        """Append one frame (an RGB array) to the file."""
        image = Image.fromarray(rgb).quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        if self.frames == 0:
            for chunk in GifImagePlugin.getheader(image, info={"loop": 0})[0]:
                self.stream.write(chunk)
        for chunk in GifImagePlugin.getdata(image, duration=self.duration, include_color_table=True, disposal=1):
            self.stream.write(chunk)
        self.stream.flush()
        self.frames += 1

    def close(self) -> None:
        """End the file (the GIF trailer)."""
        self.stream.write(b";")
        self.stream.flush()


def check_format(out: Path) -> None:
    """Refuse an unknown suffix, or .mp4 without ffmpeg, before any work.

    Raises:
        ConfigError: naming the option, the value and what is allowed.
    """
    suffix = out.suffix.lower()
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise ConfigError(
            f"--out {out}: an .mp4 needs ffmpeg on the PATH (e.g. 'apt-get install ffmpeg'); a .gif needs nothing more."
        )
    if suffix not in FORMATS:
        raise ConfigError(f"--out {out}: unknown format {suffix!r}; use one of {', '.join(FORMATS)}.")


def animate(
    model: TrustMarket,
    out: Path,
    steps: int,
    fps: int = 6,
    colour_by: str = "stage",
    sample_size: int = 300,
    on_frame: Callable[[int], None] | None = None,
    lang: str = "en",
) -> Path:
    """Run `model` for `steps` periods and write one frame per state (step 0 included).

    Each frame is written to a temporary file next to `out` as soon as it is drawn (memory
    stays flat however long the run); the file is renamed to `out` at the end, so an
    interrupted or failed run leaves no truncated animation behind.

    Args:
        model: a freshly built model (its current state is the first frame).
        out: the .gif or .mp4 file to write (its folder is created).
        steps: periods to run.
        fps: frames per second.
        colour_by: 'stage' or 'supplier', as in the app's toggle.
        sample_size: most customers drawn in the network.
        on_frame: called with the frame number after each frame is written (a progress bar).
        lang: 'en' or 'nl'.

    Returns:
        The path written.

    Raises:
        ConfigError: for a bad format, frame rate or colour mode.
    """
    if colour_by not in COLOUR_MODES:
        raise ConfigError(f"--colour-by {colour_by!r}: use one of {', '.join(COLOUR_MODES)}.")
    if not 1 <= fps <= 60:
        raise ConfigError(f"--fps {fps}: must be between 1 and 60.")
    check_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    view = LiveView(
        model,
        sample_network(model.network, sample_size),
        lang=lang,
        colour_by=colour_by,
        size=FRAME_SIZE,
        horizon=model.steps + steps,  # the time axis spans the weeks rendered
    )
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        if out.suffix.lower() == ".gif":
            with partial.open("wb") as stream:
                gif = StreamingGif(stream, fps)
                _frames(model, view, steps, gif.add, on_frame)
                gif.close()
        else:
            _write_mp4(model, view, steps, partial, fps, on_frame)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def draw_frame(view: LiveView) -> np.ndarray:
    """Show the model's current state in `view`; the frame as an RGB array."""
    view.update()
    return view.rgb()


def _frames(
    model: TrustMarket,
    view: LiveView,
    steps: int,
    write: Callable[[np.ndarray], Any],
    on_frame: Callable[[int], None] | None,
) -> None:
    """Step, draw, hand each frame to `write` (step 0 first)."""
    for frame in range(steps + 1):
        if frame:
            model.step()
        write(draw_frame(view))
        if on_frame is not None:
            on_frame(frame)


def _write_mp4(
    model: TrustMarket, view: LiveView, steps: int, path: Path, fps: int, on_frame: Callable[[int], None] | None
) -> None:
    """Pipe each frame to ffmpeg as raw RGB as soon as it is drawn."""
    height, width = view.rgb().shape[:2]
    command = [
        shutil.which("ffmpeg") or "ffmpeg",
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
        "-vcodec",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-f",
        "mp4",
        str(path),
    ]
    with subprocess.Popen(command, stdin=subprocess.PIPE) as ffmpeg:
        stdin = ffmpeg.stdin
        assert stdin is not None
        try:
            _frames(model, view, steps, lambda rgb: stdin.write(rgb.tobytes()), on_frame)
        finally:
            stdin.close()
    if ffmpeg.returncode != 0:
        raise ConfigError(f"--out {path}: ffmpeg failed (exit status {ffmpeg.returncode}).")
