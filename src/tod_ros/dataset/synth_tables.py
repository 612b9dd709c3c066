"""Tables and light for synthetic cube photos: the surfaces a classroom puts cubes on, and its lamps.

A table style is drawn per image from ``SynthConfig.tables`` (``dark``: a black cloth with folds,
the reference photos' backdrop; ``light``: white or beige laminate; ``grey``; ``wood``; ``paper``: a
sheet or notebook page with lines; ``cloth``: a coloured woven cloth; ``photo``: a random crop of one
of the user's own table photos, ``SynthConfig.backgrounds``). After the cubes are drawn, the light
of the room is applied over the whole scene (:func:`room_light`): a gradient across the table, a
colour cast, and soft shadows of people and arms that cross the cubes. All drawing is float32 BGR
in 0..255, before the camera effects of :mod:`tod_ros.dataset.synth_camera`.
"""
import cv2
import numpy as np

from tod_ros.dataset.synth_scene import background as dark_cloth
from tod_ros.dataset.synth_scene import smooth_noise

TABLES = ("dark", "light", "grey", "wood", "paper", "cloth", "photo")


def table(rng, h, w, style, photos=()):
    """A ``h`` x ``w`` float32 BGR table surface of ``style`` (one of :data:`TABLES`)."""
    if style == "dark":
        return dark_cloth(rng, h, w)
    if style == "photo":
        return _photo(rng, h, w, photos)
    sh, sw = max(2, h // 4), max(2, w // 4)
    small = {"light": _plain, "grey": _plain, "wood": _wood, "paper": _paper, "cloth": _cloth}[style](
        rng, sh, sw, style)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _tinted(rng, grey, spread):
    """A BGR float32 image from a grey one, tinted by a random colour of +-``spread``."""
    tint = rng.uniform(1 - spread, 1 + spread, 3).astype(np.float32)
    return cv2.merge([grey * t for t in tint])


def _plain(rng, h, w, style):
    """Laminate or painted table: one tone (light: 160-250, grey: 70-170), faint blotches and a sheen."""
    base = rng.uniform(160, 250) if style == "light" else rng.uniform(70, 170)
    grey = base + smooth_noise(rng, h, w, 3, base * 0.05) + smooth_noise(rng, h, w, 12, base * 0.02)
    if rng.random() < 0.4:      # the lamp's reflection
        c = rng.uniform([0, 0], [w, h])
        y, x = np.ogrid[:h, :w]
        r2 = ((x - c[0]) ** 2 + (y - c[1]) ** 2) / (rng.uniform(0.1, 0.4) * w) ** 2
        grey = grey + rng.uniform(10, 50) * np.exp(-r2).astype(np.float32)
    return _tinted(rng, np.clip(grey, 0, 255).astype(np.float32), 0.08)


def _wood(rng, h, w, _style):
    """Planks with grain: a brown tone, stretched noise along the grain, dark joints between planks."""
    ang = rng.uniform(0, np.pi)
    y, x = np.mgrid[:h, :w].astype(np.float32)
    along = x * np.cos(ang) + y * np.sin(ang)
    across = -x * np.sin(ang) + y * np.cos(ang)
    warp = smooth_noise(rng, h, w, 4, 6.0)
    freq = rng.uniform(0.3, 1.2)
    grain = np.sin((across + warp) * freq) * 0.5 + smooth_noise(rng, h, w, 20, 0.3)
    base = rng.uniform(50, 190)
    grey = base * (1 + 0.12 * grain) + 0.02 * base * np.sin(along * 0.05)
    plank = rng.uniform(15, 60)
    joints = (np.mod(across, plank) < 0.8)
    grey[joints] *= 0.6
    colour = np.array([0.55, 0.78, 1.0], np.float32) * rng.uniform(0.9, 1.1, 3).astype(np.float32)
    return cv2.merge([grey * c for c in colour]).astype(np.float32)


def _paper(rng, h, w, _style):
    """A light sheet: ruled or squared lines, a margin, a few faint pencil strokes."""
    base = rng.uniform(190, 250)
    img = np.full((h, w), base, np.float32) + smooth_noise(rng, h, w, 4, 3.0)
    line = base * rng.uniform(0.75, 0.92)
    step = int(rng.integers(4, 10))
    img[::step, :] = line
    if rng.random() < 0.5:
        img[:, ::step] = line
    for _ in range(int(rng.integers(0, 6))):
        p = rng.uniform([0, 0], [w, h], (2, 2)).astype(np.int32)
        cv2.line(img, tuple(map(int, p[0])), tuple(map(int, p[1])), float(base * 0.6), 1, cv2.LINE_AA)
    bgr = _tinted(rng, img, 0.04)
    if rng.random() < 0.5:      # a coloured margin line
        x = int(rng.uniform(0.05, 0.3) * w)
        bgr[:, x] = (base * 0.8, base * 0.75, base) if rng.random() < 0.5 else (base, base * 0.8, base * 0.7)
    return bgr


def _cloth(rng, h, w, _style):
    """A woven cloth of any colour and brightness, with folds."""
    colour = rng.uniform(20, 230, 3).astype(np.float32)
    weave = rng.normal(0, 0.06, (h, w)).astype(np.float32)
    folds = smooth_noise(rng, h, w, 6, 0.15)
    shade = np.clip(1 + weave + folds, 0.3, 1.6)
    return cv2.merge([shade * c for c in colour])


def _photo(rng, h, w, photos):
    """A random crop of one of ``photos`` (BGR uint8 arrays), flipped or turned, scaled to h x w."""
    if not photos:
        raise ValueError("table style 'photo' needs background photos (SynthConfig.backgrounds)")
    img = photos[int(rng.integers(len(photos)))]
    ph, pw = img.shape[:2]
    scale = rng.uniform(0.5, 1.0)
    ch, cw = int(min(ph, pw * h / w) * scale), int(min(pw, ph * w / h) * scale)
    y0, x0 = int(rng.integers(0, ph - ch + 1)), int(rng.integers(0, pw - cw + 1))
    crop = img[y0:y0 + ch, x0:x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(np.ascontiguousarray(crop), (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)


def room_light(rng, canvas, cfg):
    """The room's light over the whole scene, in place: gradient, colour cast, shadows crossing the cubes."""
    h, w = canvas.shape[:2]
    gain = np.ones((h, w), np.float32)
    if rng.random() < cfg.p_light_gradient:
        ang = rng.uniform(0, 2 * np.pi)
        y, x = np.mgrid[:h, :w].astype(np.float32)
        t = ((x - w / 2) * np.cos(ang) + (y - h / 2) * np.sin(ang)) / max(w, h)
        gain *= 1 + rng.uniform(0.2, 0.8) * t
    for _ in range(int(rng.random() < cfg.p_room_shadow) * int(rng.integers(1, 3))):
        gain *= _soft_shadow(rng, h, w)
    canvas *= np.clip(gain, 0.1, 2.0)[..., None]
    if rng.random() < cfg.p_colour_cast:
        canvas *= rng.uniform(1 - cfg.colour_cast, 1 + cfg.colour_cast, 3).astype(np.float32)
    np.clip(canvas, 0, 255, out=canvas)


def _soft_shadow(rng, h, w):
    """A blurred dark blob (a hand, an arm, a head between lamp and table): the light it leaves, (h, w)."""
    small = np.zeros((h // 4 + 1, w // 4 + 1), np.float32)
    n = int(rng.integers(5, 10))
    c = rng.uniform([0, 0], [w / 4, h / 4])
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.1, 0.4) * w / 4 * rng.uniform(0.5, 1.0, n)
    stretch = rng.uniform(1.0, 3.0)
    pts = np.stack([c[0] + rad * np.cos(ang) * stretch, c[1] + rad * np.sin(ang)], 1)
    cv2.fillPoly(small, [np.round(pts).astype(np.int32)], 1.0)
    small = cv2.GaussianBlur(small, (0, 0), rng.uniform(2, 8))
    dark = rng.uniform(0.2, 0.6)
    return 1 - dark * cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def slant(rng, canvas, amount):
    """The scene seen at a slant: ``(canvas warped by a random homography, function moving (N, 2) points)``."""
    h, w = canvas.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + rng.uniform(-amount, amount, (4, 2)).astype(np.float32) * [w, h]
    H = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(canvas, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    def move(pts):
        return cv2.perspectiveTransform(np.asarray(pts, np.float64).reshape(-1, 1, 2), H).reshape(-1, 2)

    return warped, move


def load_backgrounds(folder):
    """The table photos of ``folder`` as BGR uint8 arrays (unreadable files skipped); () for no folder."""
    if not folder:
        return ()
    from pathlib import Path

    from tod_ros.errors import TodError
    from tod_ros.fileio import list_images

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise TodError(f"background folder {folder} does not exist")
    photos = tuple(img for img in (cv2.imread(str(p), cv2.IMREAD_COLOR) for p in list_images(folder))
                   if img is not None and min(img.shape[:2]) >= 32)
    if not photos:
        raise TodError(f"{folder}: no readable background photo (.png/.jpg, at least 32 px a side)")
    return photos
