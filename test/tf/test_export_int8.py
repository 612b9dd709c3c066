"""`tod export --int8`: a full-integer model_int8.tflite that the detector loads as ``backend: tflite_int8``
and that finds what model.tflite finds."""
import json
import shutil

import numpy as np
import pytest

from tod_ros.cli import main as tod
from tod_ros.errors import TodError
from tod_ros.dataset.imagesize import read_image as read_bgr
from tod_ros.fileio import list_images
from tod_ros.detection import Detector, DetectorConfig

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def exported_int8(tiny_model, tiny_export):
    """The session's ``tod export --int8`` (read only) and the tiny model's data folder."""
    return tiny_export, tiny_model[1]


def _detector(model_dir, backend):
    return Detector(DetectorConfig(model_dir=str(model_dir), backend=backend, score_threshold=0.2,
                                   max_detections=10, sort="score"))


def _iou(a, b):
    y0, x0 = np.maximum(a[:2], b[:2])
    y1, x1 = np.minimum(a[2:], b[2:])
    inter = max(0.0, y1 - y0) * max(0.0, x1 - x0)
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter + 1e-9)


def _agree(fp32, int8, frames):
    """How many fp32 detections have an int8 twin (same class, IoU > 0.5, score within 0.1).

    The tiny model trained by the tests is weak and varies from run to run (scores 0.2-0.4, just
    above the export's NMS threshold 0.2), so an int8 score may fall under the threshold: at least
    half of the fp32 detections scoring 0.25 or more must have a twin, not every one.
    """
    matched, firm = 0, 0
    for bgr in frames:
        ref, got = fp32.detect(bgr), int8.detect(bgr)
        for d in ref:
            near = [g for g in got if g.class_id == d.class_id and _iou(np.array(g.box), np.array(d.box)) > 0.5
                    and abs(g.score - d.score) < 0.1]
            matched += bool(near)
            firm += d.score >= 0.25
    assert matched >= firm / 2, (matched, firm)
    return matched


def test_int8_model_is_quantized(exported_int8):
    from ai_edge_litert.interpreter import Interpreter

    out, _ = exported_int8
    path = out / "model_int8.tflite"
    assert path.stat().st_size < 0.6 * (out / "model.tflite").stat().st_size   # int8 weights: ~1/4 + NMS
    interp = Interpreter(model_path=str(path))
    (inp,) = interp.get_input_details()
    assert inp["dtype"] == np.uint8 and list(inp["shape"]) == [1, 128, 160, 3]   # raw canvas pixels, as fp32
    ops = {op["op_name"] for op in interp._get_ops_details()}
    assert "TFLite_Detection_PostProcess" in ops and "DEQUANTIZE" in ops          # float NMS after int8 head
    tensors = {t["index"]: t for t in interp.get_tensor_details()}
    convs = [op for op in interp._get_ops_details() if op["op_name"] == "CONV_2D"]
    assert convs and all(tensors[op["inputs"][1]]["dtype"] == np.int8 for op in convs)


def test_detector_backend_tflite_int8_detects_like_fp32(exported_int8):
    out, data = exported_int8
    int8 = _detector(out, "tflite_int8")
    assert int8.backend_name == "tflite_int8"
    frames = [read_bgr(p) for p in list_images(data / "images" / "train")]
    assert sum(len(int8.detect(f)) for f in frames) > 0
    assert all(d.class_id in (1, 2) and d.label in ("one", "two") for f in frames for d in int8.detect(f))
    assert _agree(_detector(out, "tflite"), int8, frames) > 0


def test_add_int8_from_the_saved_model_and_an_images_folder(exported_int8, tmp_path):
    out, data = exported_int8
    folder = tmp_path / "exported"
    shutil.copytree(out, folder)
    (folder / "model_int8.tflite").unlink()
    with pytest.raises(TodError, match="tod export --int8"):
        _detector(folder, "tflite_int8")
    assert tod(["export", "--add-int8", str(folder), "--calibration", str(data / "images" / "train"),
                "--calibration-images", "8"]) == 0
    frames = [read_bgr(p) for p in list_images(data / "images" / "train")]
    # weights rebuilt from the SavedModel + calibration on the same images as files: the same detector
    assert _agree(_detector(out, "tflite"), _detector(folder, "tflite_int8"), frames) > 0
    assert _agree(_detector(out, "tflite_int8"), _detector(folder, "tflite_int8"), frames) > 0


def test_tod_eval_backend_tflite_int8(exported_int8, tmp_path):
    out, data = exported_int8
    assert tod(["eval", "--model", str(out), "--images", str(data / "images" / "test"), "--backend", "tflite_int8",
                "--json", str(tmp_path / "m.json"), "--worst", "0"]) == 0
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["backend"] == "tflite_int8" and doc["num_images"] == 4
