"""The robot camera's settings and saving captured frames as numbered PNGs (imageNNN.png)
that never overwrite a file (no ROS here).

Who uses them: the get_image client :class:`tod_ros.ros.robot_camera.RobotCamera`, the CLI
tool ``rosrun tod_ros capture.py`` / ``tod capture`` (:mod:`tod_ros.commands.capture`) and
the ``capture_node`` node (:mod:`tod_ros.nodes.capture_node`).
"""
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tod_ros.errors import TodError
from tod_ros.fileio import temp_next_to
from tod_ros.imaging import check_bgr

CAMERA_FRAME_ID = "ergo_camera"         # header.frame_id of the robot camera's images


@dataclass
class CameraConfig:
    """How the robot's GetImage service is called (one place for these defaults)."""

    service: str = "get_image"          # the robot's GetImage service
    service_timeout: float = 5.0        # s to wait for the service to appear
    call_timeout: float = 5.0           # s for one get_image call
    retries: int = 2                    # extra attempts after a failed call (or an empty frame)

    def validate(self):
        """Raise TodError for settings the client cannot run with."""
        if self.service_timeout <= 0 or self.call_timeout <= 0 or self.retries < 0:
            raise TodError("~service_timeout and ~call_timeout must be > 0, ~retries >= 0")
        return self


@dataclass
class CaptureConfig(CameraConfig):
    """Settings of the CLI tool ``capture.py`` / ``tod capture``."""

    out_dir: Optional[str] = None       # default: images/<project>/ of the workspace
    project: str = "faces_cubes"
    prefix: str = "image"
    digits: int = 3
    count: int = 0                      # > 0: headless mode, save this many frames
    interval: float = 1.0               # s between frames in headless mode
    preview: Optional[bool] = None      # None: show a window only when a display exists


def _pattern(prefix):
    return re.compile(rf"^{re.escape(prefix)}(\d+)\.[A-Za-z]+$")


def next_index(folder, prefix="image"):
    """1 + the highest NNN of files ``<prefix>NNN.<ext>`` in ``folder`` (1 when there is none)."""
    folder = Path(folder)
    if not folder.is_dir():
        return 1
    pat = _pattern(prefix)
    numbers = [int(m.group(1)) for m in (pat.match(p.name) for p in folder.iterdir()) if m]
    return max(numbers, default=0) + 1


def save_frame(folder, bgr, prefix="image", digits=3):
    """Save ``bgr`` as the next free ``<prefix>NNN.png`` in ``folder``; return its path.

    The PNG is encoded to a temp file first, then hard-linked to its final name, which
    fails instead of replacing when that name exists: no file is ever overwritten.
    """
    import cv2  # deferred: keeps `tod --help` fast

    check_bgr(bgr)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ok, png = cv2.imencode(".png", bgr)
    if not ok:
        raise TodError("could not encode the frame as PNG")
    fd, tmp = temp_next_to(folder / f"{prefix}.png")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(png.tobytes())
        index = next_index(folder, prefix)
        while True:
            target = folder / f"{prefix}{index:0{digits}d}.png"
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                index += 1
    finally:
        os.unlink(tmp)
