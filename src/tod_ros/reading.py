"""The second stage of an exported model: a reader that gives each detected cube its label.

A detector trained on upright digits mixes up a `2` without a loop and a `1` with flag and base
once the cube lies turned: at any angle the two share their strokes (docs/quality.md). The reader
looks at each box alone: it finds the cube's face (the largest bright region of the crop), turns the
crop so that the face's edges are axis-aligned (the angle of its minimum-area rectangle, modulo 90
degrees), cuts a PATCH x PATCH grey patch of the face and reads it with a small CNN trained on such
patches and their four quarter turns. So it only tells digits apart at 0, 90, 180 and 270 degrees,
and a box's reading is the mean of its patch's four quarter turns: which quarter turn the face lands
in does not change it.

An exported model folder may hold it beside the detector::

    <model_dir>/reader.tflite   input float32 [N, PATCH, PATCH, 1] in [0, 1]; output [N, len(labels)] probabilities
    <model_dir>/reader.json     {"labels": [...], "patch": PATCH, "margin": pixels around a box}

:class:`Reader` runs it (TFLite; no TensorFlow import with LiteRT); :func:`upright_patch` is pure
OpenCV + numpy. Library code: no rospy.
"""
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Tuple

import numpy as np

from tod_ros import filenames
from tod_ros.errors import TodError
from tod_ros.imageops import iou

PATCH = 64              # pixels of a patch side
MARGIN = 8              # pixels added around a detected box before the face is looked for
MIN_FACE = 50           # pixels: a smaller bright region is no face
OVERLAP_IOU = 0.5       # a relabelled box overlapping a better one of the same label by more is dropped


