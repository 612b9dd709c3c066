"""The robustness suite: annotated photos turned into the conditions a classroom meets, one mAP a row.

Each row is a variant of every image of an annotated folder, with exact boxes (no model involved):

* ``photos``: the images as they are;
* light: ``dark`` (x0.45), ``bright`` (x1.6), ``low_contrast`` (half the contrast), ``colour_cast`` (warm lamp);
* other tables: each cube's face (its bright region inside its box, filled) pasted at the same place on a
  photo of another surface: ``table_light`` (light speckled stone), ``table_paper`` (a printed page),
  ``table_grey`` (grey bricks), ``table_wood`` (a cup on a wooden table), ``table_clutter`` (a workshop);
  the surfaces are real photos shipped with scikit-image, never used to train a model here;
* angles: ``turn_90``, ``turn_180``, ``turn_270`` (exact quarter turns, clockwise), ``turn_free`` (a random angle
  away from the quarter turns, the canvas grown to hold the whole turned photo; boxes are the tight
  boxes of the turned faces).

:func:`run_suite` runs a :class:`~tod_ros.detection.Detector` on every row and returns per row the
mAP@0.5, the median score of correct detections and the highest score of a wrong one.
"""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tod_ros.errors import TodError

LIGHT = {"dark": (0.45, 0.0), "bright": (1.6, 0.0), "low_contrast": (0.5, 64.0)}   # gain, offset
TABLES = ("table_light", "table_paper", "table_grey", "table_wood", "table_clutter")
TURNS = ("turn_90", "turn_180", "turn_270", "turn_free")
ROWS = ("photos",) + tuple(LIGHT) + ("colour_cast",) + TABLES + TURNS


@dataclass
class Sample:
    """One annotated image: BGR pixels, labels and pixel boxes (xmin, ymin, xmax, ymax), face masks."""

    name: str
    bgr: np.ndarray
    labels: list
    boxes: list
    masks: list = None

    def face_masks(self):
        """One uint8 mask a box: the bright region of the box (Otsu), its largest part, filled."""
        if self.masks is None:
            self.masks = [_face_mask(self.bgr, box) for box in self.boxes]
        return self.masks


def _face_mask(bgr, box):
    h, w = bgr.shape[:2]
    x0, y0 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x1, y1 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    mask = np.zeros((h, w), np.uint8)
    crop = cv2.cvtColor(bgr[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    if crop.size == 0:
        return mask
    _, bright = cv2.threshold(cv2.GaussianBlur(crop, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours or cv2.contourArea(max(contours, key=cv2.contourArea)) < 0.3 * crop.size:
        mask[y0:y1, x0:x1] = 255        # no clear face: the whole box
        return mask
    hull = cv2.convexHull(max(contours, key=cv2.contourArea)) + [x0, y0]
    cv2.fillConvexPoly(mask, hull, 255)
    return mask


def surfaces():
    """{row: BGR photo of the surface} for the table rows (scikit-image's sample photos)."""
    try:
        from skimage import data
    except ImportError:
        raise TodError("the robustness suite's table photos come with scikit-image: pip install scikit-image") \
            from None
    gravel = data.gravel().astype(np.float32)
    grey = {"table_light": np.clip(165 + gravel * 0.35, 0, 255), "table_paper": data.page(),
            "table_grey": data.brick()}
    out = {k: cv2.cvtColor(np.asarray(v, np.uint8), cv2.COLOR_GRAY2BGR) for k, v in grey.items()}
    out["table_wood"] = cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR)
    out["table_clutter"] = cv2.cvtColor(data.stereo_motorcycle()[0], cv2.COLOR_RGB2BGR)
    return out


def variant(row, sample, rng, tables=None):
    """``(bgr, boxes)`` of ``sample`` under condition ``row`` (one of :data:`ROWS`)."""
    img = sample.bgr
    if row == "photos":
        return img, list(sample.boxes)
    if row in LIGHT:
        gain, offset = LIGHT[row]
        return cv2.convertScaleAbs(img, alpha=gain, beta=offset), list(sample.boxes)
    if row == "colour_cast":
        return cv2.convertScaleAbs(cv2.multiply(img.astype(np.float32), (0.75, 1.0, 1.25, 0))), list(sample.boxes)
    if row in TABLES:
        return _on_table(sample, (tables or surfaces())[row]), list(sample.boxes)
    if row == "turn_free":
        return _turn(sample, float(rng.uniform(20, 70) + 90 * rng.integers(4)))
    if row in TURNS:
        from tod_ros.dataset.rotate import rotate_box, rotate_image

        angle, (h, w) = int(row.split("_")[1]), img.shape[:2]
        return rotate_image(img, angle), [rotate_box(b, w, h, angle) for b in sample.boxes]
    raise TodError(f"unknown robustness row {row!r} (rows: {', '.join(ROWS)})")


def _on_table(sample, surface):
    """The sample's faces (feathered masks, slightly grown) pasted at their place on ``surface``."""
    h, w = sample.bgr.shape[:2]
    table = cv2.resize(surface, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha = np.zeros((h, w), np.float32)
    for mask, box in zip(sample.face_masks(), sample.boxes):
        grow = max(1, int(0.03 * max(box[2] - box[0], box[3] - box[1])))
        alpha = np.maximum(alpha, cv2.dilate(mask, np.ones((2 * grow + 1,) * 2, np.uint8)).astype(np.float32) / 255)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.0)[..., None]
    return np.clip(sample.bgr * alpha + table * (1 - alpha), 0, 255).astype(np.uint8)


def _turn(sample, angle):
    """The sample turned by ``angle`` degrees (counter-clockwise) on a canvas holding all of it."""
    h, w = sample.bgr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos))
    m[:, 2] += [(nw - w) / 2, (nh - h) / 2]
    border = tuple(float(v) for v in np.median(np.concatenate([sample.bgr[0], sample.bgr[-1]]), axis=0))
    img = cv2.warpAffine(sample.bgr, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=border)
    boxes = []
    for mask in sample.face_masks():
        ys, xs = np.nonzero(cv2.warpAffine(mask, m, (nw, nh), flags=cv2.INTER_NEAREST))
        boxes.append((float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)))
    return img, boxes


