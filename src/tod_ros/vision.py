"""The course's vision server (ros4pro/VisionPredict) and where the cubes lie on the table, without ROS.

:class:`VisionServer` turns a request image (mono8, bgr8 or rgb8) into the course's answer: per cube
the label map's id, the face's centre and its four corners (:mod:`tod_ros.geometry.corners`), and with
a table calibration (:mod:`tod_ros.geometry.table`) its position on the table. The labels come from
the detector only; the corners and positions are geometry.
"""
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tod_ros.errors import TodError
from tod_ros.geometry.corners import find_face
from tod_ros.geometry.table import TableCalibration
from tod_ros.imaging import image_msg_to_bgr
from tod_ros.workspace import calibration_path

FIELDS = ("label", "x_center", "y_center", "x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4")
CALIBRATE_HINT = "run 'tod calibrate' (docs/ros.md, the integration day) and give its file as calibration:="


@dataclass
class VisionConfig:
    """Private params of the detector node for the vision service and the table positions."""

    vision_service: bool = True     # advertise vision/predict (ros4pro/VisionPredict)
    calibration: str = ""           # table calibration file; empty: <$TOD_WORKSPACE or .>/calibration/table.yaml
    table_frame: str = "table"      # frame of the positions (TableCubes.header.frame_id, parent of cube_<i>)
    cube_frame_prefix: str = "cube_"

    def validate(self):
        """Raise TodError for unusable values; return the config."""
        if not self.table_frame or not self.cube_frame_prefix:
            raise TodError("~table_frame and ~cube_frame_prefix must not be empty")
        return self

    def calibration_file(self):
        """The calibration file to read (the param, else the workspace's)."""
        return Path(self.calibration).expanduser() if self.calibration else calibration_path()


@dataclass
class Cube:
    """One detected cube: detector label (id, name, score), its face, and its table pose when calibrated."""

    class_id: int
    label: str
    score: float
    face: object                    # geometry.corners.Face
    position: tuple = None          # (x, y) m on the table under the face's centre, or None
    yaw: float = 0.0                # rad, TL -> TR edge of the face on the table
    table_corners: list = None      # [(x, y, z)] of the face's corners on the table


class CalibrationWatch:
    """The table calibration of a file, read again when the file changes (``tod calibrate`` while running)."""

    def __init__(self, path):
        self.path = Path(path)
        self.calibration = None
        self.problem = ""
        self._stamp = ()            # never a file's stamp: the first call reads

    def current(self):
        """``(calibration or None, message when it changed else "")``."""
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return self.calibration, ""
        self._stamp = stamp
        if stamp is None:
            self.calibration = None
            self.problem = f"no table calibration at {self.path}: cube positions are not published; {CALIBRATE_HINT}"
        else:
            try:
                self.calibration, self.problem = TableCalibration.load(self.path), ""
            except TodError as exc:
                self.calibration, self.problem = None, f"{exc}; cube positions are not published"
        return self.calibration, self.problem or f"table calibration loaded from {self.path}"


def place(cube, cal, image_size):
    """Fill ``cube``'s table position, yaw and corners from calibration ``cal`` (unchanged when the
    face's centre does not look at the table)."""
    try:
        corners = [cal.pixel_to_table(u, v, cal.cube_size, image_size) for u, v in cube.face.corners]
        x, y = cal.pixel_to_table(*cube.face.center, cal.cube_size, image_size)
    except TodError:
        return cube
    (ax, ay), (bx, by) = corners[0], corners[1]
    cube.position = (x, y)
    cube.yaw = math.atan2(by - ay, bx - ax)
    cube.table_corners = [(cx, cy, cal.cube_size) for cx, cy in corners]
    return cube


class VisionServer:
    """Request image -> cubes -> the course's response fields. ``detect(bgr) -> [Detection]`` is the
    detector's (``box_px``, ``class_id``, ``label``, ``score``)."""

    def __init__(self, detect):
        self.detect = detect

    def cubes(self, bgr, detections, calibration=None):
        """:class:`Cube` per detection of ``bgr``, placed on the table when ``calibration`` is given."""
        out = []
        for d in detections:
            cube = Cube(int(d.class_id), d.label, float(d.score), find_face(bgr, d.box_px))
            out.append(place(cube, calibration, (bgr.shape[1], bgr.shape[0])) if calibration else cube)
        return out

    def predict(self, image_msg, calibration=None):
        """``(cubes, "")`` for a request image, or ``([], reason)`` for an image that cannot be used."""
        try:
            bgr = image_msg_to_bgr(image_msg)
        except TodError as exc:
            return [], str(exc)
        return self.cubes(bgr, self.detect(bgr), calibration), ""


def response_fields(cubes):
    """The course's arrays (label, x_center, y_center, x1, y1 .. x4, y4) as lists of non-negative ints."""
    def px(v):
        return max(0, int(round(v)))

    fields = {name: [] for name in FIELDS}
    for cube in cubes:
        fields["label"].append(min(255, max(0, cube.class_id)))
        cx, cy = cube.face.center
        fields["x_center"].append(px(cx))
        fields["y_center"].append(px(cy))
        for i, (x, y) in enumerate(np.asarray(cube.face.corners), start=1):
            fields[f"x{i}"].append(px(x))
            fields[f"y{i}"].append(px(y))
    return fields


def describe(cubes):
    """One line per cube for the log: label, score, centre and table position (or 'no calibration')."""
    lines = []
    for i, c in enumerate(cubes):
        where = (f"at ({c.position[0]:.3f}, {c.position[1]:.3f}) m, yaw {math.degrees(c.yaw):.0f} deg"
                 if c.position else "not placed")
        corners = "" if c.face.found else " (box corners: face not found)"
        lines.append(f"cube {i}: {c.label} (id {c.class_id}, {c.score:.2f}) centre ({c.face.center[0]:.0f}, "
                     f"{c.face.center[1]:.0f}) px {where}{corners}")
    return lines