def face_mask(crop, shrink=0.0):
    """Boolean mask of the cube's face in a BGR ``crop``: the convex hull of the largest bright region
    (Otsu threshold), eroded by ``shrink`` of the crop's shorter side (at least 3 pixels)."""
    import cv2

    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, bright = cv2.threshold(cv2.GaussianBlur(grey, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright)
    if n < 2:
        return np.zeros(grey.shape, bool)
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    hull = cv2.convexHull(_outline((labels == biggest).astype(np.uint8)))
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(mask, hull, 255)
    k = max(3, int(shrink * min(grey.shape)) | 1)
    return cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0


def _outline(region):
    """The boundary pixels (x, y) of the nonzero pixels of the uint8 image ``region``: the same convex
    hull, and so the same minimum-area rectangle, as all the region's pixels, at a fraction of them."""
    import cv2

    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return np.concatenate(contours).reshape(-1, 2)


def upright_patch(crop, size=PATCH):
    """``size`` x ``size`` float32 grey patch in [0, 1] of the cube face in a BGR ``crop``, turned so that
    the face's edges are axis-aligned and contrast-stretched; None when no face is found."""
    import cv2

    mask = face_mask(crop)
    if mask.sum() < MIN_FACE or mask.all():
        return None
    (cx, cy), (w, h), angle = cv2.minAreaRect(_outline(mask.astype(np.uint8)).astype(np.float32))
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    turned = cv2.warpAffine(grey, cv2.getRotationMatrix2D((cx, cy), angle, 1.0), (grey.shape[1], grey.shape[0]),
                            borderMode=cv2.BORDER_REPLICATE)
    side = max(w, h)
    x0, y0 = int(cx - side / 2), int(cy - side / 2)
    patch = turned[max(y0, 0):int(y0 + side), max(x0, 0):int(x0 + side)]
    if min(patch.shape) < 4:
        return None
    patch = cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    lo, hi = np.percentile(patch, 2), np.percentile(patch, 98)
    return np.clip((patch - lo) / max(hi - lo, 1.0), 0, 1)


def box_window(box, margin, shape):
    """Index of the pixel box (xmin, ymin, xmax, ymax) grown by ``margin``, clipped to an image of ``shape``."""
    h, w = shape[:2]
    x0, y0 = max(int(box[0]) - margin, 0), max(int(box[1]) - margin, 0)
    x1, y1 = min(int(box[2]) + margin, w), min(int(box[3]) + margin, h)
    return slice(y0, y1), slice(x0, x1)


def drop_overlaps(detections, threshold=OVERLAP_IOU):
    """``detections`` (best score first) without those overlapping a better one of the same label."""
    kept = []
    for d in sorted(detections, key=lambda d: -d.score):
        if all(k.label != d.label or iou(k.box_px, d.box_px) <= threshold for k in kept):
            kept.append(d)
    return kept


@dataclass(frozen=True)
class ReaderInfo:
    """What ``reader.json`` says of a reader."""

    labels: Tuple[str, ...]
    patch: int = PATCH
    margin: int = MARGIN

    def to_json(self):
        """The text of ``reader.json``."""
        return json.dumps({"labels": list(self.labels), "patch": self.patch, "margin": self.margin}, indent=2) + "\n"

    @classmethod
    def read(cls, path):
        """The ReaderInfo of ``path``; TodError naming the file when it is not one."""
        try:
            data = json.loads(Path(path).read_text())
            info = cls(tuple(str(n) for n in data["labels"]), int(data.get("patch", PATCH)),
                       int(data.get("margin", MARGIN)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TodError(f"{path}: not a reader description ({type(exc).__name__}: {exc})") from None
        if len(info.labels) < 2 or info.patch < 8 or info.margin < 0:
            raise TodError(f"{path}: a reader needs >= 2 labels, patch >= 8 and margin >= 0")
        return info


def reader_files(model_dir):
    """(reader.tflite, reader.json) paths of a model folder."""
    model_dir = Path(model_dir).expanduser()
    return model_dir / filenames.READER_TFLITE, model_dir / filenames.READER_INFO


def has_reader(model_dir):
    """True when ``model_dir`` holds a reader (both of its files)."""
    return all(p.is_file() for p in reader_files(model_dir))


def reader_of(model_dir, label_names, num_threads=2):
    """The :class:`Reader` of a model folder, or None when it has none; TodError when it cannot be
    loaded or reads other labels than ``label_names`` (the model's)."""
    if not has_reader(model_dir):
        return None
    reader = Reader(model_dir, num_threads)
    reader.check_labels(label_names, model_dir)
    return reader


class Reader:
    """The reader of a model folder: ``relabel(bgr, detections, label_map) -> detections``. Not thread-safe
    (the :class:`tod_ros.inference.Detector` calls it under its lock)."""

    def __init__(self, model_dir, num_threads=2):
        from tod_ros.inference import tflite_interpreter

        path, meta = reader_files(model_dir)
        self.info = ReaderInfo.read(meta)
        try:
            self._interp = tflite_interpreter(str(path), num_threads)
        except Exception as exc:  # LiteRT raises ValueError/RuntimeError for broken files
            raise TodError(f"{path}: cannot load the reader ({type(exc).__name__}: {exc})") from exc
        self._in = self._interp.get_input_details()[0]
        self._out = self._interp.get_output_details()[0]
        want = [self.info.patch, self.info.patch, 1]
        if list(self._in["shape"])[1:] != want or int(self._out["shape"][-1]) != len(self.info.labels):
            raise TodError(f"{path}: input {list(self._in['shape'])} / output {list(self._out['shape'])} do not fit "
                           f"{meta.name} (input [N, {', '.join(map(str, want))}], {len(self.info.labels)} labels)")
        self._batch = 1
        try:
            self._fit_batch(4)      # a patch's four quarter turns
        except Exception as exc:
            raise TodError(f"{path}: the reader's input cannot take 4 patches at once ({exc})") from exc

    def _fit_batch(self, n):
        if n != self._batch:
            self._interp.resize_tensor_input(self._in["index"], [n, self.info.patch, self.info.patch, 1])
            self._interp.allocate_tensors()
            self._batch = n

    def check_labels(self, label_names, where):
        """Raise TodError when the reader's labels are not exactly the model's."""
        if set(self.info.labels) != set(label_names):
            raise TodError(f"{where}: the reader reads {', '.join(self.info.labels)} but the model's label map has "
                           f"{', '.join(label_names)}: remove {filenames.READER_TFLITE} or set ~reader false")

    def read(self, patch):
        """(label, probability) of one patch: the mean of the reader's outputs on its four quarter turns."""
        return self.read_all([patch])[0]

    def read_all(self, patches):
        """:meth:`read` of each of ``patches``, in one run of the model."""
        if not patches:
            return []
        turns = np.stack([np.rot90(p, k) for p in patches for k in range(4)])[..., None].astype(np.float32)
        self._fit_batch(len(turns))
        self._interp.set_tensor(self._in["index"], turns)
        self._interp.invoke()
        probs = self._interp.get_tensor(self._out["index"]).reshape(len(patches), 4, -1).mean(axis=1)
        return [(self.info.labels[int(np.argmax(q))], float(np.max(q))) for q in probs]

    def relabel(self, bgr, detections, label_map):
        """``detections`` with each label read from its box's crop. A box the reader reads as the detector
        did keeps its score; one it reads otherwise gets the detector's score x the reader's probability
        (a cube both stages agree on is never lost to the threshold because the reader was unsure). A box
        with no face found keeps the detector's reading. Overlapping boxes that now share a label keep
        the best one (:func:`drop_overlaps`)."""
        patches = [upright_patch(bgr[box_window(d.box_px, self.info.margin, bgr.shape)], self.info.patch)
                   for d in detections]
        readings = iter(self.read_all([p for p in patches if p is not None]))
        out = []
        for d, patch in zip(detections, patches):
            label, prob = next(readings) if patch is not None else (d.label, 1.0)
            if label != d.label:
                d = replace(d, label=label, class_id=label_map.id_of(label), score=d.score * prob)
            out.append(d)
        return drop_overlaps(out)
