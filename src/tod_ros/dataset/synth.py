"""Synthetic photos of the Ergo Jr cubes (white paper faces with a hand-written 1 or 2).

``generate(out_dir, count, seed)`` writes ``synth_000001.jpg`` + labelImg XML pairs, each
image drawn by ``render_sample(rng, config)``: a dark cluttered backdrop, 1-4 cubes in
perspective (front face with the digit, greyer side faces, tabs or seams on the edges,
soft shadows), optional blank cubes and white non-cube objects (no box), then camera
effects (exposure, white balance, vignetting, blur, noise, JPEG). The box of a cube is the
axis-aligned box of its front face, clipped to the image (``truncated`` when clipped).
Image ``i`` depends only on ``(seed, i)``: the same seed gives byte-identical files.
See docs/synthetic.md.
"""
import dataclasses
import functools
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Optional, Tuple

import cv2
import numpy as np

from tod_ros.dataset import synth_scene as scene
from tod_ros.dataset import synth_tables as tables
from tod_ros.dataset.synth_tables import TABLES
from tod_ros.dataset.synth_camera import camera_defects, jpeg_roundtrip
from tod_ros.dataset.synth_glyphs import find_fonts, glyph_mask
from tod_ros.dataset.voc import VocAnnotation, VocObject, write_voc
from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write

LABELS = {"1": "one", "2": "two"}
FORMATS = ("jpg", "png")


@dataclass
class SynthConfig:
    """Every knob of the generator; probabilities are per image unless said per cube."""

    width: int = 640
    height: int = 480
    min_cubes: int = 1                  # labelled cubes per image
    max_cubes: int = 4
    face_size: Tuple[float, float] = (90.0, 210.0)   # front-face side in px at 640x480
    max_rotation: float = 180.0         # degrees, in-plane: 180 = the full circle (cubes lie at any angle)
    p_tilted: float = 0.6               # per cube: rotation drawn from +-max_rotation (else upright, ~N(0, 4))
    max_depth: float = 0.3              # side-face depth as a fraction of the face side
    p_sides: float = 0.75               # per cube: side faces visible
    p_side_digit: float = 0.4           # per visible side face: it shows (squashed) its own digit
    p_truncated: float = 0.12           # per cube: may be cut by the image border
    min_visible: float = 0.6            # visible fraction of a truncated front face
    max_overlap: float = 0.06           # overlap of cube silhouettes (fraction of the smaller)
    p_blank_cube: float = 0.2           # an extra cube without digit (no box)
    p_white_distractor: float = 0.3     # a white non-cube object (no box)
    max_clutter: int = 4                # dark/grey clutter objects
    p_shadow: float = 0.7
    p_font: float = 0.65                # digit from a handwriting font (else procedural pen strokes)
    tables: Tuple[str, ...] = ("dark", "light", "grey", "wood", "paper", "cloth")   # drawn uniformly per image
    backgrounds: str = ""               # folder of photos of tables: adds the style "photo" (random crops)
    p_light_gradient: float = 0.5       # the lamp's light falls off across the table
    p_room_shadow: float = 0.3          # soft shadows of a hand, an arm or a head across the scene
    p_colour_cast: float = 0.4          # the room's light tints everything (warm bulbs, blue daylight)
    colour_cast: float = 0.15           # per-channel gain in +- this
    p_perspective: float = 0.3          # the camera looks at the table at a slant (a homography of the scene)
    max_perspective: float = 0.08       # corner shift as a fraction of the image side
    gain: Tuple[float, float] = (0.4, 1.6)     # exposure: dim grey photos to over-exposed ones
    gamma: Tuple[float, float] = (0.8, 1.3)
    white_balance: float = 0.08         # blue/orange gain shift in +- this (green/magenta: a third)
    p_vignette: float = 0.5
    max_blur: float = 1.6               # Gaussian sigma, px
    p_motion_blur: float = 0.15
    noise: Tuple[float, float] = (1.0, 7.0)   # sensor noise sigma, grey levels
    p_grayscale: float = 0.4            # several reference photos are grey-scale
    p_jpeg: float = 0.8                 # JPEG round trip before saving
    jpeg_quality: Tuple[int, int] = (35, 95)
    save_quality: int = 92              # quality of written .jpg files of samples without JPEG step
    scale: float = 1.0                  # written images (and boxes) resized by this after drawing,
                                        # e.g. 0.5 = the model's input scale: cheaper to decode in training
    image_format: str = "jpg"
    prefix: str = "synth_"
    split: float = 0.0                  # > 0: write into train/ and test/ (this fraction in test/)
    fonts: Optional[Tuple[str, ...]] = None   # None: find the installed handwriting fonts; (): pen strokes only

    def validate(self):
        """Raise TodError naming every bad option."""
        problems = []
        if not (64 <= self.width <= 8192 and 64 <= self.height <= 8192):
            problems.append(f"size {self.width}x{self.height} out of range (64..8192 per side)")
        if not 0 <= self.min_cubes <= self.max_cubes <= 8:
            problems.append(f"need 0 <= min_cubes <= max_cubes <= 8, got {self.min_cubes}..{self.max_cubes}")
        if not 10 <= self.face_size[0] <= self.face_size[1]:
            problems.append(f"face_size must be (min, max) with 10 <= min <= max, got {self.face_size}")
        if self.image_format not in FORMATS:
            problems.append(f"format must be one of {', '.join(FORMATS)}, got {self.image_format!r}")
        if not 0 <= self.split < 1:
            problems.append(f"split must be in [0, 1), got {self.split}")
        if not 0.05 <= self.scale <= 1.0:
            problems.append(f"scale must be in [0.05, 1], got {self.scale}")
        unknown = [t for t in self.tables if t not in TABLES]
        if unknown or not (self.tables or self.backgrounds):
            problems.append(f"tables must be some of {', '.join(t for t in TABLES if t != 'photo')} (or 'photo' "
                            f"with background photos), got {', '.join(self.tables) or 'none'}")
        if not 0 <= self.max_perspective <= 0.25:
            problems.append(f"max_perspective must be in [0, 0.25], got {self.max_perspective}")
        if not 1 <= self.save_quality <= 100:
            problems.append(f"save_quality must be in 1..100, got {self.save_quality}")
        if problems:
            raise TodError("invalid synthetic-data options: " + "; ".join(problems))
        return self


