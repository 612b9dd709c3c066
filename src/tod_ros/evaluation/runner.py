"""``tod eval``: run an exported model on a folder of images + labelImg XML and report its accuracy.

Outputs: a JSON file of metrics (``mAP``, ``mAP@0.5``, ``mAP@0.75``, ``AR@100``, ``per_class``, ...),
one precision-recall PNG per class and annotated copies of the worst images in an output folder.
"""
import dataclasses
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from tod_ros.dataset.split import MIN_TEST_BOXES
from tod_ros.detection.config import DetectorConfig
from tod_ros.errors import TodError, ValidationError
from tod_ros.evaluation.metrics import COCO_KEYS, IOU_THRESHOLD, GroundTruth, Prediction, evaluate, worst_images
from tod_ros.fileio import atomic_write

COCO_MAX_DETECTIONS = 100       # detections per image the metrics see, as COCO's maxDets


def eval_detector():
    """The detector settings of ``tod eval``: the node's, at most COCO's 100 detections, best first."""
    return dataclasses.replace(DetectorConfig(), max_detections=COCO_MAX_DETECTIONS, sort="score")


@dataclass
class EvalConfig:
    """Settings of ``tod eval``. ``detector`` is the model and the detector's settings: its
    ``score_threshold`` (the deployment threshold) is where the error list and the worst images
    are counted; the metrics see every detection down to ``metrics_min_score``, so the mAP does not
    depend on the deployment threshold."""

    images: str = ""
    detector: DetectorConfig = field(default_factory=eval_detector)
    metrics_min_score: float = 0.01     # detections kept for the metrics (the low end of the PR curves)
    iou_threshold: float = IOU_THRESHOLD    # VOC AP and the error list
    worst: int = 10                 # annotated worst images written

    def validate(self):
        """Raise TodError for unusable settings."""
        if not 0.0 <= self.metrics_min_score <= 1.0:
            raise TodError(f"--metrics-min-score must be in [0, 1], got {self.metrics_min_score:g}")
        if not 0.0 < self.iou_threshold <= 1.0:
            raise TodError(f"--iou must be in (0, 1], got {self.iou_threshold}")
        if self.worst < 0:
            raise TodError(f"--worst must be >= 0, got {self.worst}")
        return self

    def collecting(self):
        """The detector settings the metrics are collected with (down to ``metrics_min_score``)."""
        return dataclasses.replace(self.detector, score_threshold=min(self.metrics_min_score,
                                                                      self.detector.score_threshold))


def load_ground_truth(folder, label_map):
    """Validated annotations of the XML files in ``folder`` (images found, labels in ``label_map``)."""
    from tod_ros.dataset.validate import validate_annotations
    from tod_ros.dataset.voc import read_folder

    folder = Path(folder)
    anns = read_folder(folder)
    if not anns:
        raise TodError(f"{folder}: no labelImg XML file: nothing to evaluate (give a folder of images + XML, "
                       "e.g. images/<project>/test)")
    clean, problems, _ = validate_annotations(anns, label_map, source=str(folder))
    if problems:
        raise ValidationError(problems, header=f"{folder}: cannot evaluate on these annotations")
    return clean


def ground_truth_of(annotations):
    """``(images {name: (w, h)}, [GroundTruth])`` of validated annotations (image names as keys)."""
    images, gts = {}, []
    for a in annotations:
        name = Path(a.image_path).name
        images[name] = (a.width, a.height)
        gts += [GroundTruth(name, o.name, (o.xmin, o.ymin, o.xmax, o.ymax), o.difficult) for o in a.objects]
    return images, gts


def predict(detector, annotations, progress=None):
    """:class:`Prediction` list of ``detector`` on the images of ``annotations``; seconds per image."""
    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.dataset.imagesize import read_image
    from tod_ros.progress import bar

    preds, start, limits = [], time.perf_counter(), ImageLimits.of(detector.cfg)
    for i, a in enumerate(bar(annotations, desc="eval", unit="image"), start=1):
        name = Path(a.image_path).name
        bgr = read_image(a.image_path, limits)
        preds += [Prediction(name, d.label, d.score, tuple(d.box_px)) for d in detector.detect(bgr)]
        if progress:
            progress(i, len(annotations))
    return preds, (time.perf_counter() - start) / max(1, len(annotations))


def _round(value, digits=4):
    return None if value is None else round(float(value), digits)


