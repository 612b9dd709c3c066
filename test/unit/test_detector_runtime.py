"""Pure logic of the detector node (tod_ros.detection.runtime and .config): live settings, the
enable switch and error state, frames the model cannot use, uncertain frames. No master, no TensorFlow."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from dataset_helpers import cubes_label_map
from tod_ros.detection.config import LIVE_PARAMS, DetectorConfig, apply_live, check_classes
from tod_ros.detection.postprocess import Detection, postprocess
from tod_ros.detection.runtime import Gate, frame_problem, is_uncertain
from tod_ros.errors import TodError

REPO = Path(__file__).resolve().parents[2]
LABELS = cubes_label_map()


def det(score, label="one", x=10.0):
    return Detection(label=label, class_id=1 if label == "one" else 2, score=score,
                     box=(0.1, 0.1, 0.2, 0.2), box_px=(x, 20.0, x + 30.0, 50.0))


# ---------------------------------------------------------------- frames the model cannot use

def test_thin_frame_is_refused_with_the_reasons():
    cfg = DetectorConfig()
    msg = frame_problem(3, 100000, cfg)
    assert msg.startswith("frame 3x100000 refused")
    assert "below ~min_image_side (16 px)" in msg
    assert "aspect ratio 33333:1 is above ~max_aspect_ratio (10:1)" in msg


def test_usual_frames_pass_and_limits_are_configurable():
    cfg = DetectorConfig()
    assert frame_problem(640, 480, cfg) == ""
    assert frame_problem(4096, 4096, cfg) == ""
    assert "more than ~max_image_pixels (16777216)" in frame_problem(5000, 4000, cfg)
    assert "below ~min_image_side" in frame_problem(10, 12, cfg)
    assert frame_problem(10, 12, dataclasses.replace(cfg, min_image_side=8)) == ""
    assert frame_problem(3000, 200, dataclasses.replace(cfg, max_aspect_ratio=20)) == ""
    assert "empty frame" in frame_problem(0, 0, cfg)


def test_bad_limits_and_band_are_config_errors():
    for bad in (dict(min_image_side=0), dict(max_aspect_ratio=0.5), dict(max_image_pixels=10),
                dict(uncertain_min=0.7, uncertain_max=0.6), dict(uncertain_max=1.5), dict(max_detections=101)):
        with pytest.raises(TodError):
            dataclasses.replace(DetectorConfig(model_dir="m"), **bad).validate()
    DetectorConfig(model_dir="m").validate()


# ---------------------------------------------------------------- live settings

def test_apply_live_changes_only_the_live_params():
    cfg = DetectorConfig(model_dir="m", sort="score")
    new = apply_live(cfg, {"score_threshold": 0.9, "max_detections": 2, "classes": " two , one,", "groups": {}},
                     ["one", "two"])
    assert (new.score_threshold, new.max_detections, new.classes, new.sort) == (0.9, 2, "two,one", "score")
    assert new.class_names() == ("two", "one")
    assert cfg.score_threshold == 0.5, "the old settings object is not modified"


def test_apply_live_refuses_bad_values():
    cfg = DetectorConfig(model_dir="m")
    with pytest.raises(TodError, match="score_threshold must be in"):
        apply_live(cfg, {"score_threshold": 1.5})
    with pytest.raises(TodError, match="max_detections must be in"):
        apply_live(cfg, {"max_detections": 0})
    with pytest.raises(TodError, match="unknown label.*three"):
        apply_live(cfg, {"classes": "one,three"}, ["one", "two"])
    check_classes(DetectorConfig(classes=""), ["one"])


def test_class_filter_applies_before_max_detections():
    boxes = np.array([[0, 0.1, 0.1, 0.2], [0, 0.3, 0.1, 0.4], [0, 0.5, 0.1, 0.6]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    classes = np.array([2, 2, 1], np.float32)
    dets = postprocess(boxes, scores, classes, None, 100, 100, LABELS, 0.5, 1, keep_labels=("one",))
    assert [(d.label, d.score) for d in dets] == [("one", pytest.approx(0.7))]
    assert len(postprocess(boxes, scores, classes, None, 100, 100, LABELS, 0.5, 4)) == 3


def test_live_param_defaults_are_the_dataclass_defaults():
    defaults = DetectorConfig()
    assert {p.name: p.default for p in LIVE_PARAMS} == {
        "score_threshold": defaults.score_threshold, "max_detections": defaults.max_detections,
        "classes": defaults.classes}


def test_generated_reconfigure_description_matches_detector_config():
    """The catkin-generated tod_ros.cfg.DetectorParamsConfig (from cfg/DetectorParams.cfg) has the
    dataclass defaults and the LIVE_PARAMS ranges (skipped before the catkin build)."""
    cfg_mod = pytest.importorskip("tod_ros.cfg.DetectorParamsConfig",
                                  reason="catkin workspace not built (tools/install.sh)")
    defaults = DetectorConfig()
    assert cfg_mod.defaults == {p.name: getattr(defaults, p.name) for p in LIVE_PARAMS}, \
        "the generated description is stale: rebuild with tools/install.sh (cfg/DetectorParams.cfg reads LIVE_PARAMS)"
    for p in LIVE_PARAMS:
        if p.min is not None:
            assert (cfg_mod.min[p.name], cfg_mod.max[p.name]) == (p.min, p.max)


def test_yaml_keys_are_config_fields():
    values = yaml.safe_load((REPO / "config" / "detector.yaml").read_text())
    fields = {f.name for f in dataclasses.fields(DetectorConfig)}
    assert set(values) <= fields, set(values) - fields
    dataclasses.replace(DetectorConfig(model_dir="m"), **values).validate()


# ---------------------------------------------------------------- enable / error state

def test_gate_enable_disable_and_error_state():
    gate = Gate()
    assert gate.refusal() == ""
    assert gate.set_enabled(False) == (True, "detector disabled")
    assert "detector disabled" in gate.refusal()
    assert gate.set_enabled(False)[1] == "detector disabled (unchanged)"
    assert gate.set_enabled(True) == (True, "detector enabled")
    broken = Gate(error="no label map at /missing/label_map.pbtxt")
    assert broken.refusal() == "detector not running, start-up error: no label map at /missing/label_map.pbtxt"
    ok, msg = broken.set_enabled(True)
    assert not ok and "start-up error" in msg


# ---------------------------------------------------------------- uncertain frames

def test_uncertain_band():
    cfg = DetectorConfig(uncertain_min=0.3, uncertain_max=0.6)
    assert is_uncertain([det(0.45)], cfg)
    assert is_uncertain([det(0.3), det(0.1)], cfg)
    assert not is_uncertain([det(0.45), det(0.9)], cfg), "the best score decides"
    assert not is_uncertain([det(0.6)], cfg)
    assert not is_uncertain([], cfg)


def test_uncertain_frames_are_saved_with_voc_never_overwriting(tmp_path):
    from tod_ros.dataset.prelabel import is_unreviewed, save_prelabeled
    from tod_ros.dataset.voc import read_voc

    def save_uncertain_frame(folder, bgr, dets):      # what the detector node calls (worker thread)
        return save_prelabeled(folder, bgr, dets, prefix="uncertain")

    bgr = np.zeros((48, 64, 3), np.uint8)
    (tmp_path / "uncertain001.png").write_bytes(b"someone's file")
    first = save_uncertain_frame(tmp_path, bgr, [det(0.45, "two", x=5.0)])
    second = save_uncertain_frame(tmp_path, bgr, [det(0.4, "one", x=40.0)])
    assert [p.name for p in first] == ["uncertain002.png", "uncertain002.xml"]
    assert [p.name for p in second] == ["uncertain003.png", "uncertain003.xml"]
    assert (tmp_path / "uncertain001.png").read_bytes() == b"someone's file"
    ann = read_voc(first[1])
    assert (ann.filename, ann.width, ann.height) == ("uncertain002.png", 64, 48)
    assert is_unreviewed(ann), "marked as a pre-annotation nobody has reviewed yet"
    assert [(o.name, o.xmin, o.ymin, o.xmax, o.ymax) for o in ann.objects] == [("two", 5, 20, 35, 48)]


def test_a_refused_classes_value_is_quoted_and_cut():
    raw = "a" * 1_000_000 + "\n[ERROR] [1.0]: forged line," + ",".join(f"x{i}" for i in range(20))
    with pytest.raises(TodError) as info:
        apply_live(DetectorConfig(), {"classes": raw}, ["one", "two"])
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message[:500]
    assert message.startswith("~classes: unknown label(s) 'aaaa") and "and 16 more" in message
