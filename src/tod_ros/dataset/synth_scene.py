"""Drawing pieces of a synthetic cube photo: background, clutter, cube faces, shadows.

All drawing is on a float32 BGR canvas with values in 0..255 (lit as if by the final
exposure; the camera effects in :mod:`tod_ros.dataset.synth_camera` come after).
"""
import cv2
import numpy as np

TEX = 128   # side of the square face textures (warped onto the image in perspective)


def smooth_noise(rng, h, w, cells, amp):
    """Low-frequency noise (a coarse random grid upsampled bicubically), float32 (h, w)."""
    grid = rng.normal(0, amp, (cells, max(2, int(cells * w / h)))).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


def background(rng, h, w):
    """A dark, uneven backdrop: cloth with folds and light falloff, slightly tinted.

    Drawn at quarter resolution (it is smooth) and upsampled once.
    """
    sh, sw = max(2, h // 4), max(2, w // 4)
    base = rng.uniform(3, 40)
    img = base + smooth_noise(rng, sh, sw, 3, base * 0.45) + smooth_noise(rng, sh, sw, 9, base * 0.15)
    img += _folds(rng, sh, sw, base)
    if rng.random() < 0.4:          # a brighter band (a curtain, a table edge)
        img += _band(rng, sh, sw, base)
    img = np.clip(img, 0, 255)
    tint = rng.uniform(0.88, 1.12, 3)
    small = cv2.merge([img * np.float32(t) for t in tint])
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _folds(rng, h, w, base):
    """Soft light/dark lines like creases in a black cloth."""
    layer = np.zeros((h, w), np.float32)
    for _ in range(rng.integers(0, 7)):
        p = rng.uniform([0, 0], [w, h], (3, 2))
        pts = np.round(_quad_curve(p) * 4).astype(np.int32)
        val = float(rng.normal(0, base * 0.5))
        cv2.polylines(layer, [pts], False, val, int(rng.integers(1, 3)), cv2.LINE_AA, shift=2)
    return cv2.GaussianBlur(layer, (0, 0), rng.uniform(0.6, 2.0))


def _band(rng, h, w, base):
    layer = np.zeros((h, w), np.float32)
    x0 = int(rng.uniform(0, w * 0.7))
    x1 = x0 + int(rng.uniform(w * 0.1, w * 0.5))
    layer[:, x0:x1] = rng.uniform(0.2, 1.0) * base
    return cv2.blur(layer, (int(rng.integers(2, 15)), 1))


def _quad_curve(p, n=16):
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t ** 2 * p[2]


def clutter(rng, canvas, n_max=4, bright=False):
    """Non-cube objects: cables, robot parts, patches; dark ones, or of any colour when ``bright``
    (on a light table a pen, a phone, a coloured part), never paper white."""
    h, w = canvas.shape[:2]
    for _ in range(rng.integers(0, n_max + 1)):
        kind = rng.integers(3)
        tone = rng.uniform(5, 200) if bright and rng.random() < 0.5 else rng.uniform(5, 90)
        col = tuple(float(v) for v in tone * rng.uniform(0.6 if bright else 0.8, 1.2, 3))
        if kind == 0:       # cable
            p = rng.uniform([0, 0], [w, h], (3, 2))
            pts = np.round(_quad_curve(p, 24) * 4).astype(np.int32)
            cv2.polylines(canvas, [pts], False, col, int(rng.integers(2, 9)), cv2.LINE_AA, shift=2)
        elif kind == 1:     # blocky part
            c = rng.uniform([0, 0], [w, h])
            size = rng.uniform(20, 160, 2)
            rect = ((float(c[0]), float(c[1])), (float(size[0]), float(size[1])), float(rng.uniform(0, 90)))
            box = cv2.boxPoints(rect)
            cv2.fillConvexPoly(canvas, np.round(box * 4).astype(np.int32), col, cv2.LINE_AA, shift=2)
        else:               # round dim patch
            c = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            axes = (int(rng.uniform(10, 120)), int(rng.uniform(10, 120)))
            cv2.ellipse(canvas, c, axes, float(rng.uniform(0, 180)), 0, 360, col, -1, cv2.LINE_AA)


def white_distractor(rng, canvas, center, size):
    """A white non-cube object (paper scrap, cup, blob): no box, so the digit is what matters."""
    col = tuple(float(v) for v in rng.uniform(150, 245) * rng.uniform(0.92, 1.05, 3))
    n = int(rng.integers(5, 12))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = size / 2 * rng.uniform(0.5, 1.0, n)
    pts = np.stack([center[0] + rad * np.cos(ang), center[1] + rad * np.sin(ang) * rng.uniform(0.4, 1.0)], 1)
    cv2.fillPoly(canvas, [np.round(pts * 4).astype(np.int32)], col, cv2.LINE_AA, shift=2)


def face_texture(rng, paper, ink, glyph, edge_style, shade=1.0, size=TEX):
    """A size x size float32 BGR face: paper with lighting gradient, edge marks, optional digit."""
    g = np.linspace(-1, 1, size, dtype=np.float32)
    gx, gy = rng.normal(0, 0.06, 2)
    light = shade * (1 + gx * g[None, :] + gy * g[:, None])
    light = light + smooth_noise(rng, size, size, 4, 0.015)
    bgr = cv2.merge([light * float(c) for c in paper])
    _edge_marks(rng, bgr, edge_style, paper * shade)
    if glyph is not None:
        _put_glyph(rng, bgr, glyph, ink)
    return bgr


def _edge_marks(rng, tex, style, paper):
    """Laser-cut finger-joint tabs, a dotted seam, or a plain darker rim."""
    line = tuple(float(v) for v in paper * rng.uniform(0.45, 0.75))
    s = tex.shape[0]
    if style == "tabs":
        _tabs(rng, tex, line, paper)
    elif style == "dots":
        inset = int(s * rng.uniform(0.02, 0.05))
        for t in range(inset, s - inset, max(2, s // 25)):
            for x, y in ((t, inset), (t, s - 1 - inset), (inset, t), (s - 1 - inset, t)):
                tex[y, x] = line
    rim = int(rng.integers(1, 4))
    dark = rng.uniform(0.75, 0.95)
    tex[:rim] *= dark
    tex[-rim:] *= dark
    tex[:, :rim] *= dark
    tex[:, -rim:] *= dark


def _tabs(rng, tex, line, paper):
    """Finger-joint tabs of a laser-cut cube: small outlined (sometimes shaded) notches on each edge."""
    s = tex.shape[0]
    depth, length = s * rng.uniform(0.04, 0.08), s * rng.uniform(0.1, 0.18)
    pos = (0.25, 0.75) if rng.random() < 0.6 else (0.2, 0.5, 0.8)
    width = 1 if rng.random() < 0.6 or s < 100 else 2
    fill = tuple(float(v) for v in paper * rng.uniform(0.8, 0.95)) if rng.random() < 0.4 else None
    for side in range(4):
        for p in pos:
            a, b = p * s - length / 2, p * s + length / 2
            rect = [(a, 1), (b, depth)] if side == 0 else [(a, s - 1 - depth), (b, s - 2)] if side == 1 \
                else [(1, a), (depth, b)] if side == 2 else [(s - 1 - depth, a), (s - 2, b)]
            p0, p1 = (int(rect[0][0]), int(rect[0][1])), (int(rect[1][0]), int(rect[1][1]))
            if fill is not None:
                cv2.rectangle(tex, p0, p1, fill, -1)
            cv2.rectangle(tex, p0, p1, line, width, cv2.LINE_AA)


def _put_glyph(rng, tex, glyph, ink):
    """Scale the glyph to 40-70 % of the face height and blend it in, roughly centred."""
    n = tex.shape[0]
    gh, gw = glyph.shape
    # the glyph canvas has padding: its ink covers about 60 % of its height
    target = n * rng.uniform(0.45, 0.75) / 0.6
    scale = min(target / gh, n * 0.95 / gw)
    g = cv2.resize(glyph, (max(1, int(gw * scale)), max(1, int(gh * scale))), interpolation=cv2.INTER_AREA)
    g = g[:n, :n]
    h, w = g.shape
    cx = n / 2 + rng.normal(0, n * 0.04)
    cy = n / 2 + rng.normal(0, n * 0.04)
    x0 = int(np.clip(cx - w / 2, 0, n - w))
    y0 = int(np.clip(cy - h / 2, 0, n - h))
    alpha = g * np.float32(rng.uniform(0.85, 1.0))
    roi = tex[y0:y0 + h, x0:x0 + w]
    ink_img = np.empty_like(roi)
    ink_img[:] = ink
    roi[:] = cv2.blendLinear(ink_img, np.ascontiguousarray(roi), alpha, 1 - alpha)


def warp_onto(canvas, tex, quad):
    """Warp a square BGR texture onto the image quad (4x2, clockwise from top-left) with soft edges."""
    h, w = canvas.shape[:2]
    x0, y0 = np.floor(quad.min(0)).astype(int) - 1
    x1, y1 = np.ceil(quad.max(0)).astype(int) + 2
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    n = tex.shape[0]
    src = np.float32([[0, 0], [n, 0], [n, n], [0, n]])
    H = cv2.getPerspectiveTransform(src, (quad - [x0, y0]).astype(np.float32))
    rgba = cv2.merge([*cv2.split(tex), np.ones((n, n), np.float32)])
    warped = cv2.warpPerspective(rgba, H, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    b, g, r, m = cv2.split(warped)      # colours are premultiplied by the alpha m (black border)
    roi = canvas[y0:y1, x0:x1]
    # "over" compositing: face + floor * (1 - m). (cv2.blendLinear divides by the sum of the weights,
    # which halved the floor around a turned face: a dark rectangle the size of its box.)
    roi[:] = cv2.merge([b, g, r]) + roi * (1 - m)[..., None]


def cast_shadow(rng, canvas, hull, size):
    """Darken the floor under and beside a cube (soft shadow), inside the shadow's own box only."""
    h, w = canvas.shape[:2]
    off = rng.normal(0, 0.12, 2) * size + [0, size * 0.05]
    sigma = max(1.0, size * rng.uniform(0.02, 0.06))
    strength = rng.uniform(0.3, 0.8)
    pts = hull + off
    m = int(3 * sigma) + 2
    x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int) - m, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + m, [w, h])
    if x1 - x0 < 4 or y1 - y0 < 4:
        return
    small = np.zeros(((y1 - y0 + 1) // 2, (x1 - x0 + 1) // 2), np.float32)
    cv2.fillConvexPoly(small, np.round((pts - [x0, y0]) * 2).astype(np.int32), 1.0, cv2.LINE_AA, shift=2)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 2)
    keep = 1 - strength * cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    roi = canvas[y0:y1, x0:x1]
    roi[:] = cv2.multiply(np.ascontiguousarray(roi), cv2.merge([keep, keep, keep]))