def metrics_dict(result, cfg, extra=None):
    """The JSON document of an :class:`~.metrics.EvalResult`."""
    doc = {k: _round(result.coco[k]) for k in COCO_KEYS}
    doc["per_class"] = {k: _round(v) for k, v in result.per_class.items()}
    doc["per_class_coco_mAP"] = {k: _round(v) for k, v in result.coco["per_class"].items()}
    doc["coco_stats"] = None if result.coco["stats"] is None else [_round(s) for s in result.coco["stats"]]
    doc.update(num_images=result.num_images, num_ground_truth=result.num_ground_truth,
               num_detections=result.num_predictions, metrics_min_score=cfg.metrics_min_score,
               max_detections=cfg.detector.max_detections, iou_threshold=cfg.iou_threshold,
               errors=dict(score_threshold=cfg.detector.score_threshold, **result.error_totals()))
    doc.update(extra or {})
    return doc


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def write_pictures(result, annotations, out_dir, worst=10):
    """PR curve PNGs and annotated worst images in ``out_dir``; returns (curves {label: path}, worst list)."""
    from tod_ros.dataset.imagesize import read_image
    from tod_ros.evaluation.plots import plot_pr_curve, write_error_image

    out_dir = Path(out_dir)
    for old in (out_dir / "worst").glob("*.png"):     # pictures of an earlier run in this folder
        old.unlink()
    curves = {label: str(plot_pr_curve(c, out_dir / f"pr_{_safe(label)}.png")) for label, c in result.curves.items()}
    paths = {Path(a.image_path).name: a.image_path for a in annotations}
    listed = []
    for rank, e in enumerate(worst_images(result.errors, worst), start=1):
        png = out_dir / "worst" / f"{rank:02d}_{Path(_safe(e.image)).stem}.png"
        write_error_image(read_image(paths[e.image]), e, png)
        listed.append({"image": str(paths[e.image]), "errors": e.count, "missed": len(e.missed),
                       "false_positives": len(e.false_positives), "wrong_class": len(e.wrong_class),
                       "summary": e.summary(), "annotated": str(png)})
    return curves, listed


def default_out_dir(json_path):
    """Pictures go next to the JSON: ``<dir>/<json stem>/``."""
    json_path = Path(json_path)
    return json_path.parent / json_path.stem


def run_eval(cfg, json_path, out_dir=None, log=print, project=None):
    """Evaluate, print the table, write JSON + pictures; returns the JSON document.

    ``project`` (a :class:`tod_ros.workspace.Project`) supplies a label map when the model has none.
    """
    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.detection import find_model, open_detector
    from tod_ros.progress import stage

    found = find_model(cfg.validate().collecting(), project)
    model_dir, lm_path = found.model_dir, found.label_map
    label_map = read_label_map(lm_path)
    annotations = load_ground_truth(cfg.images, label_map)
    images, gts = ground_truth_of(annotations)
    with stage("model loading"):
        detector = open_detector(found, find=False)
    log(f"model {model_dir} ({detector.backend_name}, loaded in {detector.load_seconds:.1f} s), "
        f"{len(annotations)} images from {cfg.images}")
    with stage("detection"):
        preds, per_image = predict(detector, annotations)
    with stage("metrics and pictures"):
        result = evaluate(gts, preds, images, label_map.names, cfg.iou_threshold, cfg.detector.score_threshold)
        out_dir = Path(out_dir) if out_dir else default_out_dir(json_path)
        curves, listed = write_pictures(result, annotations, out_dir, cfg.worst)
    doc = metrics_dict(result, cfg, {
        "model": str(model_dir), "backend": detector.backend_name, "label_map": str(lm_path),
        "images": str(cfg.images), "seconds_per_image": round(per_image, 4),
        "pr_curves": curves, "worst_images": listed, "out_dir": str(out_dir)})
    with atomic_write(json_path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    for line in format_table(doc, result):
        log(line)
    log(f"metrics: {json_path}")
    return doc


def _fmt(value):
    return "  n/a" if value is None else f"{value:.3f}"


def format_table(doc, result):
    """Printable lines: COCO metrics, VOC AP per class, error totals and the worst images."""
    lines = [f"{doc['num_images']} images, {doc['num_ground_truth']} boxes, {doc['num_detections']} detections "
             f"(score >= {doc['metrics_min_score']}, <= {doc['max_detections']} per image)",
             "COCO (pycocotools)",
             f"  mAP@[.5:.95]  {_fmt(doc['mAP'])}",
             f"  mAP@0.5       {_fmt(doc['mAP@0.5'])}",
             f"  mAP@0.75      {_fmt(doc['mAP@0.75'])}",
             f"  AR@100        {_fmt(doc['AR@100'])}",
             f"per class       {'boxes':>6} {'dets':>6}  {'VOC AP@' + str(doc['iou_threshold']):>11}  "
             f"{'COCO mAP':>8}  PR curve"]
    for name, c in result.curves.items():
        lines.append(f"  {name:<14}{c.num_gt:>6} {len(c.scores):>6}  {_fmt(c.ap):>11}  "
                     f"{_fmt(doc['per_class_coco_mAP'].get(name)):>8}  {doc['pr_curves'].get(name, '')}")
    e = doc["errors"]
    lines.append(f"at score >= {e['score_threshold']} (IoU {doc['iou_threshold']}): {e['correct']} correct, "
                 f"{e['missed']} missed, {e['false_positives']} false positive(s), {e['wrong_class']} wrong class")
    if doc["worst_images"]:
        lines.append(f"worst images (annotated copies in {Path(doc['out_dir']) / 'worst'}):")
        lines += [f"  {Path(w['image']).name}: {w['summary']}" for w in doc["worst_images"]]
    else:
        lines.append("no error at this threshold: no worst image written")
    caution = small_sample_caution(doc["num_ground_truth"], doc["num_images"])
    return lines + ([caution] if caution else [])


def small_sample_caution(boxes, images, min_boxes=MIN_TEST_BOXES):
    """The caution line for an evaluation on fewer than ``min_boxes`` boxes, else None."""
    if boxes >= min_boxes:
        return None
    return (f"caution: these figures rest on {boxes} box(es) in {images} image(s), fewer than {min_boxes}: "
            f"one box more or less moves them by up to {1 / max(boxes, 1):.0%}; annotate more test images "
            f"(tod split keeps at least {min_boxes} boxes in test/)")
