"""The table plane seen by the robot's camera: a pinhole camera and its pose over the table.

Table frame: x, y on the table in metres, z up, origin and axes those of the calibration target
(the checkerboard's first inner corner, or the table coordinates of the four given points).
A :class:`TableCalibration` maps a pixel to the table (:meth:`TableCalibration.pixel_to_table`: the
camera ray meets the plane ``z = height``) and table points to pixels (:meth:`TableCalibration.project`).
It is made by :func:`from_points` (four or more pixels with known table coordinates) or
:func:`from_checkerboard` (a printed checkerboard lying on the table), both with OpenCV's ``solvePnP``;
the camera's focal length comes from its horizontal field of view (principal point at the centre,
no lens distortion: the Ergo Jr's webcam at 640x480).
"""
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write


@dataclass
class CalibrationConfig:
    """Settings of ``tod calibrate`` (and of the table the calibration describes)."""

    hfov_deg: float = 60.0          # horizontal field of view of the camera (deg)
    cube_size: float = 0.03         # m, edge of a cube: the seen face lies this high above the table
    board_cols: int = 7             # inner corners of the checkerboard along a row
    board_rows: int = 5             # inner corners along a column
    square: float = 0.025           # m, side of a checkerboard square
    max_error_px: float = 3.0       # a calibration whose mean reprojection error is larger is refused

    def validate(self):
        """Raise TodError for values a calibration cannot use; return the config."""
        if not 10.0 <= self.hfov_deg <= 170.0:
            raise TodError(f"the field of view must be in [10, 170] degrees, got {self.hfov_deg}")
        if self.cube_size < 0 or self.square <= 0 or self.max_error_px <= 0:
            raise TodError("cube size must be >= 0, square size and maximum error > 0")
        if self.board_cols < 3 or self.board_rows < 3 or self.board_cols == self.board_rows:
            raise TodError("the checkerboard needs >= 3 inner corners each way, and a different number "
                           f"along rows and columns (got {self.board_cols}x{self.board_rows})")
        return self


def camera_matrix(width, height, hfov_deg):
    """3x3 pinhole matrix for an image of ``width`` x ``height`` and a horizontal field of view."""
    f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


@dataclass
class TableCalibration:
    """A camera over the table: intrinsics, pose (table -> camera, OpenCV rvec/tvec) and cube size."""

    width: int
    height: int
    camera_matrix: list
    rvec: list
    tvec: list
    cube_size: float = CalibrationConfig.cube_size
    source: str = ""
    error_px: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def _pose(self):
        if not self._cache:
            import cv2

            rot, _ = cv2.Rodrigues(np.asarray(self.rvec, float).reshape(3, 1))
            t = np.asarray(self.tvec, float).reshape(3)
            self._cache.update(R=rot, t=t, K=np.asarray(self.camera_matrix, float), C=-rot.T @ t)
        return self._cache

    def camera_centre(self):
        """Position of the camera in the table frame (m)."""
        return self._pose()["C"].copy()

    def scaled_to(self, width, height):
        """Pixel ``(sx, sy)`` factors from a ``width`` x ``height`` image to the calibrated one."""
        return self.width / float(width), self.height / float(height)

    def pixel_to_table(self, u, v, height=0.0, image_size=None):
        """Table point ``(x, y)`` (m) where the ray through pixel ``(u, v)`` meets the plane z = ``height``;
        ``image_size`` (w, h) when the pixel is in an image of another size than the calibrated one."""
        if image_size is not None:
            sx, sy = self.scaled_to(*image_size)
            u, v = u * sx, v * sy
        p = self._pose()
        ray = p["R"].T @ (np.linalg.inv(p["K"]) @ np.array([u, v, 1.0]))
        if abs(ray[2]) < 1e-12:
            raise TodError(f"pixel ({u:.0f}, {v:.0f}) looks parallel to the table")
        s = (height - p["C"][2]) / ray[2]
        if s <= 0:
            raise TodError(f"pixel ({u:.0f}, {v:.0f}) does not look at the table")
        point = p["C"] + s * ray
        return float(point[0]), float(point[1])

    def project(self, points):
        """Pixels (N, 2) of table points (N, 3) in metres."""
        import cv2

        pts = np.asarray(points, float).reshape(-1, 1, 3)
        px, _ = cv2.projectPoints(pts, np.asarray(self.rvec, float), np.asarray(self.tvec, float),
                                  np.asarray(self.camera_matrix, float), None)
        return px.reshape(-1, 2)

    def to_dict(self):
        """Plain data for YAML."""
        d = asdict(self)
        d.pop("_cache")
        return d

    def save(self, path):
        """Write the calibration as YAML (atomically)."""
        import yaml

        header = "# Table calibration of tod_ros (tod calibrate): camera intrinsics and pose over the table\n"
        with atomic_write(path, encoding="utf-8") as f:
            f.write(header + yaml.safe_dump(self.to_dict(), sort_keys=False))

    @classmethod
    def load(cls, path):
        """Read a calibration written by :meth:`save`; TodError naming the file when it is not one."""
        import yaml

        try:
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f)
        except OSError as exc:
            raise TodError(f"cannot read the table calibration {path}: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise TodError(f"{path}: not a YAML table calibration ({exc})") from exc
        try:
            cal = cls(**data)
            if np.asarray(cal.camera_matrix, float).shape != (3, 3) or len(cal.rvec) != 3 or len(cal.tvec) != 3:
                raise ValueError("camera_matrix must be 3x3, rvec and tvec 3 numbers")
            cal._pose()
        except (TypeError, ValueError) as exc:
            raise TodError(f"{path}: not a table calibration of tod calibrate ({exc})") from exc
        return cal


def _pose(obj, img, k, width, height, cfg, source):
    import cv2

    ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_IPPE)
    if not ok:
        raise TodError(f"{source}: no camera pose fits these points")
    return TableCalibration(width, height, k.tolist(), rvec.ravel().tolist(), tvec.ravel().tolist(),
                            cube_size=cfg.cube_size, source=source)


