"""From a model's raw outputs to the detections a client gets: pure numpy, no TensorFlow.

The raw outputs are decoded into :class:`Detection` objects (best score first), then go through
the stages of :func:`stages`, in order: the score threshold, the class filter, the
``max_detections`` best, the sort. Filtering comes before the cap, so a frame with many boxes of
an unwanted class still returns the wanted ones.
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from tod_ros.detection.config import DetectorConfig
from tod_ros.errors import TodError


@dataclass(frozen=True)
class Detection:
    """One detected object."""

    label: str
    class_id: int
    score: float
    box: Tuple[float, float, float, float]      # normalized [ymin, xmin, ymax, xmax]
    box_px: Tuple[float, float, float, float]   # pixels [xmin, ymin, xmax, ymax]

    @property
    def center_x(self):
        """Horizontal center in pixels."""
        return (self.box_px[0] + self.box_px[2]) / 2.0

    @property
    def center_y(self):
        """Vertical center in pixels."""
        return (self.box_px[1] + self.box_px[3]) / 2.0


def sort_detections(detections, how="x"):
    """Detections ordered left to right (``x``), by decreasing score (``score``) or unchanged."""
    if how == "x":
        return sorted(detections, key=lambda d: (d.center_x, d.center_y))
    if how == "score":
        return sorted(detections, key=lambda d: -d.score)
    return list(detections)


def _name(label_map, class_id):
    if label_map is None:
        return str(class_id)
    try:
        return label_map.name_of(class_id)
    except TodError:
        return f"class_{class_id}"


def decode(boxes, scores, classes, num, width, height, label_map=None):
    """Raw detector outputs (batch dimension removed) -> every :class:`Detection`, best score first.

    Boxes are clipped into the image; ``num`` (when given) bounds how many outputs are real.
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    classes = np.asarray(classes).reshape(-1)
    n = min(len(scores), len(boxes), len(classes))
    if num is not None:
        n = min(n, int(np.asarray(num).reshape(-1)[0]))
    out = []
    for i in np.argsort(-scores[:n], kind="stable"):
        ymin, xmin, ymax, xmax = (float(np.clip(v, 0.0, 1.0)) for v in boxes[i])
        class_id = int(round(float(classes[i])))
        out.append(Detection(label=_name(label_map, class_id), class_id=class_id, score=float(scores[i]),
                             box=(ymin, xmin, ymax, xmax),
                             box_px=(xmin * width, ymin * height, xmax * width, ymax * height)))
    return out


def stages(score_threshold, class_names=(), max_detections=DetectorConfig.max_detections,
           sort=DetectorConfig.sort):
    """The detector's stages after decoding, in order; each maps a list of detections to another."""
    return (
        lambda dets: [d for d in dets if d.score >= score_threshold],
        lambda dets: [d for d in dets if d.label in class_names] if class_names else dets,
        lambda dets: dets[:max_detections],
        lambda dets: sort_detections(dets, sort),
    )


def run_stages(detections, pipeline):
    """``detections`` through every stage of ``pipeline``."""
    for stage in pipeline:
        detections = stage(detections)
    return detections


def postprocess(boxes, scores, classes, num, width, height, label_map=None,
                score_threshold=DetectorConfig.score_threshold, max_detections=DetectorConfig.max_detections,
                sort=DetectorConfig.sort, keep_labels=()):
    """Raw detector outputs -> the ``max_detections`` best scores >= ``score_threshold`` (of the label
    names in ``keep_labels`` when given), sorted: :func:`decode` then :func:`stages`."""
    return run_stages(decode(boxes, scores, classes, num, width, height, label_map),
                      stages(score_threshold, tuple(keep_labels), max_detections, sort))


def draw_detections(bgr, detections):
    """A copy of ``bgr`` with boxes and ``label score`` drawn (for the annotated topic)."""
    from tod_ros.imageops import draw_boxes

    return draw_boxes(bgr, [d.box_px for d in detections], [f"{d.label} {d.score:.2f}" for d in detections],
                      colors=[(0, 255, 0)] * len(detections))
