"""A table seen by the simulated robot's camera: cubes at known table positions, rendered in perspective.

A :class:`TableScene` (config/sim_table.yaml) places a pinhole camera over the table and cubes on it
(x, y in metres, yaw, label id); :func:`render` draws the frame the camera sees (dark table, each cube's
shaded sides and its top face with the label's digit, upright in the image for yaw 0), and
:func:`render_board` the checkerboard of ``tod calibrate`` lying on the table at its origin.
:func:`truth` gives what a perfect vision server would answer: each cube's position and the image
corners of its top face. Deterministic for a given scene (its ``seed``).
"""
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tod_ros.errors import TodError
from tod_ros.geometry.corners import diagonal_center, order_corners
from tod_ros.geometry.table import CalibrationConfig, TableCalibration, camera_matrix

TABLE_GREY = 38.0       # the dark table (0..255)
SIDE_SHADE = 0.55       # brightness of a cube's sides relative to its top face


@dataclass
class TableScene:
    """Camera over the table and the cubes on it (config/sim_table.yaml)."""

    width: int = 640
    height: int = 480
    hfov_deg: float = CalibrationConfig.hfov_deg
    camera: list = field(default_factory=lambda: [0.09, -0.02, 0.22])   # camera position (m, table frame)
    target: list = field(default_factory=lambda: [0.09, 0.08, 0.0])     # the point it looks at
    cube_size: float = CalibrationConfig.cube_size
    cubes: list = field(default_factory=list)     # [x, y, yaw_deg, label_id] per cube
    seed: int = 0

    def validate(self):
        """Raise TodError for a scene that cannot be rendered; return the scene."""
        if self.width < 16 or self.height < 16 or self.cube_size <= 0:
            raise TodError("scene: width and height must be >= 16 px and cube_size > 0")
        if len(self.camera) != 3 or len(self.target) != 3 or self.camera[2] <= self.cube_size:
            raise TodError("scene: camera and target are 3 numbers (m), the camera above the cubes")
        for cube in self.cubes:
            if len(cube) != 4 or int(cube[3]) not in (1, 2):
                raise TodError(f"scene: a cube is [x, y, yaw_deg, label 1|2], got {cube}")
        return self

    @classmethod
    def load(cls, path):
        """The scene of a YAML file; TodError naming the file when it is not one."""
        import yaml

        try:
            with open(path, encoding="utf-8") as f:
                return cls(**(yaml.safe_load(f) or {})).validate()
        except OSError as exc:
            raise TodError(f"cannot read the table scene {path}: {exc.strerror or exc}") from exc
        except (yaml.YAMLError, TypeError) as exc:
            raise TodError(f"{path}: not a table scene ({exc})") from exc

    def calibration(self):
        """The true :class:`TableCalibration` of the scene's camera."""
        import cv2

        c, target = np.asarray(self.camera, float), np.asarray(self.target, float)
        z = (target - c) / np.linalg.norm(target - c)
        x = np.cross(z, [0.0, 0.0, 1.0])
        x /= np.linalg.norm(x)
        rot = np.array([x, np.cross(z, x), z])
        rvec, _ = cv2.Rodrigues(rot)
        k = camera_matrix(self.width, self.height, self.hfov_deg)
        return TableCalibration(self.width, self.height, k.tolist(), rvec.ravel().tolist(),
                                (-rot @ c).tolist(), cube_size=self.cube_size, source="scene")


class SceneImages:
    """The simulated robot's image source for a scene file: its rendering, every time."""

    def __init__(self, path):
        self.scene = TableScene.load(path)
        self.files = [Path(path)]
        self._bgr = None

    def next(self):
        """``(path, bgr)`` like :class:`tod_ros.sim_robot.ImageCycler` (rendered once)."""
        if self._bgr is None:
            self._bgr = render(self.scene)
        return self.files[0], self._bgr


def cube_corners(x, y, yaw_deg, size, z):
    """Table points (4, 3) of a cube's square at height ``z``, in the cube's own order."""
    a = math.radians(yaw_deg)
    half = size / 2.0
    local = np.array([[-half, half], [half, half], [half, -half], [-half, -half]])
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    xy = local @ rot.T + [x, y]
    return np.column_stack([xy, np.full(4, z)])