def parse_size(text):
    """``"640x480"`` -> ``(640, 480)``; TodError otherwise."""
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise TodError(f"bad size {text!r}: expected WIDTHxHEIGHT, e.g. 640x480") from None
    if w <= 0 or h <= 0:
        raise TodError(f"bad size {text!r}: width and height must be positive")
    return w, h


# ---------------------------------------------------------------- geometry of one cube

@dataclass
class _Cube:
    front: np.ndarray       # 4x2, clockwise from top-left
    back: np.ndarray        # 4x2, the face behind (hidden parts are painted over)
    size: float

    @property
    def hull(self):
        return cv2.convexHull(np.concatenate([self.front, self.back]).astype(np.float32))[:, 0]

    def bbox(self):
        pts = np.concatenate([self.front, self.back])
        return np.concatenate([pts.min(0), pts.max(0)])


def _make_cube(rng, cfg, center, size):
    """A cube whose front face (side ``size``) is centred on ``center``: rotation, perspective, depth."""
    if rng.random() < cfg.p_tilted:
        ang = rng.uniform(-cfg.max_rotation, cfg.max_rotation)
    else:
        ang = rng.normal(0, 4)
    a = np.deg2rad(ang)
    aspect = rng.uniform(0.92, 1.1)
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64) * [size * aspect / 2, size / 2]
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    front = half @ rot.T + center + rng.normal(0, 0.03 * size, (4, 2))
    if rng.random() < cfg.p_sides:
        d_ang = rng.uniform(0, 2 * np.pi)
        d = np.array([np.cos(d_ang), np.sin(d_ang)]) * size * rng.uniform(0.04, cfg.max_depth)
    else:
        d = np.zeros(2)
    shrink = rng.uniform(0.88, 1.0)
    c = front.mean(0) + d
    back = (front + d - c) * shrink + c
    return _Cube(front, back, size)


