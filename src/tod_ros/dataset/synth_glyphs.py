"""Handwriting-like ``1`` and ``2`` glyph masks for the synthetic cube generator.

Two sources, mixed at random:

- Debian handwriting fonts (found at run time under /usr/share/fonts), rendered with
  Pillow at a fixed size and cached;
- procedural pen strokes (polylines through jittered Bezier curves): ``1`` as a single
  stroke, with a flag, with flag and base; ``2`` with or without a loop at the bottom, or a small
  hook at the left end of a long flat base.

Every mask is then thickened or thinned, sheared, rotated and wobbled (smooth elastic warp),
so no two digits look alike. Masks are float32 in [0, 1], 1 = ink.
"""
import functools
import glob
import os

import cv2
import numpy as np

from tod_ros.errors import TodError

# Font files of the Debian handwriting packages (package -> glob under the font roots).
FONT_PACKAGES = {
    "fonts-dkg-handwriting": "fifthhorseman/dkg*.ttf",
    "fonts-breip": "breip/*.ttf",
    "fonts-bwht": "bwht/BecauseWe*.otf",
    "fonts-humor-sans": "humor-sans/Humor-Sans.ttf",
    "fonts-klee": "klee/KleeOne-*.ttf",
    "fonts-kristi": "kristi/Kristi.ttf",
}
# fonts-femkeklaver is left out: its glyphs are outlines (hollow), unlike a pen stroke.
FONT_ROOTS = ("/usr/share/fonts/truetype", "/usr/share/fonts/opentype", "/usr/local/share/fonts")
GLYPH_PX = 128          # font size used to render the cached glyphs
GLYPH_H = 72            # ink height of the glyph masks handed out
DIGITS = ("1", "2")
FONT_SHARE_OF_ONES = 0.6   # few fonts draw the flag + base of a real cube's 1: fewer font 1s than 2s
P_HOOK_TWO = 0.3           # pen-stroke 2s drawn as a small hook over a long base


def find_fonts(roots=FONT_ROOTS):
    """Sorted paths of the installed handwriting fonts; TodError naming the packages if none."""
    found = set()
    for root in roots:
        for pattern in FONT_PACKAGES.values():
            found.update(glob.glob(os.path.join(root, pattern)))
    fonts = sorted(p for p in found if _font_usable(p))
    if not fonts:
        raise TodError(
            "no handwriting font found for the synthetic digits (looked under "
            f"{', '.join(roots)}); install the Debian packages: sudo apt-get install "
            f"{' '.join(FONT_PACKAGES)} (make setup installs them)")
    return tuple(fonts)


FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


