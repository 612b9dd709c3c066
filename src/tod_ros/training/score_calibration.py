"""Score calibration at export: a fitted logistic map of the detector's raw scores.

A RetinaNet trained with focal loss gives a clean, correct cube about 0.8, and an image's true and
false detections overlap less than their raw scores suggest. At export, the model is run on held-out
annotated images (the project's test records, and the start checkpoint's held-out synthetic images,
:data:`tod_ros.filenames.HELDOUT_RECORD`); every detection above the pre-NMS threshold is a
positive when it finds an unmatched box of its class at IoU >= 0.5, else a negative; a logistic
regression of that outcome on the raw score's logit gives ``(a, b)``:

    score = sigmoid(a * logit(raw) + b)       (a > 0: the order of the detections never changes)

so that a score reads as the chance that the detection is right, as measured on those images.
The map is inside the exported SavedModel and TFLite models (:func:`apply`): any client gets the
calibrated scores. Pure numpy here; :func:`apply` builds TensorFlow ops.
"""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write
from tod_ros.imageops import iou

EPS = 1e-6
MIN_OUTCOMES = 8        # fewer positives or negatives than this: no fit, the identity map is kept
IOU_MATCH = 0.5


@dataclass
class Calibration:
    """``score = sigmoid(a * logit(raw) + b)``, and what it was fitted on."""

    a: float = 1.0
    b: float = 0.0
    positives: int = 0
    negatives: int = 0
    images: int = 0
    source: str = "identity"
    median_true_raw: Optional[float] = None     # of the fitted images' correct detections, before and after
    median_true: Optional[float] = None
    max_false: Optional[float] = None           # the highest calibrated score of a wrong detection there

    def map(self, raw):
        """Calibrated scores of raw scores (numpy)."""
        raw = np.clip(np.asarray(raw, np.float64), EPS, 1 - EPS)
        return 1.0 / (1.0 + np.exp(-(self.a * np.log(raw / (1 - raw)) + self.b)))

    def summary(self):
        """One line for logs."""
        if self.source == "identity":
            return "scores not calibrated (raw detector scores)"
        return (f"scores calibrated on {self.images} held-out images ({self.source}; {self.positives} true, "
                f"{self.negatives} false detections): median true {self.median_true_raw:.2f} -> "
                f"{self.median_true:.2f}, highest false {self.max_false:.2f}")


def outcomes(detections, truths):
    """``(raw scores, is_correct)`` over images: each a list of ``(label, score, box)`` / ``(label, box)``.

    Greedy by score, as VOC matching: a detection is correct when an unmatched true box of its label
    overlaps it at IoU >= 0.5.
    """
    scores, correct = [], []
    for dets, gts in zip(detections, truths):
        used = [False] * len(gts)
        for label, score, box in sorted(dets, key=lambda d: -d[1]):
            best, best_iou = -1, IOU_MATCH
            for j, (gl, gbox) in enumerate(gts):
                overlap = iou(box, gbox)
                if not used[j] and gl == label and overlap >= best_iou:
                    best, best_iou = j, overlap
            if best >= 0:
                used[best] = True
            scores.append(score)
            correct.append(best >= 0)
    return np.asarray(scores, np.float64), np.asarray(correct, bool)


def fit(scores, correct, images=0, source=""):
    """The :class:`Calibration` of raw ``scores`` whose outcomes are ``correct`` (logistic regression, Newton)."""
    scores, correct = np.asarray(scores, np.float64), np.asarray(correct, bool)
    pos, neg = int(correct.sum()), int((~correct).sum())
    if pos < MIN_OUTCOMES or neg < MIN_OUTCOMES:
        return Calibration(positives=pos, negatives=neg, images=images)
    x = np.log(np.clip(scores, EPS, 1 - EPS) / (1 - np.clip(scores, EPS, 1 - EPS)))
    y = correct.astype(np.float64)
    w = np.array([1.0, 0.0])
    design = np.stack([x, np.ones_like(x)], 1)
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) + 1e-3 * w
        hess = design.T @ (design * (p * (1 - p))[:, None]) + 1e-3 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    if not np.all(np.isfinite(w)) or w[0] <= 0:
        return Calibration(positives=pos, negatives=neg, images=images)
    cal = Calibration(a=float(w[0]), b=float(w[1]), positives=pos, negatives=neg, images=images, source=source)
    cal.median_true_raw = float(np.median(scores[correct]))
    cal.median_true = float(np.median(cal.map(scores[correct])))
    cal.max_false = float(cal.map(scores[~correct]).max())
    return cal


def apply(tf, scores, cal):
    """TensorFlow ops: ``scores`` (padding zeros stay zero) mapped by ``cal``."""
    if cal is None or cal.source == "identity":
        return scores
    raw = tf.clip_by_value(scores, EPS, 1 - EPS)
    mapped = tf.sigmoid(cal.a * (tf.math.log(raw) - tf.math.log(1 - raw)) + cal.b)
    return mapped * tf.cast(scores > 0, scores.dtype)


def save(cal, path):
    """Write ``cal`` as JSON (atomically)."""
    with atomic_write(path) as fh:
        json.dump(asdict(cal), fh, indent=2)
        fh.write("\n")
    return Path(path)


def load(path):
    """The :class:`Calibration` of a JSON file written by :func:`save`."""
    try:
        doc = json.loads(Path(path).read_text())
        cal = Calibration(**doc)
    except (OSError, ValueError, TypeError) as exc:
        raise TodError(f"{path}: not a score calibration ({exc})") from None
    if not (np.isfinite(cal.a) and cal.a > 0 and np.isfinite(cal.b)):
        raise TodError(f"{path}: calibration needs a > 0 and a finite b, got a={cal.a}, b={cal.b}")
    return cal


def calibration_records(config, model_dir, explicit=""):
    """Record files to calibrate on: ``explicit`` (comma-separated), else the model's ``eval_records``
    that exist and the held-out synthetic images of the checkpoint it started from (or of itself)."""
    from tod_ros.filenames import HELDOUT_RECORD
    from tod_ros.training.start import checkpoint_folder

    if explicit:
        return [p for p in (s.strip() for s in explicit.split(",")) if p]
    found = [p for p in config.eval_records if Path(p).expanduser().is_file()]
    for folder in [Path(model_dir)] + ([checkpoint_folder(config.fine_tune_checkpoint)]
                                       if config.fine_tune_checkpoint else []):
        if (folder / HELDOUT_RECORD).is_file():
            found.append(str(folder / HELDOUT_RECORD))
            break
    return found


def measure(detect, records, max_images=300):
    """Run ``detect(rgb uint8) -> [(label id, raw score, pixel box)]`` on the images of ``records``:
    ``(detections, truths, images)`` for :func:`outcomes`."""
    import cv2

    from tod_ros.dataset.tfrecord import example_image, read_examples

    detections, truths = [], []
    for path in records:
        for i, e in enumerate(read_examples(path)):
            if len(truths) >= max_images:
                break
            bgr, boxes = example_image(e, f"{path}: example {i}")
            truths.append(list(zip(e["class_label"], boxes)))
            detections.append(detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    return detections, truths, len(truths)


def calibrate(detect, records, max_images=300):
    """The :class:`Calibration` of ``detect`` fitted on ``records`` (identity when there are none)."""
    if not records:
        return Calibration()
    dets, truths, images = measure(detect, records, max_images)
    scores, correct = outcomes(dets, truths)
    return fit(scores, correct, images, source=", ".join(Path(r).name for r in records))