def _overlap(b1, b2):
    """Intersection of two (x0, y0, x1, y1) boxes over the smaller one's area."""
    ix = max(0.0, min(b1[2], b2[2]) - max(b1[0], b2[0]))
    iy = max(0.0, min(b1[3], b2[3]) - max(b1[1], b2[1]))
    a1 = (b1[2] - b1[0]) * (b1[3] - b1[1])
    a2 = (b2[2] - b2[0]) * (b2[3] - b2[1])
    return ix * iy / max(min(a1, a2), 1e-6)


def _visible_fraction(quad, w, h):
    """Fraction of the convex ``quad``'s area inside the w x h image."""
    frame = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    inside, _ = cv2.intersectConvexConvex(quad.astype(np.float32), frame)
    return inside / max(cv2.contourArea(quad.astype(np.float32)), 1e-6)


def _fits(cube, placed, cfg, allow_cut):
    """True when ``cube`` overlaps no placed box much and is inside the image (or cut, if allowed)."""
    box = cube.bbox()
    if any(_overlap(box, other) > cfg.max_overlap for other in placed):
        return False
    inside = box[0] >= 0 and box[1] >= 0 and box[2] <= cfg.width and box[3] <= cfg.height
    if inside:
        return True
    return allow_cut and _visible_fraction(cube.front, cfg.width, cfg.height) >= cfg.min_visible


def _centers(rng, cfg, n, size):
    """Candidate centres: a row (as the robot sees them), a column, or scattered."""
    w, h = cfg.width, cfg.height
    mode = rng.choice(3, p=[0.5, 0.15, 0.35])
    if mode == 0:
        y = rng.uniform(0.3, 0.7) * h
        xs = (np.arange(n) + 0.5) * (w / n) + rng.normal(0, 0.04 * w, n)
        return [np.array([x, y + rng.normal(0, 0.03 * h)]) for x in xs]
    if mode == 1:
        x = rng.uniform(0.2, 0.8) * w
        ys = (np.arange(n) + 0.5) * (h / n) + rng.normal(0, 0.03 * h, n)
        return [np.array([x + rng.normal(0, 0.03 * w), y]) for y in ys]
    return [rng.uniform([size / 2, size / 2], [w - size / 2, h - size / 2]) for _ in range(n)]


def _layout(rng, cfg, n):
    """Place ``n`` cubes that do not overlap much; shrink them until they fit."""
    k = min(cfg.width / 640, cfg.height / 480)
    size = rng.uniform(*cfg.face_size) * k
    # a row of 3 cubes of ~155 px fills a 640 px frame (the Ergo camera's view): cap the size only
    # where n cubes cannot fit side by side; the loop below shrinks them further if needed
    size = min(size, cfg.width * 0.95 / (n * 1.1 + 1e-9), cfg.height * 0.8)
    for _ in range(40):
        placed, boxes = [], []
        for center in _centers(rng, cfg, n, size):
            s = size * rng.uniform(0.92, 1.08)
            allow_cut = rng.random() < cfg.p_truncated
            for attempt in range(8):
                c = center if attempt == 0 else rng.uniform([0, 0], [cfg.width, cfg.height])
                cube = _make_cube(rng, cfg, c, s)
                if _fits(cube, boxes, cfg, allow_cut):
                    placed.append(cube)
                    boxes.append(cube.bbox())
                    break
        if len(placed) >= n:
            return placed
        size *= 0.9
    return placed


# ---------------------------------------------------------------- drawing one image

def paper_colour(rng):
    """A cube face's paper colour (BGR float32): light, slightly warm or cool."""
    tint = np.array([rng.uniform(0.9, 1.0), rng.uniform(0.96, 1.0), 1.0], np.float32)
    return rng.uniform(175, 250) * tint


def ink_colour(rng):
    """A pen's ink colour (BGR float32): dark, black to blue-black."""
    base = rng.uniform(5, 55)
    return (base * np.array([rng.uniform(1.0, 1.6), rng.uniform(0.8, 1.1), rng.uniform(0.7, 1.0)])).astype(np.float32)


