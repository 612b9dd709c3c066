"""`tod export` calibrates the scores inside the SavedModel and the TFLite model: a TOD client gets
exactly the detections `tod eval` scores, with the fitted map applied."""
import functools
import json

import numpy as np
import pytest
import tensorflow as tf

from tod_ros.cli import main as tod
from tod_ros.fileio import list_images
from tod_ros.detection import Detector, DetectorConfig
from tod_ros.detection.backends import TFLiteBackend
from tod_ros.training.score_calibration import load

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def exports(tiny_model, tmp_path_factory):
    model_dir, data = tiny_model
    out = tmp_path_factory.mktemp("scores")
    raw, cal = out / "raw_scores", out / "calibrated"
    # a low pre-NMS threshold: the tiny model's wrong boxes are there to fit on, not only its right ones
    low = "pre_nms_score_threshold=0.01"
    assert tod(["export", "--model-dir", str(model_dir), "--out", str(raw), "--no-tflite", "--score-records",
                "none", low]) == 0
    records = f"{data / 'train.record'},{data / 'test.record'}"
    assert tod(["export", "--model-dir", str(model_dir), "--out", str(cal), "--score-records", records, low]) == 0
    images = list_images(data / "images" / "test") + list_images(data / "images" / "train")[:4]
    return raw, cal, [tf.io.decode_image(p.read_bytes(), channels=3).numpy() for p in images]


@functools.cache
def _load(model_dir):
    """The model folder's SavedModel, loaded once per test run (as the script loads it once for all its images)."""
    return tf.saved_model.load(str(model_dir / "saved_model"))


def _tutorial_detect(model_dir, image_np):
    """What plot_object_detection_saved_model.py does with a model folder, unchanged."""
    detect_fn = _load(model_dir)
    detections = detect_fn(tf.convert_to_tensor(image_np)[tf.newaxis, ...])
    n = int(detections.pop("num_detections"))
    return {k: v[0, :n].numpy() for k, v in detections.items()}


def test_the_fit_is_written_and_said(exports, capsys):
    _, cal_dir, _ = exports
    cal = load(cal_dir / "score_calibration.json")
    assert cal.source == "train.record, test.record", f"no fit: {cal}"
    assert cal.a > 0 and cal.positives >= 8 and cal.negatives >= 8
    doc = json.loads((exports[0] / "score_calibration.json").read_text())
    assert doc["source"] == "identity"


def test_saved_model_scores_are_the_raw_ones_mapped(exports):
    raw_dir, cal_dir, images = exports
    cal = load(cal_dir / "score_calibration.json")
    compared = 0
    for image in images:
        raw, mapped = _tutorial_detect(raw_dir, image), _tutorial_detect(cal_dir, image)
        np.testing.assert_allclose(mapped["detection_boxes"], raw["detection_boxes"], atol=1e-5)
        np.testing.assert_array_equal(mapped["detection_classes"], raw["detection_classes"])
        np.testing.assert_allclose(mapped["detection_scores"], cal.map(raw["detection_scores"]), atol=1e-4)
        compared += len(raw["detection_scores"])
    assert compared > 0


def test_tutorial_client_gets_what_tod_eval_scores(exports):
    _, cal_dir, images = exports
    det = Detector(DetectorConfig(model_dir=str(cal_dir), backend="savedmodel", max_detections=100,
                                  score_threshold=0.0, sort="score"))
    for image in images:
        ours = det.detect(np.ascontiguousarray(image[:, :, ::-1]))
        theirs = _tutorial_detect(cal_dir, image)
        assert [d.class_id for d in ours] == theirs["detection_classes"].astype(int).tolist()
        np.testing.assert_allclose([d.score for d in ours], theirs["detection_scores"], atol=1e-6)


def test_tflite_scores_are_calibrated_too(exports):
    _, cal_dir, images = exports
    backend = TFLiteBackend(cal_dir / "model.tflite")
    for image in images[:4]:
        _, scores, classes, num = backend.run(image)
        n = int(np.asarray(num).reshape(-1)[0])
        theirs = _tutorial_detect(cal_dir, image)
        if n and len(theirs["detection_scores"]):
            assert abs(float(scores[0]) - float(theirs["detection_scores"][0])) < 0.05