def _solve(object_pts, image_pts, width, height, cfg, source, mirror=False):
    """The calibration of these points; with ``mirror``, y is turned over when the camera would
    otherwise be under the table (a checkerboard's rows may run either way)."""
    k = camera_matrix(width, height, cfg.hfov_deg)
    obj = np.asarray(object_pts, float).reshape(-1, 3)
    img = np.asarray(image_pts, float).reshape(-1, 2)
    cal = _pose(obj, img, k, width, height, cfg, source)
    if mirror and cal.camera_centre()[2] <= 0:
        obj = obj * [1.0, -1.0, 1.0]
        cal = _pose(obj, img, k, width, height, cfg, source)
    cal.error_px = float(np.mean(np.linalg.norm(cal.project(obj) - img, axis=1)))
    if cal.camera_centre()[2] <= 0:
        raise TodError(f"{source}: the camera comes out below the table: check the order of the points")
    if cal.error_px > cfg.max_error_px:
        raise TodError(f"{source}: mean reprojection error {cal.error_px:.1f} px > {cfg.max_error_px} px: "
                       "check the points (or the field of view)")
    return cal


def from_points(pixels, table_xy, image_size, cfg=None, source="points"):
    """Calibration from >= 4 pixels and their table coordinates (m), no three of them on a line."""
    cfg = (cfg or CalibrationConfig()).validate()
    pixels, table_xy = np.asarray(pixels, float), np.asarray(table_xy, float)
    if pixels.shape != table_xy.shape or pixels.ndim != 2 or pixels.shape[1] != 2 or len(pixels) < 4:
        raise TodError(f"{source}: give at least 4 pixels (u, v) and as many table points (x, y)")
    obj = np.column_stack([table_xy, np.zeros(len(table_xy))])
    return _solve(obj, pixels, image_size[0], image_size[1], cfg, source)


def board_points(cfg):
    """Table coordinates (N, 3) of the checkerboard's inner corners, in OpenCV's row-major order."""
    xs, ys = np.meshgrid(np.arange(cfg.board_cols), np.arange(cfg.board_rows))
    return np.column_stack([xs.ravel() * cfg.square, ys.ravel() * cfg.square, np.zeros(xs.size)])


def find_board(bgr, cfg, source="image"):
    """Pixels (N, 2) of the checkerboard's inner corners, row by row from the grid corner nearest the
    image's bottom-left."""
    import cv2

    gray = bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    size = (cfg.board_cols, cfg.board_rows)
    found, corners = cv2.findChessboardCorners(gray, size, cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE)
    if not found:
        raise TodError(f"{source}: no {cfg.board_cols}x{cfg.board_rows} checkerboard (inner corners) found")
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01)
    grid = cv2.cornerSubPix(gray, corners, (5, 5), (-1, -1), criteria).reshape(cfg.board_rows, cfg.board_cols, 2)
    turns = (grid, grid[::-1], grid[:, ::-1], grid[::-1, ::-1])
    grid = max(turns, key=lambda g: g[0, 0, 1] - g[0, 0, 0])
    return np.ascontiguousarray(grid).reshape(-1, 2)


def from_checkerboard(bgr, cfg=None, source="image"):
    """Calibration from a picture of the checkerboard lying on the table. Table frame: origin at the
    inner corner nearest the image's bottom-left, x along the board's longer side (``board_cols``
    corners), y along the other, z up towards the camera."""
    cfg = (cfg or CalibrationConfig()).validate()
    corners = find_board(bgr, cfg, source)
    return _solve(board_points(cfg), corners, bgr.shape[1], bgr.shape[0], cfg, source, mirror=True)


def draw(bgr, cal, step=0.05, cells=8):
    """A copy of ``bgr`` with the table's grid (``step`` m, ``cells`` each way from the origin) drawn in
    perspective, the x axis red and the y axis green from the origin."""
    import cv2

    out = bgr.copy() if bgr.ndim == 3 else cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    span = step * cells
    for k in range(-cells, cells + 1):
        for a, b in (((k * step, -span), (k * step, span)), ((-span, k * step), (span, k * step))):
            _segment(out, cal, a, b, (200, 200, 0), 1)
    _segment(out, cal, (0.0, 0.0), (2 * step, 0.0), (0, 0, 255), 2)
    _segment(out, cal, (0.0, 0.0), (0.0, 2 * step), (0, 200, 0), 2)
    return out


def _segment(img, cal, a, b, colour, width):
    """Draw the part of the table segment a-b that lies in front of the camera."""
    import cv2

    t = np.linspace(0.0, 1.0, 33)[:, None]
    pts = np.column_stack([(1 - t) * np.asarray(a) + t * np.asarray(b), np.zeros(len(t))])
    p = cal._pose()
    depth = (pts @ p["R"].T + p["t"])[:, 2]
    px = cal.project(pts[depth > 1e-3])
    if len(px) >= 2:
        cv2.polylines(img, [np.round(px * 4).astype(np.int32)], False, colour, width, cv2.LINE_AA, shift=2)
