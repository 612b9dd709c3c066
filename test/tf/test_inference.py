"""tod_ros.detection with real TensorFlow models: tiny TOD-signature models built here, and the
demo model (models/demo) on the real photo when both are present."""
import cv2
import fixtures_models as fm
import numpy as np
import pytest

from dataset_helpers import REAL_CUBES as REAL
from tod_ros import resources
from tod_ros.errors import TodError
from tod_ros.detection import Detector, DetectorConfig

DEMO = resources.model_dir(resources.DEMO_MODEL)


@pytest.fixture(scope="module")
def grid_model(tmp_path_factory):
    return fm.build_grid_model(tmp_path_factory.mktemp("grid"), tflite=True)


@pytest.mark.parametrize("backend", ["savedmodel", "tflite"])
def test_tiny_tod_model_left_to_right(grid_model, backend):
    det = Detector(DetectorConfig(model_dir=str(grid_model), backend=backend))
    assert det.backend_name == backend
    det.warm_up()
    bgr, expected = fm.cube_scene([2, None, 1, 2])
    dets = det.detect(bgr)
    assert [d.class_id for d in dets] == expected == [2, 1, 2]
    assert [d.label for d in dets] == ["two", "one", "two"]
    assert [round(d.center_x) for d in dets] == [80, 400, 560]
    # any image size: the signature takes [1, H, W, 3]
    small, _ = fm.cube_scene([None, 1, None, None], width=320, height=240)
    assert [(d.label, round(d.center_x)) for d in det.detect(small)] == [("one", 120)]
    assert det.detect(np.full((480, 640, 3), 10, np.uint8)) == []


def test_max_detections_and_threshold(grid_model):
    det = Detector(DetectorConfig(model_dir=str(grid_model), backend="savedmodel", max_detections=2))
    bgr, _ = fm.cube_scene([1, 2, 1, 2])
    assert len(det.detect(bgr)) == 2
    assert len(det.detect(bgr, score_threshold=0.99)) == 0


def test_classes_filter_comes_before_the_max_detections_cap(grid_model):
    """``classes=two``, ``max_detections=1`` beside a brighter ``one``: the better ``two``, not nothing."""
    bgr, _ = fm.cube_scene([1, 2, 2, None])
    cw = bgr.shape[1] // fm.GRID_COLS
    bgr[:, cw:2 * cw] = (bgr[:, cw:2 * cw] * 0.9).astype(np.uint8)
    bgr[:, 2 * cw:3 * cw] = (bgr[:, 2 * cw:3 * cw] * 0.8).astype(np.uint8)
    det = Detector(DetectorConfig(model_dir=str(grid_model), backend="tflite", classes="two", max_detections=1))
    assert [d.label for d in Detector(DetectorConfig(model_dir=str(grid_model), backend="tflite",
                                                     max_detections=1)).detect(bgr)] == ["one"]
    assert [(d.label, round(d.center_x)) for d in det.detect(bgr)] == [("two", 240)]


def test_auto_backend_prefers_tflite(grid_model):
    assert Detector(DetectorConfig(model_dir=str(grid_model))).backend_name == "tflite"


def test_wrong_signature_names_missing_outputs(tmp_path):
    fm.build_bad_model(tmp_path)
    with pytest.raises(TodError) as err:
        Detector(DetectorConfig(model_dir=str(tmp_path)))
    assert "missing output(s) detection_boxes, detection_scores, detection_classes" in str(err.value)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(TodError, match="no label map"):
        Detector(DetectorConfig(model_dir=str(tmp_path)))
    fm.write_label_map(tmp_path)
    with pytest.raises(TodError, match="no SavedModel in"):
        Detector(DetectorConfig(model_dir=str(tmp_path), backend="savedmodel"))
    with pytest.raises(TodError, match="no TFLite model"):
        Detector(DetectorConfig(model_dir=str(tmp_path), backend="tflite"))


def _demo_detections(backends=("savedmodel", "tflite")):
    if not REAL.is_dir():
        pytest.skip("../shared/data/real_cubes not found (only present in the project's CI/dev machines)")
    if not (DEMO / "saved_model").is_dir() or not (DEMO / "label_map.pbtxt").is_file():
        pytest.skip(f"no demo model in {DEMO} yet (trained and exported by 'tod train' + 'tod export')")
    bgr = cv2.imread(str(REAL / "ergo_cubes_212_1.png"))
    backends = [b for b in backends if b != "tflite" or (DEMO / "model.tflite").is_file()]
    return {b: Detector(DetectorConfig(model_dir=str(DEMO), backend=b)).detect(bgr) for b in backends}


def test_demo_model_tflite_agrees_with_savedmodel():
    results = _demo_detections()
    if "tflite" not in results:
        pytest.skip(f"no {DEMO}/model.tflite")
    sm, tfl = results["savedmodel"], results["tflite"]
    assert [d.class_id for d in tfl] == [d.class_id for d in sm], "TFLite class ids = SavedModel's (offset)"
    for a, b in zip(sm, tfl):
        assert np.allclose(a.box_px, b.box_px, atol=3.0), "TFLite boxes mapped back to the frame (letterbox)"
        assert abs(a.score - b.score) < 0.05


def test_demo_model_smoke_on_a_photo_it_was_trained_on():
    """Smoke test, not an accuracy claim: models/demo was fine-tuned on all 12 real photos, this one
    included (docs/quality.md). Its accuracy on data it never saw is checked by
    test/tf/test_eval_detect.py::test_demo_model_on_synthetic_photos_it_never_saw."""
    for backend, dets in _demo_detections().items():
        assert [d.label for d in dets] == ["two", "one", "two"], backend


def test_auto_runs_the_saved_model_when_its_folder_is_named():
    """`-s <export>/saved_model` (the tutorial's script) runs the SavedModel; the export folder runs model.tflite."""
    from tod_ros.detection import find_model

    demo = resources.model_dir(resources.DEMO_MODEL)
    if not (demo / "model.tflite").is_file():
        pytest.skip("models/demo has no model.tflite")
    assert find_model(DetectorConfig(model_dir=str(demo / "saved_model"))).backend == "savedmodel"
    assert find_model(DetectorConfig(model_dir=str(demo))).resolved_backend() == "tflite"