def load_samples(folder, label_map):
    """The annotated images of ``folder`` (validated against ``label_map``) as :class:`Sample` s."""
    from tod_ros.dataset.imagesize import read_image
    from tod_ros.evaluation.runner import load_ground_truth

    return [Sample(Path(a.image_path).name, read_image(a.image_path), [o.name for o in a.objects],
                   [(o.xmin, o.ymin, o.xmax, o.ymax) for o in a.objects])
            for a in load_ground_truth(folder, label_map)]


@dataclass
class RowResult:
    """One row of the suite."""

    row: str
    images: int
    boxes: int
    map50: float
    median_true_score: float
    max_false_score: float


def score_row(row, truths, detections, class_names):
    """The :class:`RowResult` of detections ``{image: [(label, score, box)]}`` against
    ``truths`` ``{image: [(label, box)]}``."""
    from tod_ros.evaluation.metrics import GroundTruth, Prediction, all_image_errors, pr_curve

    gts = [GroundTruth(i, lab, tuple(b)) for i, items in truths.items() for lab, b in items]
    preds = [Prediction(i, lab, s, tuple(b)) for i, items in detections.items() for lab, s, b in items]
    aps = [c.ap for c in (pr_curve(gts, preds, n) for n in class_names) if c.ap is not None]
    errors = all_image_errors(gts, preds, list(truths), score_threshold=0.0)
    true_scores = [p.score for e in errors for p, _ in e.correct]
    false_scores = [p.score for e in errors for p in e.false_positives] + \
        [p.score for e in errors for p, _ in e.wrong_class]
    return RowResult(row, len(truths), len(gts), float(np.mean(aps)) if aps else float("nan"),
                     float(np.median(true_scores)) if true_scores else float("nan"),
                     max(false_scores, default=0.0))


def collect(detector, samples, rows=ROWS, seed=0, save_dir=None):
    """{row: (truths, detections)} of ``detector`` (score threshold 0.05, for the mAP) on each row's images."""
    tables = surfaces() if any(r in TABLES for r in rows) else None
    out = {}
    for row in rows:
        rng = np.random.default_rng([seed, ROWS.index(row)])
        truths, dets = {}, {}
        for s in samples:
            img, boxes = variant(row, s, rng, tables)
            truths[s.name] = list(zip(s.labels, boxes))
            dets[s.name] = [(d.label, d.score, d.box_px) for d in detector.detect(img, score_threshold=0.05)]
            if save_dir is not None:
                _save(Path(save_dir) / row / f"{Path(s.name).stem}.png", img, dets[s.name])
        out[row] = (truths, dets)
    return out


def _save(path, img, dets):
    from tod_ros.imageops import draw_boxes, write_png

    shown = [d for d in dets if d[1] >= 0.5]
    write_png(path, draw_boxes(img, [d[2] for d in shown], [f"{d[0]} {d[1]:.2f}" for d in shown]))


def merge(*collected):
    """One {row: (truths, detections)} of several :func:`collect` results (image names must differ)."""
    out = {}
    for c in collected:
        for row, (truths, dets) in c.items():
            t, d = out.setdefault(row, ({}, {}))
            t.update(truths)
            d.update(dets)
    return out


def run_suite(detector, samples, rows=ROWS, seed=0, save_dir=None):
    """[:class:`RowResult`] of ``detector`` on each row (see :func:`collect`)."""
    return score_all(collect(detector, samples, rows, seed, save_dir), detector.label_map.names)


def score_all(collected, class_names):
    """[:class:`RowResult`] of every row of a :func:`collect` (or :func:`merge`) result."""
    return [score_row(row, truths, dets, class_names) for row, (truths, dets) in collected.items()]


def format_rows(results):
    """The suite's table as text lines."""
    lines = [f"{'row':<14} {'images':>6} {'boxes':>5} {'mAP@0.5':>8} {'median true':>11} {'max false':>9}"]
    for r in results:
        lines.append(f"{r.row:<14} {r.images:>6} {r.boxes:>5} {r.map50:>8.3f} {r.median_true_score:>11.2f} "
                     f"{r.max_false_score:>9.2f}")
    return lines


def write_variants(folder, out, row, label_map, seed=0):
    """Write every annotated image of ``folder`` under condition ``row`` into ``out`` (PNG + labelImg XML):
    e.g. a team's photos as if taken on another table. Returns the XML paths."""
    from tod_ros.dataset.voc import VocAnnotation, VocObject, write_voc
    from tod_ros.imageops import write_png

    rng = np.random.default_rng([seed, ROWS.index(row)])
    tables = surfaces() if row in TABLES else None
    written = []
    for s in load_samples(folder, label_map):
        img, boxes = variant(row, s, rng, tables)
        name = f"{Path(s.name).stem}.png"
        write_png(Path(out) / name, img)
        objects = [VocObject(lab, int(np.floor(b[0])), int(np.floor(b[1])), int(np.ceil(b[2])), int(np.ceil(b[3])))
                   for lab, b in zip(s.labels, boxes)]
        ann = VocAnnotation(filename=name, width=img.shape[1], height=img.shape[0], objects=objects, path=name)
        written.append(write_voc(Path(out) / f"{Path(s.name).stem}.xml", ann))
    return written
