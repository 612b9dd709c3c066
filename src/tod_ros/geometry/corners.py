"""The face of a detected cube as it lies in the image: four corners found inside the detector's box.

How: the box (grown by a margin) is cut out in grey, smoothed and split by Otsu's threshold into the
bright face and the rest (split again when the bright part holds the face and the darker, shaded
sides of the cube); the bright region whose convex hull holds the box's centre (the ink may cut into it),
is the face; its convex hull is reduced to four corners (Douglas-Peucker with a growing tolerance,
else its minimum-area rectangle), then each corner is moved to where lines fitted to the outline
along its two sides cross (sub-pixel). When no such region is found (a dark or flat box, a face cut by the
image border, a region much smaller or larger than the box), the box's own corners are used and
``found`` is false.

Order: top-left, top-right, bottom-right, bottom-left of the face as it lies, i.e. clockwise in the
image starting with the corner whose direction from the centre is nearest to up-left (a face turned
by up to 45 degrees either way keeps its first corner). The centre is where the diagonals cross
(the image of the face's centre under perspective).
"""
import math
from dataclasses import dataclass

import numpy as np

MARGIN = 0.12           # fraction of the box added on each side before looking for the face
MIN_FILL = 0.25         # the face covers at least this fraction of the box ...
MAX_FILL = 1.3          # ... and at most this much (a region spilling out of the box is not a face)
MIN_CONTRAST = 40       # grey levels between the darkest and brightest of the box: less, no face to find
SIDE_CONTRAST = 1.3     # a face this much brighter than the rest of the bright pixels is told from the sides


@dataclass
class Face:
    """Four corners (4, 2) float pixels in TL, TR, BR, BL order, the centre, and whether the face was
    found in the image (false: the box's corners)."""

    corners: np.ndarray
    center: tuple
    found: bool

    def yaw(self):
        """Angle (rad) of the top edge TL -> TR in the image (0 = horizontal, positive = clockwise)."""
        (x1, y1), (x2, y2) = self.corners[0], self.corners[1]
        return math.atan2(y2 - y1, x2 - x1)


def order_corners(quad):
    """Four points in TL, TR, BR, BL order of the face as it lies (see the module docstring)."""
    quad = np.asarray(quad, float).reshape(4, 2)
    c = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - c[1], quad[:, 0] - c[0])          # image y down: clockwise increasing
    clockwise = quad[np.argsort(angles)]
    angles = np.sort(angles)
    off = (angles + 3 * math.pi / 4 + math.pi) % (2 * math.pi) - math.pi   # distance to up-left (-135 deg)
    first = int(np.argmin(np.abs(off)))
    return np.roll(clockwise, -first, axis=0)


def diagonal_center(quad):
    """Where the diagonals TL-BR and TR-BL cross (the mean of the corners when they are parallel)."""
    p1, p2, p3, p4 = np.asarray(quad, float)
    d1, d2 = p3 - p1, p4 - p2
    den = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(den) < 1e-9:
        c = np.mean([p1, p2, p3, p4], axis=0)
    else:
        t = ((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / den
        c = p1 + t * d1
    return float(c[0]), float(c[1])


def box_face(box_px):
    """The :class:`Face` of the box itself (the fallback)."""
    x0, y0, x1, y1 = (float(v) for v in box_px)
    quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    return Face(quad, ((x0 + x1) / 2.0, (y0 + y1) / 2.0), False)


def _crop(gray, box_px):
    x0, y0, x1, y1 = box_px
    mx, my = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
    h, w = gray.shape
    cx0, cy0 = max(0, int(math.floor(x0 - mx))), max(0, int(math.floor(y0 - my)))
    cx1, cy1 = min(w, int(math.ceil(x1 + mx))), min(h, int(math.ceil(y1 + my)))
    return gray[cy0:cy1, cx0:cx1], (cx0, cy0)


def _face_threshold(gray):
    """Otsu's threshold; when the brighter pixels hold two clearly different greys (the face, and the
    shaded sides of the cube turned to the camera), half-way between the face's grey (the median of the
    brighter) and the sides' (the lower quartile of the rest: the face's rim and blurred edge are there too)."""
    import cv2

    t1, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = gray[gray > t1]
    if bright.size < 16:
        return t1
    t2, _ = cv2.threshold(bright.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hi, mid = bright[bright > t2], bright[bright <= t2]
    if hi.size and mid.size and hi.mean() > SIDE_CONTRAST * mid.mean():
        return (float(np.median(hi)) + float(np.percentile(mid, 25))) / 2.0
    return t1


def _face_region(crop, centre):
    import cv2

    blur = cv2.GaussianBlur(crop, (5, 5), 0)
    if int(blur.max()) - int(blur.min()) < MIN_CONTRAST:
        return None
    mask = (blur > _face_threshold(blur)).astype(np.uint8) * 255
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    holding = [c for c in contours if cv2.pointPolygonTest(cv2.convexHull(c), centre, False) >= 0]
    if not holding:
        return None
    return max(holding, key=cv2.contourArea)


def _refine(quad, outline):
    """Corners where lines fitted to the outline's points along each side of ``quad`` cross
    (sub-pixel; ``quad`` itself where a side has too few points)."""
    import cv2

    pts = outline.reshape(-1, 2).astype(float)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = np.hypot(*d)
        t = (pts - a) @ d / length ** 2
        dist = np.abs((pts - a) @ np.array([-d[1], d[0]]) / length)
        near = pts[(t > 0.15) & (t < 0.85) & (dist < max(2.0, 0.08 * length))]
        if len(near) < 5:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):
        (p, u), (q, v) = lines[i - 1], lines[i]
        den = u[0] * v[1] - u[1] * v[0]
        if abs(den) < 1e-6:
            return quad
        s = ((q[0] - p[0]) * v[1] - (q[1] - p[1]) * v[0]) / den
        out.append(p + s * u)
    return np.array(out)


def _four_corners(hull):
    import cv2

    perimeter = cv2.arcLength(hull, True)
    for eps in (0.02, 0.04, 0.06, 0.08, 0.1):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(float)
    return cv2.boxPoints(cv2.minAreaRect(hull))


def _cut_by_border(outline, shape):
    """True when the outline runs along the image's border (the face goes on outside the image)."""
    pts = outline.reshape(-1, 2)
    h, w = shape
    on_edge = (pts[:, 0] <= 0) | (pts[:, 1] <= 0) | (pts[:, 0] >= w - 1) | (pts[:, 1] >= h - 1)
    return int(on_edge.sum()) >= 3


def find_face(image, box_px):
    """The :class:`Face` of the cube in ``box_px`` (xmin, ymin, xmax, ymax) of a BGR or grey image."""
    import cv2

    x0, y0, x1, y1 = (float(v) for v in box_px)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return box_face(box_px)
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    crop, (ox, oy) = _crop(gray, (x0, y0, x1, y1))
    outline = _face_region(crop, ((x0 + x1) / 2.0 - ox, (y0 + y1) / 2.0 - oy))
    if outline is None:
        return box_face(box_px)
    hull = cv2.convexHull(outline)
    fill = cv2.contourArea(hull) / ((x1 - x0) * (y1 - y0))
    if not MIN_FILL <= fill <= MAX_FILL or _cut_by_border(outline + (ox, oy), gray.shape):
        return box_face(box_px)
    quad = order_corners(_four_corners(hull))
    quad = order_corners(_refine(quad, outline) + (ox, oy))
    return Face(quad, diagonal_center(quad), True)
