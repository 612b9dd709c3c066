"""Pure parts of tod_ros.detection: post-processing, sorting, config, signature checks (no TensorFlow)."""
import subprocess
import sys

import numpy as np
import pytest

from dataset_helpers import cubes_label_map
from tod_ros.errors import TodError
from tod_ros.detection import DetectorConfig, draw_detections, sort_detections
from tod_ros.detection.backends import check_signature
from tod_ros.detection.postprocess import postprocess
from tod_ros.imaging import check_bgr

LABELS = cubes_label_map()


def raw(*dets):
    """(boxes, scores, classes) arrays from (ymin, xmin, ymax, xmax, score, class) tuples."""
    arr = np.array(dets, np.float32).reshape(-1, 6)
    return arr[:, :4], arr[:, 4], arr[:, 5]


def test_postprocess_threshold_max_and_left_to_right():
    boxes, scores, classes = raw((0.1, 0.6, 0.3, 0.8, 0.9, 2), (0.1, 0.1, 0.3, 0.3, 0.8, 1),
                                (0.5, 0.4, 0.7, 0.5, 0.4, 1), (0.1, 0.3, 0.2, 0.4, 0.7, 2))
    dets = postprocess(boxes, scores, classes, None, 640, 480, LABELS, score_threshold=0.5, max_detections=4)
    assert [d.label for d in dets] == ["one", "two", "two"]
    assert [d.class_id for d in dets] == [1, 2, 2]
    first = dets[0]
    assert first.box == pytest.approx((0.1, 0.1, 0.3, 0.3))
    assert first.box_px == pytest.approx((64, 48, 192, 144))
    assert (first.center_x, first.center_y) == pytest.approx((128, 96))
    top2 = postprocess(boxes, scores, classes, None, 640, 480, LABELS, 0.5, max_detections=2)
    assert sorted(d.score for d in top2) == pytest.approx([0.8, 0.9]), "max_detections keeps the best scores"


def test_classes_filter_comes_before_the_max_detections_cap():
    """``classes=two, max_detections=1`` on [one 0.9, two 0.8, two 0.7]: the best ``two``, not nothing."""
    cfg = DetectorConfig(classes="two", max_detections=1)
    boxes, scores, classes = raw((0.1, 0.1, 0.3, 0.3, 0.9, 1), (0.1, 0.4, 0.3, 0.6, 0.8, 2),
                                (0.1, 0.7, 0.3, 0.9, 0.7, 2))
    dets = postprocess(boxes, scores, classes, None, 640, 480, LABELS, cfg.score_threshold, cfg.max_detections,
                       cfg.sort, cfg.class_names())
    assert [(d.label, d.score) for d in dets] == [("two", pytest.approx(0.8))]


def test_postprocess_honours_num_detections_and_clips():
    boxes, scores, classes = raw((-0.1, -0.2, 0.5, 1.3, 0.9, 1), (0.1, 0.1, 0.3, 0.3, 0.95, 2))
    dets = postprocess(boxes, scores, classes, np.array([1.0]), 100, 100, LABELS, 0.5, 4)
    assert len(dets) == 1
    assert dets[0].box == pytest.approx((0.0, 0.0, 0.5, 1.0))


def test_unknown_class_id_gets_a_placeholder_name():
    boxes, scores, classes = raw((0.1, 0.1, 0.3, 0.3, 0.9, 7))
    assert postprocess(boxes, scores, classes, None, 10, 10, LABELS)[0].label == "class_7"


def test_sort_orders():
    boxes, scores, classes = raw((0, 0.5, 0.1, 0.6, 0.6, 1), (0, 0.1, 0.1, 0.2, 0.9, 2))
    dets = postprocess(boxes, scores, classes, None, 100, 100, LABELS, sort="none")
    assert [d.score for d in sort_detections(dets, "score")] == pytest.approx([0.9, 0.6])
    assert [d.center_x for d in sort_detections(dets, "x")] == pytest.approx([15, 55])


def test_check_signature_names_what_is_missing():
    check_signature("m", {"input_tensor": ("uint8", 4)}, ["detection_boxes", "detection_scores",
                                                          "detection_classes", "num_detections"])
    with pytest.raises(TodError) as err:
        check_signature("m", {"input_tensor": ("uint8", 4)}, ["boxes", "detection_scores"])
    assert "missing output(s) detection_boxes, detection_classes" in str(err.value)
    assert "has: boxes, detection_scores" in str(err.value)
    with pytest.raises(TodError, match="expected 1 image input"):
        check_signature("m", {"a": ("uint8", 4), "b": ("uint8", 4)}, ["detection_boxes"])
    with pytest.raises(TodError, match="input 'images' is string of rank 1"):
        check_signature("m", {"images": ("string", 1)}, ["detection_boxes", "detection_scores", "detection_classes"])


def test_config_validation_and_defaults(tmp_path):
    cfg = DetectorConfig(model_dir=str(tmp_path)).validate()
    assert (cfg.score_threshold, cfg.max_detections, cfg.sort) == (0.5, 4, "x")
    assert cfg.label_map_path() == tmp_path / "label_map.pbtxt"
    assert cfg.resolved_backend() == "savedmodel"
    (tmp_path / "model.tflite").write_bytes(b"")
    assert cfg.resolved_backend() == "tflite"
    assert DetectorConfig(model_dir=str(tmp_path), backend="savedmodel").resolved_backend() == "savedmodel"
    for bad, match in ((dict(), "model_dir"), (dict(model_dir="m", backend="onnx"), "backend"),
                       (dict(model_dir="m", sort="y"), "sort"), (dict(model_dir="m", score_threshold=2.0), "threshold"),
                       (dict(model_dir="m", max_detections=0), "max_detections"),
                       (dict(model_dir="m", tflite_resize="crop"), "tflite_resize")):
        with pytest.raises(TodError, match=match):
            DetectorConfig(**bad).validate()


def test_check_bgr():
    check_bgr(np.zeros((2, 2, 3), np.uint8))
    for bad in (np.zeros((0, 0, 3), np.uint8), np.zeros((2, 2), np.uint8), np.zeros((2, 2, 3), np.float32), None):
        with pytest.raises(TodError):
            check_bgr(bad)


def test_draw_detections_draws_on_a_copy():
    boxes, scores, classes = raw((0.25, 0.25, 0.75, 0.75, 0.9, 1))
    bgr = np.zeros((40, 40, 3), np.uint8)
    out = draw_detections(bgr, postprocess(boxes, scores, classes, None, 40, 40, LABELS))
    assert bgr.sum() == 0 and out[10, 10:30].any()


def test_no_tensorflow_import():
    code = ("import sys, tod_ros.detection, tod_ros.coordinator\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
