"""`tod export`: the SavedModel has the TOD API's contract, the TFLite model agrees with it."""
import numpy as np
import pytest
import tensorflow as tf

from tod_ros.cli import main as tod
from tod_ros.dataset.labelmap import read_label_map
from tod_ros.evaluation.metrics import iou
from tod_ros.fileio import list_images
from tod_ros.detection.backends import TFLiteBackend
from tod_ros.training.config import load_config

pytestmark = pytest.mark.tf

OUTPUTS = {"detection_boxes", "detection_scores", "detection_classes", "num_detections"}


@pytest.fixture(scope="module")
def exported(tiny_model, tiny_export):
    """The session's export of the tiny model (read only) and 6 of its training frames (RGB)."""
    images = list_images(tiny_model[1] / "images" / "train")[:6]
    rgb = [tf.io.decode_image(p.read_bytes(), channels=3).numpy() for p in images]
    return tiny_export, rgb


def _seed_detect(detect_fn, image_np):
    """The seed's plot_object_detection_saved_model.py / nn.py logic, unchanged."""
    input_tensor = tf.convert_to_tensor(image_np)
    input_tensor = input_tensor[tf.newaxis, ...]
    detections = detect_fn(input_tensor)
    num_detections = int(detections.pop('num_detections'))
    detections = {key: value[0, :num_detections].numpy() for key, value in detections.items()}
    detections['num_detections'] = num_detections
    detections['detection_classes'] = detections['detection_classes'].astype(np.int64)
    return detections


def _tflite_detect(backend, image_rgb):
    """The runtime's TFLite path (letterbox, boxes mapped back to the frame) in the seed's dict layout."""
    boxes, scores, classes, num = backend.run(image_rgb)
    n = int(np.asarray(num).reshape(-1)[0])
    return {"detection_boxes": np.clip(np.asarray(boxes)[:n], 0.0, 1.0),
            "detection_scores": np.asarray(scores, np.float32)[:n],
            "detection_classes": np.asarray(classes)[:n].astype(np.int64), "num_detections": n}


def test_files_beside_the_saved_model(exported):
    out, _ = exported
    assert (out / "saved_model" / "saved_model.pb").is_file()
    assert read_label_map(out / "label_map.pbtxt").names == ["one", "two"]
    assert load_config(out / "train_config.yaml").input_height == 128
    assert (out / "model.tflite").stat().st_size > 10000


def test_serving_signature_is_the_tod_contract(exported):
    out, _ = exported
    fn = tf.saved_model.load(str(out / "saved_model")).signatures["serving_default"]
    _, inputs = fn.structured_input_signature
    assert list(inputs) == ["input_tensor"]
    spec = inputs["input_tensor"]
    assert spec.dtype == tf.uint8 and spec.shape.as_list() == [1, None, None, 3]
    assert set(fn.structured_outputs) == OUTPUTS
    assert all(s.dtype == tf.float32 for s in fn.structured_outputs.values())


def test_seed_scripts_work_unchanged(exported):
    out, images = exported
    detect_fn = tf.saved_model.load(str(out / "saved_model"))
    found = 0
    for image in images:
        d = _seed_detect(detect_fn, image)
        n = d["num_detections"]
        assert d["detection_boxes"].shape == (n, 4) and d["detection_scores"].shape == (n,)
        assert set(d["detection_classes"]) <= {1, 2}             # label-map ids, not 0-based
        assert np.all((d["detection_boxes"] >= 0) & (d["detection_boxes"] <= 1))
        assert np.all(d["detection_boxes"][:, 2:] >= d["detection_boxes"][:, :2])
        assert np.all(np.diff(d["detection_scores"]) <= 0) and np.all(d["detection_scores"] >= 0.2)
        found += n
    assert found > 0, "the trained tiny model detects nothing: the checks above were vacuous"


def test_boxes_are_relative_to_the_original_image(exported):
    out, images = exported
    detect_fn = tf.saved_model.load(str(out / "saved_model"))
    image = images[0]
    big = tf.image.resize(image, [image.shape[0] * 3, image.shape[1] * 3], method="nearest").numpy().astype(np.uint8)
    small, large = _seed_detect(detect_fn, image), _seed_detect(detect_fn, big)
    assert small["num_detections"] > 0
    best = small["detection_boxes"][0]
    assert max(iou(best, b) for b in large["detection_boxes"]) > 0.8


