"""Detection metrics on pixel boxes: COCO (pycocotools), VOC AP@0.5 per class, per-image errors.

Boxes are ``(xmin, ymin, xmax, ymax)`` in pixels, continuous coordinates (width = xmax - xmin),
for both the ground truth (labelImg XML values) and the detections (normalized box x image size).
No TensorFlow here.
"""
import contextlib
import io
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from tod_ros.imageops import iou
from tod_ros.detection.config import DetectorConfig

Box = Tuple[float, float, float, float]
IOU_THRESHOLD = 0.5                                  # VOC AP and the error list: a detection matches at IoU >= 0.5
DEPLOYMENT_SCORE = DetectorConfig.score_threshold    # the error list counts detections the robot would get


@dataclass(frozen=True)
class GroundTruth:
    """One annotated box. ``difficult`` boxes are neither required nor counted as errors."""

    image: str
    label: str
    box: Box
    difficult: bool = False


@dataclass(frozen=True)
class Prediction:
    """One detection of a model."""

    image: str
    label: str
    score: float
    box: Box


def _by_image(items):
    out = {}
    for it in items:
        out.setdefault(it.image, []).append(it)
    return out


# --------------------------------------------------------------------------- VOC


@dataclass
class PRCurve:
    """Precision / recall of one class over the detections sorted by decreasing score."""

    label: str
    num_gt: int
    scores: np.ndarray
    recall: np.ndarray
    precision: np.ndarray
    ap: Optional[float]      # None when the class has no (non-difficult) ground-truth box


def precision_envelope(recall, precision):
    """``(recall, precision)`` with the end points (0, 1) added and precision made non-increasing
    (the best precision at any higher recall): the curve whose area is the VOC AP."""
    mrec = np.concatenate(([0.0], np.asarray(recall, float), [1.0]))
    mpre = np.concatenate(([0.0], np.asarray(precision, float), [0.0]))
    return mrec, np.maximum.accumulate(mpre[::-1])[::-1]


def voc_ap(recall, precision):
    """Area under the precision envelope, all points (Pascal VOC 2010+ / ``use_07_metric=False``)."""
    mrec, mpre = precision_envelope(recall, precision)
    idx = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


def pr_curve(ground_truth, predictions, label, iou_threshold=IOU_THRESHOLD):
    """VOC matching of class ``label``: each detection, best score first, takes the unmatched box of
    its image with the highest IoU >= ``iou_threshold``; a second hit on a box is a false positive;
    hits on difficult boxes are ignored."""
    gts = _by_image(g for g in ground_truth if g.label == label)
    used = {img: [False] * len(boxes) for img, boxes in gts.items()}
    num_gt = sum(not g.difficult for boxes in gts.values() for g in boxes)
    preds = sorted((p for p in predictions if p.label == label), key=lambda p: -p.score)
    tp, scores = [], []
    for p in preds:
        cands = gts.get(p.image, [])
        ious = [iou(p.box, g.box) for g in cands]
        best = int(np.argmax(ious)) if ious else -1
        if best >= 0 and ious[best] >= iou_threshold:
            if cands[best].difficult:
                continue
            hit = not used[p.image][best]
            used[p.image][best] = True
        else:
            hit = False
        tp.append(hit)
        scores.append(p.score)
    ctp = np.cumsum(np.asarray(tp, float))
    cfp = np.cumsum(1.0 - np.asarray(tp, float))
    recall = ctp / num_gt if num_gt else np.zeros_like(ctp)
    precision = ctp / np.maximum(ctp + cfp, np.finfo(float).eps)
    ap = voc_ap(recall, precision) if num_gt else None
    return PRCurve(label, num_gt, np.asarray(scores, float), recall, precision, ap)


# --------------------------------------------------------------------------- COCO


COCO_KEYS = ("mAP", "mAP@0.5", "mAP@0.75", "AR@100")