def _draw_cube(rng, canvas, cube, digit, fonts, cfg):
    """Shadow, the side faces turned to the camera, then the front face with ``digit`` (None: blank)."""
    paper, ink = paper_colour(rng), ink_colour(rng)
    style = rng.choice(["tabs", "dots", "plain"], p=[0.45, 0.25, 0.3])
    if rng.random() < cfg.p_shadow:
        scene.cast_shadow(rng, canvas, cube.hull, cube.size)
    f, b = cube.front, cube.back
    for i in range(4):
        j = (i + 1) % 4
        e = f[j] - f[i]
        normal = np.array([e[1], -e[0]])
        depth = (b[i] + b[j] - f[i] - f[j]) / 2
        if normal @ depth > 1e-3:   # a side face turned towards the camera: greyer, squashed digit
            side = glyph_mask(rng, str(rng.integers(1, 3)), fonts, cfg.p_font) \
                if rng.random() < cfg.p_side_digit else None
            tex = scene.face_texture(rng, paper, ink, side, style, rng.uniform(0.4, 0.85), size=64)
            scene.warp_onto(canvas, tex, np.array([f[i], f[j], b[j], b[i]]))
    glyph = glyph_mask(rng, digit, fonts, cfg.p_font) if digit else None
    scene.warp_onto(canvas, scene.face_texture(rng, paper, ink, glyph, style), f)


def _box(cube, cfg, label):
    """The VOC box of the front face, clipped to the image (``truncated`` when clipped)."""
    lo = np.floor(cube.front.min(0))
    hi = np.ceil(cube.front.max(0))
    xmin, ymin = max(0, int(lo[0])), max(0, int(lo[1]))
    xmax, ymax = min(cfg.width, int(hi[0])), min(cfg.height, int(hi[1]))
    cut = lo[0] < 0 or lo[1] < 0 or hi[0] > cfg.width or hi[1] > cfg.height
    return VocObject(label, xmin, ymin, xmax, ymax, truncated=bool(cut))


def render_sample(rng, config=None):
    """One synthetic photo: ``(bgr uint8 image (H, W, 3), [VocObject, ...])``."""
    img, objects, quality = _render(rng, config or SynthConfig())
    return jpeg_roundtrip(img, quality), objects


def _render(rng, cfg):
    """The photo before its JPEG step, its boxes, and the JPEG quality to apply (or None)."""
    fonts = cfg.fonts if cfg.fonts is not None else find_fonts()
    h, w = cfg.height, cfg.width
    photos = _backgrounds(cfg.backgrounds)
    styles = cfg.tables + (("photo",) if photos else ())
    style = styles[int(rng.integers(len(styles)))]
    canvas = tables.table(rng, h, w, style, photos)
    scene.clutter(rng, canvas, cfg.max_clutter, bright=style != "dark")
    n = int(rng.integers(cfg.min_cubes, cfg.max_cubes + 1))
    extra = int(rng.random() < cfg.p_blank_cube)
    cubes = _layout(rng, cfg, n + extra) if n + extra else []
    digits = [str(rng.integers(1, 3)) for _ in range(n)] + [None] * extra
    if len(cubes) < n + extra:              # could not fit the blank one: keep the labelled ones
        digits = digits[:len(cubes)]
    if rng.random() < cfg.p_white_distractor:
        _white_distractor(rng, canvas, cubes, cfg)
    for cube, digit in zip(cubes, digits):
        _draw_cube(rng, canvas, cube, digit, fonts, cfg)
    tables.room_light(rng, canvas, cfg)
    if rng.random() < cfg.p_perspective:
        canvas, move = tables.slant(rng, canvas, cfg.max_perspective)
        cubes = [_Cube(move(c.front), move(c.back), c.size) for c in cubes]
    objects = [_box(cube, cfg, LABELS[digit]) for cube, digit in zip(cubes, digits) if digit]
    img, quality = camera_defects(rng, canvas, cfg)
    return img, objects, quality


