"""Shared by bench/sweep, bench/transplant and bench/reader: the real cubes cut out one by one, turned, read,
re-inked, turned upright by their face."""
from pathlib import Path

import cv2
import numpy as np

from tod_ros.dataset.voc import read_voc
from tod_ros.errors import TodError
from tod_ros.evaluation.loading import read_bgr
from tod_ros.reading import box_window, face_mask

FRAME = (480, 640)
MARGIN = 12
MIN_INK = 20            # pixels: fewer is no digit


def cubes(folder):
    """[(photo name, label, crop, median colour)] of every annotated cube of ``folder``, left to right."""
    out = []
    for xml in sorted(Path(folder).glob("*.xml")):
        ann = read_voc(xml)
        img = read_bgr(xml.parent / ann.filename)
        colour = np.median(img.reshape(-1, 3), 0)
        for o in sorted(ann.objects, key=lambda o: o.xmin):
            out.append((ann.filename, o.name, img[box_window((o.xmin, o.ymin, o.xmax, o.ymax), MARGIN, img.shape)],
                        colour))
    if not out:
        raise TodError(f"{folder}: no annotated cube (no labelImg .xml with boxes)")
    return out


def turned(crop, colour, angle):
    """``crop`` at the centre of a frame of ``colour``, turned by ``angle`` degrees (counter-clockwise)."""
    H, W = FRAME
    ch, cw = crop.shape[:2]
    f = min(1.0, 0.7 * H / max(ch, cw))          # a crop larger than the frame is shrunk to fit any turn
    crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else crop
    return _turn_on_canvas(crop, colour, angle, (H, W))


def _turn_on_canvas(crop, colour, angle, shape):
    """``crop`` at the centre of a canvas of ``shape`` (h, w) filled with ``colour``, the canvas turned by
    ``angle`` degrees (counter-clockwise) about its centre."""
    H, W = shape
    ch, cw = crop.shape[:2]
    canvas = np.empty((H, W, 3), np.uint8)
    canvas[:] = colour
    y0, x0 = (H - ch) // 2, (W - cw) // 2
    canvas[y0:y0 + ch, x0:x0 + cw] = crop
    m = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    return cv2.warpAffine(canvas, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=tuple(float(c) for c in colour))


def reader(model, threshold):
    """The SavedModel detector of exported ``model`` that the cube readings use."""
    from tod_ros.inference import Detector, DetectorConfig

    return Detector(DetectorConfig(model_dir=str(model), backend="savedmodel", max_detections=4,
                                   score_threshold=threshold))


def reading(det, img, threshold):
    """(label, score) of the best detection, or (None, 0.0)."""
    found = det.detect(img, threshold)
    if not found:
        return None, 0.0
    best = max(found, key=lambda d: d.score)
    return best.label, best.score


def ink_mask(crop):
    """Boolean mask of the digit's ink in a cube ``crop``: pixels of the face (``face_mask``) darker than
    halfway from ink to paper; empty when nothing on the face is much darker than its paper."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32)
    face = face_mask(crop, shrink=0.07)
    if face.sum() < 100:
        return np.zeros(grey.shape, bool)
    paper, ink = np.percentile(grey[face], 80), np.percentile(grey[face], 1)
    if paper - ink < 25:
        return np.zeros(grey.shape, bool)
    dark = (face & (grey < (paper + ink) / 2)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark)
    if n < 2:
        return dark > 0
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = 1 + np.nonzero(areas >= 0.15 * areas.max())[0]     # the digit's strokes, not specks or edge marks
    return np.isin(labels, keep)


def glyph_of(crop):
    """The digit of a cube ``crop`` as a float32 mask cropped to its ink; None when no ink is found."""
    mask = ink_mask(crop)
    if mask.sum() < MIN_INK:
        return None
    ys, xs = np.nonzero(mask)
    return mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)


def erase_digit(crop):
    """(``crop`` with its digit painted over by inpainting, the digit's ink mask, its ink colour);
    None when the crop has no ink to replace."""
    mask = ink_mask(crop)
    if mask.sum() < MIN_INK:
        return None
    erased = cv2.inpaint(crop, cv2.dilate(mask.astype(np.uint8) * 255, np.ones((5, 5), np.uint8)), 5,
                         cv2.INPAINT_TELEA)
    return erased, mask, np.median(crop[mask], 0)


def draw_digit(erased, mask, ink, glyph):
    """``glyph`` drawn on an ``erase_digit`` result, at the old digit's ink height and centre, in ``ink``."""
    ys, xs = np.nonzero(mask)
    f = (ys.max() - ys.min() + 1) / glyph.shape[0]
    g = cv2.resize(glyph, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    y0 = int((ys.min() + ys.max()) / 2 - g.shape[0] / 2)
    x0 = int((xs.min() + xs.max()) / 2 - g.shape[1] / 2)
    alpha = np.zeros(erased.shape[:2], np.float32)
    ya, xa = max(y0, 0), max(x0, 0)
    yb, xb = min(y0 + g.shape[0], erased.shape[0]), min(x0 + g.shape[1], erased.shape[1])
    alpha[ya:yb, xa:xb] = g[ya - y0:yb - y0, xa - x0:xb - x0]
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0)[..., None]
    return (erased * (1 - alpha) + ink * alpha).astype(np.uint8)


def turn_crop(crop, colour, angle):
    """``crop`` turned by ``angle`` degrees on a square canvas of ``colour`` that holds it whole."""
    side = int(np.hypot(*crop.shape[:2])) + 4
    return _turn_on_canvas(crop, colour, angle, (side, side))


def turned_sets(folder, label_map, angles):
    """{angle: [(annotation turned, bgr turned)]} of the annotated photos of ``folder`` (turned in memory)."""
    import dataclasses

    from tod_ros.dataset.rotate import rotate_annotation, rotate_image
    from tod_ros.evaluation.runner import load_ground_truth

    anns = load_ground_truth(folder, label_map)
    photos = [(a, read_bgr(a.image_path)) for a in anns]
    return {angle: [(dataclasses.replace(rotate_annotation(a, angle), image_path=a.image_path),
                     rotate_image(bgr, angle)) for a, bgr in photos] for angle in angles}