def _coco_dataset(ground_truth, images, class_names):
    ids = {name: i for i, name in enumerate(sorted(images), start=1)}
    cats = {name: i for i, name in enumerate(class_names, start=1)}
    anns = []
    for n, g in enumerate(ground_truth, start=1):
        w, h = g.box[2] - g.box[0], g.box[3] - g.box[1]
        anns.append({"id": n, "image_id": ids[g.image], "category_id": cats[g.label],
                     "bbox": [g.box[0], g.box[1], w, h], "area": w * h, "iscrowd": int(g.difficult)})
    imgs = [{"id": i, "file_name": name, "width": images[name][0], "height": images[name][1]}
            for name, i in ids.items()]
    return {"images": imgs, "annotations": anns,
            "categories": [{"id": i, "name": n} for n, i in cats.items()]}, ids, cats


def coco_metrics(ground_truth, predictions, images, class_names):
    """COCO box metrics computed by pycocotools (maxDets 1/10/100).

    ``images``: {image name: (width, height)} (every evaluated image, with or without boxes).
    Returns ``{"mAP", "mAP@0.5", "mAP@0.75", "AR@100", "stats", "per_class"}``; values are None
    when there is no ground-truth box. Difficult boxes are passed as crowd regions (ignored).
    Detections whose label is not in ``class_names`` are left out.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    ground_truth = [g for g in ground_truth if g.label in class_names]
    empty = {k: None for k in COCO_KEYS}
    empty.update(stats=None, per_class={n: None for n in class_names})
    if not ground_truth or not images:
        return empty
    dataset, ids, cats = _coco_dataset(ground_truth, images, class_names)
    dets = [{"image_id": ids[p.image], "category_id": cats[p.label], "score": float(p.score),
             "bbox": [p.box[0], p.box[1], p.box[2] - p.box[0], p.box[3] - p.box[1]]}
            for p in predictions if p.label in cats and p.image in ids]
    if not dets:
        zeros = {k: 0.0 for k in COCO_KEYS}
        zeros.update(stats=[0.0] * 12, per_class={n: _zero_if_any(ground_truth, n) for n in class_names})
        return zeros
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = dataset
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(dets)
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.params.maxDets = [1, 10, 100]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    stats = [float(s) for s in ev.stats]
    out = {k: _valid(stats[i]) for k, i in zip(COCO_KEYS, (0, 1, 2, 8))}
    out["stats"] = stats
    out["per_class"] = _coco_per_class(ev, class_names)
    return out


def _zero_if_any(ground_truth, name):
    return 0.0 if any(g.label == name and not g.difficult for g in ground_truth) else None


def _valid(value):
    return None if value < 0 else value


def _coco_per_class(ev, class_names):
    """AP@[.5:.95] per class from ``ev.eval['precision']`` [T, R, K, A, M] (all areas, 100 dets)."""
    precision = ev.eval["precision"]
    out = {}
    for k, name in enumerate(class_names):
        p = precision[:, :, k, 0, -1]
        p = p[p > -1]
        out[name] = float(p.mean()) if p.size else None
    return out


# --------------------------------------------------------------------------- per-image errors


@dataclass
class ImageErrors:
    """What went wrong in one image at a deployment score threshold."""

    image: str
    correct: List[Tuple[Prediction, GroundTruth]] = field(default_factory=list)
    missed: List[GroundTruth] = field(default_factory=list)
    false_positives: List[Prediction] = field(default_factory=list)
    wrong_class: List[Tuple[Prediction, GroundTruth]] = field(default_factory=list)
    ignored: List[Prediction] = field(default_factory=list)   # hits on difficult boxes

    @property
    def count(self):
        """Number of errors (missed + false positives + wrong class)."""
        return len(self.missed) + len(self.false_positives) + len(self.wrong_class)

    def summary(self):
        """e.g. ``1 missed, 2 false positives``."""
        parts = [(len(self.missed), "missed", "missed"), (len(self.false_positives), "false positive",
                                                          "false positives"),
                 (len(self.wrong_class), "wrong class", "wrong class")]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n) or "no error"


def image_errors(image, ground_truth, predictions, iou_threshold=IOU_THRESHOLD, score_threshold=DEPLOYMENT_SCORE):
    """Match the detections of one image scoring >= ``score_threshold`` to its boxes.

    Best score first, a detection takes the unmatched box of the same class with the highest
    IoU >= ``iou_threshold`` (correct), else the unmatched box of another class with the highest
    IoU (wrong class), else it is a false positive (including a second detection of a box).
    Boxes left unmatched are missed (difficult ones excepted).
    """
    res = ImageErrors(image)
    gts = list(ground_truth)
    free = [True] * len(gts)
    for p in sorted((p for p in predictions if p.score >= score_threshold), key=lambda p: -p.score):
        ious = [iou(p.box, g.box) for g in gts]
        same = [i for i, g in enumerate(gts) if free[i] and ious[i] >= iou_threshold and g.label == p.label]
        other = [i for i, g in enumerate(gts) if free[i] and ious[i] >= iou_threshold]
        pick = max(same or other, key=lambda i: ious[i], default=None)
        if pick is None:
            res.false_positives.append(p)
            continue
        free[pick] = False
        if gts[pick].difficult:
            res.ignored.append(p)
        elif gts[pick].label == p.label:
            res.correct.append((p, gts[pick]))
        else:
            res.wrong_class.append((p, gts[pick]))
    res.missed = [g for i, g in enumerate(gts) if free[i] and not g.difficult]
    return res


def all_image_errors(ground_truth, predictions, images, iou_threshold=IOU_THRESHOLD,
                     score_threshold=DEPLOYMENT_SCORE):
    """:class:`ImageErrors` of every image in ``images`` (in that order)."""
    gts, preds = _by_image(ground_truth), _by_image(predictions)
    return [image_errors(img, gts.get(img, []), preds.get(img, []), iou_threshold, score_threshold)
            for img in images]


def worst_images(errors, count=10):
    """The ``count`` images with the most errors (ties: by name); images without error are left out."""
    bad = [e for e in errors if e.count]
    return sorted(bad, key=lambda e: (-e.count, e.image))[:count]


# --------------------------------------------------------------------------- everything


@dataclass
class EvalResult:
    """All metrics of one evaluation."""

    coco: Dict
    curves: Dict[str, PRCurve]
    errors: List[ImageErrors]
    num_images: int
    num_ground_truth: int
    num_predictions: int

    @property
    def per_class(self):
        """VOC AP@0.5 per class name (None for a class without ground-truth box)."""
        return {name: c.ap for name, c in self.curves.items()}

    def error_totals(self):
        """Totals over all images: correct, missed, false_positives, wrong_class."""
        return {"correct": sum(len(e.correct) for e in self.errors),
                "missed": sum(len(e.missed) for e in self.errors),
                "false_positives": sum(len(e.false_positives) for e in self.errors),
                "wrong_class": sum(len(e.wrong_class) for e in self.errors)}


def evaluate(ground_truth, predictions, images, class_names, iou_threshold=IOU_THRESHOLD,
             error_score=DEPLOYMENT_SCORE):
    """COCO metrics, VOC PR curves and AP@``iou_threshold`` per class, per-image errors at ``error_score``.

    ``images``: {image name: (width, height)}, every evaluated image in report order.
    """
    ground_truth, predictions = list(ground_truth), list(predictions)
    return EvalResult(
        coco=coco_metrics(ground_truth, predictions, images, class_names),
        curves={n: pr_curve(ground_truth, predictions, n, iou_threshold) for n in class_names},
        errors=all_image_errors(ground_truth, predictions, list(images), iou_threshold, error_score),
        num_images=len(images), num_ground_truth=len(ground_truth), num_predictions=len(predictions))