@functools.lru_cache(maxsize=2)
def _backgrounds(folder):
    return tables.load_backgrounds(folder)


def _white_distractor(rng, canvas, cubes, cfg):
    """A white non-cube object away from the cubes (tries a few places, gives up quietly)."""
    k = min(cfg.width / 640, cfg.height / 480)
    boxes = [c.bbox() for c in cubes]
    for _ in range(10):
        size = rng.uniform(30, 150) * k
        c = rng.uniform([0, 0], [cfg.width, cfg.height])
        box = np.array([c[0] - size / 2, c[1] - size / 2, c[0] + size / 2, c[1] + size / 2])
        if all(_overlap(box, b) < 0.02 for b in boxes):
            scene.white_distractor(rng, canvas, c, size)
            return


# ---------------------------------------------------------------- writing a data set

def _encode(img, quality, cfg):
    """File bytes: a .jpg at the sample's JPEG quality (else save_quality), or a .png of the round-tripped image."""
    if cfg.image_format == "jpg":
        q = quality if quality is not None else cfg.save_quality
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    else:
        ok, buf = cv2.imencode(".png", jpeg_roundtrip(img, quality))
    if not ok:
        raise TodError(f"could not encode a synthetic image as {cfg.image_format}")
    return buf.tobytes()


def _test_indices(seed, count, split):
    n_test = int(round(count * split))
    order = np.random.default_rng([seed, 2 ** 31]).permutation(count)
    return set(int(i) for i in order[:n_test])


def generate(out_dir, count, seed=0, config=None, progress=False):
    """Write ``count`` images + labelImg XML into ``out_dir`` (or its train/ and test/); return the XML paths.

    Image ``i`` (1-based in its name) is drawn from ``np.random.default_rng([seed, i])``;
    existing files of the same names are replaced. Options are checked and fonts found
    before anything is written; every file is written atomically.
    """
    cfg = config or SynthConfig()
    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count <= 0:
        raise TodError(f"count must be a positive integer, got {count!r}")
    cfg.validate()
    fonts = cfg.fonts if cfg.fonts is not None else find_fonts()
    run_cfg = SynthConfig(**{f.name: getattr(cfg, f.name) for f in fields(cfg)})
    run_cfg.fonts = tuple(fonts)
    out_dir = Path(out_dir)
    test = _test_indices(seed, count, cfg.split) if cfg.split > 0 else set()
    indices = range(1, count + 1)
    if progress:
        from tod_ros.progress import bar
        indices = bar(indices, desc="synth", unit="img")
    written = []
    for i in indices:
        sub = ("test" if i - 1 in test else "train") if cfg.split > 0 else ""
        written.append(_write_one(out_dir / sub if sub else out_dir, i, seed, run_cfg, sub or "synth"))
    return written


def _write_one(folder, index, seed, cfg, folder_name):
    img, objects, quality = _render(np.random.default_rng([seed, index]), cfg)
    if cfg.scale != 1.0:   # the camera's JPEG step at full size, then the resize, saved at save_quality
        img, objects = rescale_sample(jpeg_roundtrip(img, quality), objects, cfg.scale)
        quality = None
    name = f"{cfg.prefix}{index:06d}.{cfg.image_format}"
    with atomic_write(folder / name, "wb") as fh:
        fh.write(_encode(img, quality, cfg))
    ann = VocAnnotation(filename=name, width=img.shape[1], height=img.shape[0], objects=objects,
                        folder=folder_name, path=name)
    return write_voc(folder / (Path(name).stem + ".xml"), ann)


def rescale_sample(img, objects, scale):
    """``img`` resized by ``scale`` (area interpolation) and its boxes scaled to match."""
    h, w = img.shape[:2]
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    sx, sy = nw / w, nh / h
    out = [dataclasses.replace(o, xmin=int(np.floor(o.xmin * sx)), ymin=int(np.floor(o.ymin * sy)),
                               xmax=min(nw, int(np.ceil(o.xmax * sx))), ymax=min(nh, int(np.ceil(o.ymax * sy))))
           for o in objects]
    return small, out
