"""Tiny detection models with the TOD ``serving_default`` signature, built by the tests (no download).

``build_grid_model`` writes a SavedModel whose detections depend on the image content:
the image is seen as a 3x4 grid of cells (rows x columns); each cell is one candidate box,
its score is the cell's mean brightness (max over RGB / 255) and its class is 1 (``one``)
when the cell is more red than blue, else 2 (``two``). ``cube_scene`` draws matching
images: orange squares are ``one``, light-blue squares are ``two``.

Importing this module does not import TensorFlow; the builders do.
"""
from pathlib import Path

import numpy as np

GRID_ROWS, GRID_COLS = 3, 4
LABELS = ("one", "two")
# BGR colours of the cubes: class 1 red-ish, class 2 blue-ish.
CUBE_BGR = {1: (40, 160, 255), 2: (255, 190, 40)}
DEMO = Path(__file__).resolve().parent.parent / "models" / "demo"     # the shipped demo model


def demo_or_skip():
    """Skip the test when the shipped demo model's TFLite file is absent."""
    import pytest

    if not (DEMO / "model.tflite").is_file():
        pytest.skip(f"{DEMO / 'model.tflite'} not found")


def write_label_map(model_dir):
    """Write the tiny models' label_map.pbtxt (one, two)."""
    from tod_ros.dataset.labelmap import LabelMap, write_label_map

    return write_label_map(Path(model_dir) / "label_map.pbtxt", LabelMap.from_names(list(LABELS)))


def _cell_boxes():
    boxes = []
    for r in range(GRID_ROWS):
        for c in range(GRID_COLS):
            boxes.append([r / GRID_ROWS, c / GRID_COLS, (r + 1) / GRID_ROWS, (c + 1) / GRID_COLS])
    return np.array(boxes, np.float32)


def build_grid_model(model_dir, tflite=False):
    """Write ``<model_dir>/saved_model`` (TOD signature), label_map.pbtxt and optionally model.tflite."""
    import tensorflow as tf

    model_dir = Path(model_dir)
    cell_boxes = tf.constant(_cell_boxes())
    n = GRID_ROWS * GRID_COLS

    class GridDetector(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8, name="input_tensor")])
        def detect(self, input_tensor):
            img = tf.image.resize(tf.cast(input_tensor, tf.float32), [GRID_ROWS * 16, GRID_COLS * 16])[0]
            cells = tf.reshape(img, [GRID_ROWS, 16, GRID_COLS, 16, 3])
            means = tf.reshape(tf.reduce_mean(cells, axis=[1, 3]), [n, 3])
            bright = tf.reshape(tf.reduce_mean(tf.reduce_max(cells, axis=-1), axis=[1, 3]), [n]) / 255.0
            classes = tf.where(means[:, 0] >= means[:, 2], 1.0, 2.0)
            order = tf.argsort(bright, direction="DESCENDING")
            return {
                "detection_boxes": tf.gather(cell_boxes, order)[tf.newaxis],
                "detection_scores": tf.gather(bright, order)[tf.newaxis],
                "detection_classes": tf.gather(classes, order)[tf.newaxis],
                "num_detections": tf.constant([float(n)]),
            }

    module = GridDetector()
    tf.saved_model.save(module, str(model_dir / "saved_model"), signatures={"serving_default": module.detect})
    write_label_map(model_dir)
    if tflite:
        converter = tf.lite.TFLiteConverter.from_saved_model(str(model_dir / "saved_model"))
        (model_dir / "model.tflite").write_bytes(converter.convert())
    return model_dir


def build_bad_model(model_dir):
    """A SavedModel whose serving_default returns ``boxes``/``scores`` instead of the TOD outputs."""
    import tensorflow as tf

    model_dir = Path(model_dir)

    class Bad(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8, name="input_tensor")])
        def detect(self, input_tensor):
            mean = tf.reduce_mean(tf.cast(input_tensor, tf.float32))
            return {"boxes": tf.zeros([1, 1, 4]) + mean, "scores": tf.ones([1, 1])}

    module = Bad()
    tf.saved_model.save(module, str(model_dir / "saved_model"), signatures={"serving_default": module.detect})
    write_label_map(model_dir)
    return model_dir


def cube_scene(classes_by_column, width=640, height=480, row=1):
    """A BGR image: dark background, one cube per grid column of ``row`` (class id or None).

    Returns ``(bgr, expected)``: the expected class ids left to right.
    """
    bgr = np.full((height, width, 3), 20, np.uint8)
    cw, ch = width / GRID_COLS, height / GRID_ROWS
    expected = []
    for col, cls in enumerate(classes_by_column):
        if cls is None:
            continue
        x0, y0 = int(col * cw + 0.06 * cw), int(row * ch + 0.06 * ch)
        x1, y1 = int((col + 1) * cw - 0.06 * cw), int((row + 1) * ch - 0.06 * ch)
        bgr[y0:y1, x0:x1] = CUBE_BGR[cls]
        expected.append(cls)
    return bgr, expected


def write_scenes(folder, scenes):
    """Write ``cube_scene`` images named scene_00.png, ...; return the expected ids per image."""
    import cv2

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expected = []
    for i, columns in enumerate(scenes):
        bgr, exp = cube_scene(columns)
        cv2.imwrite(str(folder / f"scene_{i:02d}.png"), bgr)
        expected.append(exp)
    return expected