def fonts_in(folder):
    """Sorted paths of the font files in ``folder`` (.ttf, .otf, .woff, .woff2) that draw a ``1`` and a
    ``2``, e.g. hand-writing fonts fetched by tools/fetch_fonts.sh; TodError when there are none."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise TodError(f"{folder}: no such font folder")
    found = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.lower().endswith(FONT_SUFFIXES))
    fonts = [p for p in found if _font_usable(p)]
    if not fonts:
        raise TodError(f"{folder}: no font that draws a 1 and a 2 (looked at {len(found)} "
                       f"{'/'.join(FONT_SUFFIXES)} files)")
    return tuple(fonts)


@functools.lru_cache(maxsize=None)
def _font_usable(path):
    try:
        masks = [font_glyph(path, d) for d in DIGITS]
    except (OSError, ValueError):
        return False
    distinct = masks[0].shape != masks[1].shape or not np.array_equal(*masks)
    return distinct and all(m.sum() > 20 for m in masks)


@functools.lru_cache(maxsize=None)
def font_glyph(path, digit):
    """The digit rendered in the font, cropped to its ink, as float32 [0, 1]."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(path, GLYPH_PX)
    img = Image.new("L", (GLYPH_PX * 2, GLYPH_PX * 2), 0)
    ImageDraw.Draw(img).text((GLYPH_PX // 2, GLYPH_PX // 4), digit, font=font, fill=255)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    ys, xs = np.nonzero(arr > 0.1)
    if len(xs) == 0:
        raise ValueError(f"{path}: no glyph for {digit!r}")
    return np.ascontiguousarray(arr[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def _bezier(p0, p1, p2, n=12):
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2


def _stroke_one(rng):
    """Polylines of a pen-drawn ``1`` in a unit box (x right, y down)."""
    slant = float(np.clip(rng.normal(0.0, 0.12), -0.35, 0.35))
    top = np.array([0.5 + slant * 0.5, 0.0])
    bot = np.array([0.5 - slant * 0.5, 1.0])
    mid = (top + bot) / 2 + rng.normal(0, 0.03, 2)
    lines = [_bezier(top, mid, bot)]
    # single stroke, flag, flag + base: the real cubes' 1s mostly have a long flag and a base, which
    # a model taught on plain strokes reads as a 2 (a top stroke and a bottom bar; docs/quality.md)
    style = rng.choice(3, p=[0.2, 0.35, 0.45])
    if style >= 1:
        flag_len = rng.uniform(0.15, 0.6)
        ang = np.deg2rad(rng.uniform(30, 65))
        end = top + flag_len * np.array([-np.cos(ang), np.sin(ang)])
        lines.append(_bezier(end, (end + top) / 2 + rng.normal(0, 0.02, 2), top, 6))
    if style == 2:
        half = rng.uniform(0.2, 0.4)
        y = 1.0 + rng.normal(0, 0.02)
        lines.append(np.array([[bot[0] - half, y + rng.normal(0, 0.03)], [bot[0] + half, y + rng.normal(0, 0.03)]]))
    return lines


def _stroke_two(rng):
    """Polylines of a pen-drawn ``2`` in a unit box."""
    j = lambda s=0.04: rng.normal(0, s, 2)  # noqa: E731
    start = np.array([0.1, 0.3]) + j()
    crest = np.array([0.5, -0.1]) + j()
    right = np.array([0.92, 0.3]) + j()
    turn = np.array([0.1, 0.98]) + j(0.03)
    pts = [_bezier(start, crest, np.array([0.55, 0.0]) + j(0.02), 8)]
    pts.append(_bezier(pts[0][-1], np.array([0.95, -0.02]) + j(), right, 8))
    # the diagonal from a round belly to a straight stroke (a Z-like 2, read as a 1 with flag and base
    # by a model that saw only round ones)
    belly = rng.uniform(0.0, 1.0)
    pts.append(_bezier(right, (right + turn) / 2 * (1 - belly) + np.array([0.75, 0.65]) * belly + j(), turn, 10))
    tail = np.array([0.95, 0.95]) + j(0.05)
    if rng.random() < 0.4:  # a small loop at the bottom-left, as in many hand-written 2s
        pts.append(_loop(rng, turn))
    if rng.random() < P_HOOK_TWO:   # a small hook at the left end of a long flat base
        narrow, low = rng.uniform(0.35, 0.6), rng.uniform(0.35, 0.6)   # hook width, height (base: 1)
        pts = [np.stack([q[:, 0] * narrow, 1.0 - (1.0 - q[:, 1]) * low], 1) for q in pts]
        tail = np.array([rng.uniform(0.85, 1.0), pts[-1][-1][1] + rng.normal(0, 0.02)])
    pts.append(_bezier(pts[-1][-1], (pts[-1][-1] + tail) / 2 + j(0.03), tail, 6))
    return [np.concatenate(pts)]


def _loop(rng, turn):
    """A loop entered moving down-left at ``turn`` and left moving right along the bottom."""
    r = rng.uniform(0.12, 0.2) * np.array([rng.uniform(0.9, 1.4), 1.0])
    phi = np.deg2rad(np.linspace(225, -270, 20))
    center = turn - r * np.array([np.cos(phi[0]), np.sin(phi[0])])
    return center + r * np.stack([np.cos(phi), np.sin(phi)], 1)


def _stroke_glyph(rng, digit, size=None):
    """A procedural pen-stroke glyph of ``digit`` (float32 mask, cropped)."""
    size = size or GLYPH_H
    lines = _stroke_one(rng) if digit == "1" else _stroke_two(rng)
    pad = size // 4
    canvas = np.zeros((size + 2 * pad, size + 2 * pad), np.uint8)
    aspect = rng.uniform(0.55, 0.85) if digit == "2" else rng.uniform(0.45, 0.7)
    thick = max(2, int(size * rng.uniform(0.05, 0.17)))   # fine pen (the Ergo photos) to marker
    for line in lines:
        pts = line * np.array([size * aspect, size]) + np.array([pad + size * (1 - aspect) / 2, pad])
        cv2.polylines(canvas, [np.round(pts * 4).astype(np.int32)], False, 255, thick, cv2.LINE_AA, shift=2)
    arr = canvas.astype(np.float32) / 255.0
    ys, xs = np.nonzero(arr > 0.1)
    return arr[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def glyph_mask(rng, digit, fonts, p_font=0.65):
    """A jittered ``digit`` mask (float32, on a padded canvas; the ink is about 72 px tall)."""
    if fonts and rng.random() < p_font * (FONT_SHARE_OF_ONES if digit == "1" else 1.0):
        base = font_glyph(fonts[rng.integers(len(fonts))], digit)
        f = GLYPH_H / base.shape[0]
        base = cv2.resize(base, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        base = _rethicken(rng, base)
    else:
        base = _stroke_glyph(rng, digit)
    return _warp(rng, base)


def _rethicken(rng, mask):
    """Marker-thick to pen-thin: dilate or erode the font's stroke."""
    k = int(rng.integers(-2, 4))
    if k == 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(k) + 1, 2 * abs(k) + 1))
    padded = cv2.copyMakeBorder(mask, 6, 6, 6, 6, cv2.BORDER_CONSTANT, value=0)
    out = cv2.dilate(padded, kernel) if k > 0 else cv2.erode(padded, kernel)
    return out if out.max() > 0.5 else padded


def _warp(rng, mask):
    """Shear, rotate, squash and wobble a glyph mask; returns it on a padded canvas."""
    h, w = mask.shape
    pad = max(h, w) // 3
    m = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    H, W = m.shape
    c = np.array([W / 2, H / 2])
    ang = np.deg2rad(np.clip(rng.normal(0, 6), -12, 12))
    shear = float(np.clip(rng.normal(0, 0.12), -0.3, 0.3))
    sx = rng.uniform(0.8, 1.2)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    A = rot @ np.array([[sx, shear], [0, 1.0]])
    M = np.hstack([A, (c - A @ c)[:, None]]).astype(np.float32)
    m = cv2.warpAffine(m, M, (W, H), flags=cv2.INTER_LINEAR)
    if rng.random() < 0.7:
        m = _wobble(rng, m)
    return m


def _wobble(rng, mask):
    """Smooth elastic warp: a coarse random displacement field, upsampled."""
    H, W = mask.shape
    amp = rng.uniform(0.7, 3.0)
    field = rng.normal(0, amp, (2, 4, 4)).astype(np.float32)
    dx = cv2.resize(field[0], (W, H), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(field[1], (W, H), interpolation=cv2.INTER_CUBIC)
    gx, gy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    return cv2.remap(mask, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0)