@dataclass
class CubeTruth:
    """Where a cube of the scene is: label id, table position (m), yaw, image corners and centre of its top."""

    label: int
    x: float
    y: float
    yaw_deg: float
    corners: np.ndarray
    center: tuple


def truth(scene):
    """:class:`CubeTruth` of every cube of ``scene``, in the scene's order."""
    cal = scene.calibration()
    out = []
    for x, y, yaw, label in scene.cubes:
        quad = order_corners(cal.project(cube_corners(x, y, yaw, scene.cube_size, scene.cube_size)))
        out.append(CubeTruth(int(label), float(x), float(y), float(yaw), quad, diagonal_center(quad)))
    return out


def _table(rng, scene):
    from tod_ros.dataset.synth_scene import smooth_noise

    h, w = scene.height, scene.width
    grey = TABLE_GREY + smooth_noise(rng, h, w, 3, 6.0)
    return np.repeat(grey[..., None], 3, axis=2).astype(np.float32)


def _draw_cube(rng, canvas, cal, cube, scene, fonts):
    import cv2

    from tod_ros.dataset import synth_scene
    from tod_ros.dataset.synth_glyphs import glyph_mask

    x, y, yaw, label = cube
    s = scene.cube_size
    bottom, top = cube_corners(x, y, yaw, s, 0.0), cube_corners(x, y, yaw, s, s)
    eye = cal.camera_centre()
    paper = np.array([215.0, 225.0, 232.0], np.float32)
    for i in range(4):
        j = (i + 1) % 4
        mid = (bottom[i] + bottom[j]) / 2.0
        outward = mid[:2] - (x, y)
        if outward @ (eye[:2] - mid[:2]) > 0:           # a side turned towards the camera
            quad = cal.project([top[i], top[j], bottom[j], bottom[i]]).astype(np.float32)
            colour = tuple(float(v) for v in paper * SIDE_SHADE)
            cv2.fillConvexPoly(canvas, np.round(quad * 4).astype(np.int32), colour, cv2.LINE_AA, shift=2)
    ink = np.array([40.0, 30.0, 25.0], np.float32)
    glyph = glyph_mask(rng, str(int(label)), fonts, p_font=0.5)
    tex = synth_scene.face_texture(rng, paper, ink, glyph, "plain")
    synth_scene.warp_onto(canvas, tex, order_corners(cal.project(top)))


def render(scene):
    """The BGR uint8 frame the scene's camera sees."""
    from tod_ros.dataset.synth_glyphs import find_fonts

    scene.validate()
    rng = np.random.default_rng(scene.seed)
    cal = scene.calibration()
    canvas = _table(rng, scene)
    eye = cal.camera_centre()
    fonts = find_fonts()
    far_first = sorted(scene.cubes, key=lambda c: -math.hypot(c[0] - eye[0], c[1] - eye[1]))
    for cube in far_first:
        _draw_cube(rng, canvas, cal, cube, scene, fonts)
    return np.clip(canvas, 0, 255).astype(np.uint8)


def render_board(scene, cfg=None):
    """The BGR uint8 frame of the checkerboard of ``cfg`` lying on the table, its first inner corner at
    the table's origin (on white paper one square wider than the board all round)."""
    import cv2

    cfg = (cfg or CalibrationConfig()).validate()
    cal = scene.calibration()
    canvas = np.full((scene.height, scene.width, 3), TABLE_GREY, np.uint8)
    sq = cfg.square
    paper = [(-2 * sq, -2 * sq), ((cfg.board_cols + 1) * sq, -2 * sq),
             ((cfg.board_cols + 1) * sq, (cfg.board_rows + 1) * sq), (-2 * sq, (cfg.board_rows + 1) * sq)]
    _fill(canvas, cal, paper, 235)
    for i in range(-1, cfg.board_cols):
        for j in range(-1, cfg.board_rows):
            if (i + j) % 2 == 0:
                x0, y0 = i * sq, j * sq
                _fill(canvas, cal, [(x0, y0), (x0 + sq, y0), (x0 + sq, y0 + sq), (x0, y0 + sq)], 15)
    return canvas


def _fill(canvas, cal, xy, grey):
    import cv2

    pts = cal.project([(x, y, 0.0) for x, y in xy])
    cv2.fillConvexPoly(canvas, np.round(pts * 16).astype(np.int32), (grey, grey, grey), cv2.LINE_AA, shift=4)