def test_tflite_agrees_with_the_saved_model(exported):
    out, images = exported
    detect_fn = tf.saved_model.load(str(out / "saved_model"))
    interpreter = tf.lite.Interpreter(model_path=str(out / "model.tflite"))
    detail = interpreter.get_input_details()[0]
    assert detail["dtype"] == np.uint8 and list(detail["shape"]) == [1, 128, 160, 3]
    backend = TFLiteBackend(out / "model.tflite")
    compared = 0
    for image in images:   # 160x128 = the input size: both see the same pixels (no resize)
        ref, lite = _seed_detect(detect_fn, image), _tflite_detect(backend, image)
        for a, b in ((lite, ref), (ref, lite)):   # both class-agnostic NMS: same detections both ways
            for box, score, cls in zip(a["detection_boxes"], a["detection_scores"], a["detection_classes"]):
                if score < 0.25:   # margin over the score threshold (0.2)
                    continue
                same = [i for i in range(b["num_detections"]) if b["detection_classes"][i] == cls
                        and iou(b["detection_boxes"][i], box) > 0.95
                        and abs(b["detection_scores"][i] - score) < 0.01]
                assert same, (box, score, cls, b)
                compared += 1
    assert compared > 0


def test_post_processing_overrides(exported, tiny_model, tmp_path):
    _, images = exported
    model_dir = tiny_model[0]
    assert tod(["export", "--model-dir", str(model_dir), "--out", str(tmp_path), "--no-tflite",
                "max_total_detections=5", "max_detections_per_class=1", "pre_nms_score_threshold=0.0"]) == 0
    assert not (tmp_path / "model.tflite").exists()
    detect_fn = tf.saved_model.load(str(tmp_path / "saved_model"))
    raw = detect_fn(tf.convert_to_tensor(images[0])[tf.newaxis])
    assert raw["detection_boxes"].shape == (1, 5, 4)
    d = _seed_detect(detect_fn, images[0])
    assert 1 <= d["num_detections"] <= 2                          # at most one per class
    assert len(set(d["detection_classes"])) == d["num_detections"]
    assert np.all(d["detection_scores"] > 0)


def test_served_at_another_input_size(exported, tiny_model, tmp_path, capfd):
    """Trained at 128x160, exported at 192x256: the same weights, the new size in the config and the TFLite input."""
    out, images = exported
    model_dir = tiny_model[0]
    assert tod(["export", "--model-dir", str(model_dir), "--out", str(tmp_path),
                "input_height=192", "input_width=256"]) == 0
    printed, noise = capfd.readouterr()
    assert "input 192x256" in printed
    assert "WARNING:tensorflow" not in noise and "W0000" not in noise    # no converter or SavedModel-writer noise
    assert load_config(tmp_path / "train_config.yaml").input_height == 192
    assert load_config(model_dir / "train_config.yaml").input_height == 128      # the training config is untouched
    interpreter = tf.lite.Interpreter(model_path=str(tmp_path / "model.tflite"))
    assert list(interpreter.get_input_details()[0]["shape"][1:3]) == [192, 256]
    a, b = (tf.train.load_checkpoint(str(d / "saved_model" / "variables" / "variables")) for d in (out, tmp_path))
    names = set(a.get_variable_to_shape_map()) - {"_CHECKPOINTABLE_OBJECT_GRAPH"}   # layer names, not weights
    assert a.get_variable_to_shape_map() == b.get_variable_to_shape_map() and len(names) > 10
    for name in names:
        assert np.array_equal(a.get_tensor(name), b.get_tensor(name)), name
    # any frame size in, boxes normalised to it out
    d = _seed_detect(tf.saved_model.load(str(tmp_path / "saved_model")), images[0])
    assert d["num_detections"] > 0 and np.all((d["detection_boxes"] >= 0) & (d["detection_boxes"] <= 1))


def test_export_refuses_a_training_key(tiny_model, tmp_path, capsys):
    model_dir = tiny_model[0]
    assert tod(["export", "--model-dir", str(model_dir), "--out", str(tmp_path), "learning_rate=0.1"]) != 0
    err = capsys.readouterr().err
    assert "input_height" in err and "learning_rate" in err
    assert not (tmp_path / "saved_model").exists()
