"""Post-training full-integer quantization of the TFLite detector: ``model_int8.tflite``.

The network (normalisation, backbone, FPN, head, sigmoid) runs in int8 with int8 weights and
activations; its input is the same uint8 ``[1, H, W, 3]`` letterboxed RGB canvas as
``model.tflite`` (:func:`tod_ros.imageops.letterbox`), and the outputs are the same four float32
tensors. The int8 box encodings and scores are dequantized (two ``DEQUANTIZE`` ops on 5040 x 4 and
5040 x 3 values) into TFLite's ``TFLite_Detection_PostProcess``, so the box decoding and NMS run
in float and the outputs are float32. Quantized outputs (``inference_output_type=int8``) would
break them: each output gets the range seen in calibration (demo model: ``num_detections``
capped at 14, boxes in steps of 1/20 of the frame).

Calibration: the activations' ranges are measured on ``num_images`` representative frames,
letterboxed exactly as the runtime does, taken evenly from the training records (or a
folder of images).
"""
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tod_ros.errors import TodError
from tod_ros.filenames import SAVED_MODEL_DIR, SAVED_MODEL_PB, TFLITE_INT8

INT8_TFLITE_NAME = TFLITE_INT8


@dataclass
class Int8Config:
    """Settings of the int8 export (``tod export --int8``)."""

    calibration: str = ""       # TFRecord file(s)/glob(s), comma-separated, or an images folder; "" = train_records
    num_images: int = 100       # representative frames (evenly spread over the source)

    def validate(self):
        """Raise TodError for unusable settings."""
        if self.num_images < 1:
            raise TodError(f"--calibration-images must be >= 1, got {self.num_images}")
        return self


def _evenly(items, count):
    if len(items) <= count:
        return list(items)
    return [items[int(i * len(items) / count)] for i in range(count)]


def _decode_rgb(data, where):
    import cv2

    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise TodError(f"{where}: cannot decode a calibration image")
    return bgr[:, :, ::-1]


def _record_images(patterns, count):
    from tod_ros.dataset.tfrecord import read_examples

    encoded = []
    for pattern in patterns:
        encoded += [(ex["encoded"], f"{pattern} ({ex['filename']})", ex["filename"]) for ex in read_examples(pattern)]
    return [(_decode_rgb(data, where), name) for data, where, name in _evenly(encoded, count)]


def _folder_images(folder, count):
    from tod_ros.dataset.imagesize import read_image
    from tod_ros.fileio import list_images

    return [(read_image(p)[:, :, ::-1], p.name) for p in _evenly(list_images(folder), count)]


def calibration_images(source, count, named=False):
    """Up to ``count`` RGB images spread evenly over ``source``: record files/globs, or one images folder
    (``named``: ``(image, file name)`` pairs)."""
    paths = [s.strip() for s in (source.split(",") if isinstance(source, str) else source) if str(s).strip()]
    if not paths:
        raise TodError("no calibration images: give --calibration RECORDS_OR_FOLDER")
    try:
        if len(paths) == 1 and Path(paths[0]).is_dir():
            images = _folder_images(paths[0], count)
        else:
            images = _record_images(paths, count)
    except TodError as exc:
        raise TodError(f"int8 calibration images: {exc} (give --calibration RECORDS_OR_FOLDER)") from exc
    if not images:
        raise TodError(f"no calibration image found in {', '.join(map(str, paths))}")
    return images if named else [image for image, _ in images]


def calibration_line(source, names, shown=8):
    """``int8 calibration: N image(s) from SOURCE: a.png, b.png, ... (M more)``."""
    listed = ", ".join(names[:shown]) + (f", ... ({len(names) - shown} more)" if len(names) > shown else "")
    return f"int8 calibration: {len(names)} image(s) from {source}: {listed}"


def representative_canvases(images_rgb, height, width):
    """The uint8 ``[1, H, W, 3]`` inputs of the TFLite model for these frames (the runtime's letterbox)."""
    from tod_ros.imageops import letterbox

    return [letterbox(np.ascontiguousarray(img), height, width)[0][np.newaxis] for img in images_rgb]


def normalize_depthwise(images_uint8):
    """Model Garden's ``normalize_image`` ((x / 255 - mean) / std per channel) as one 1x1 depthwise conv.

    Same values (within 1e-6), but int8 runs it as one ``DEPTHWISE_CONV_2D`` (XNNPACK) instead of
    three broadcast MUL/SUB ops that cost ~0.5 ms more a frame.
    """
    import tensorflow as tf
    from official.vision.ops import preprocess_ops

    mean = np.asarray(preprocess_ops.MEAN_NORM, np.float32) * 255.0
    std = np.asarray(preprocess_ops.STDDEV_NORM, np.float32) * 255.0
    kernel = tf.constant((1.0 / std).reshape(1, 1, 3, 1))
    x = tf.cast(images_uint8, tf.float32)
    return tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "VALID") + tf.constant(-mean / std)


def _pin_input_range(canvases):
    """Calibration frames with one pixel at 0 and one at 255, so that no input value is ever clipped."""
    first = canvases[0].copy()
    first[0, 0, 0], first[0, 0, 1] = 0, 255
    return [first] + list(canvases[1:])


def convert_int8(model, config, num_labels, canvases, scores=None):
    """The ``model_int8.tflite`` bytes: int8 network calibrated on ``canvases``, float NMS, uint8 in."""
    import tensorflow as tf

    from tod_ros.nativelog import native_log_captured
    from tod_ros.progress import bar
    from tod_ros.training.tflite import tflite_function

    if not canvases:
        raise TodError("int8 quantization needs at least one calibration image")
    canvases = _pin_input_range(canvases)
    fn = tflite_function(model, config, num_labels, normalize=normalize_depthwise, calibration=scores)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    # the bar goes to the real stderr: the conversion's native logs (fd 2) are captured below
    stderr = os.fdopen(os.dup(2), "w")
    converter.representative_dataset = lambda: (
        [c] for c in bar(canvases, desc="int8 calibration", unit="image", stream=stderr))
    # int8 builtins only: an op that cannot be quantized fails the conversion instead of staying float.
    # The TFLite_Detection_PostProcess custom op keeps its float inputs (see the module docstring).
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.uint8      # raw pixels (the graph's input is uint8 already)
    with stderr, native_log_captured():
        return converter.convert()


def model_from_saved_model(export_dir):
    """``(keras model, TrainConfig, LabelMap)`` rebuilt from an export folder without its checkpoint.

    ``tod export`` stores the model's variables, in order, as the SavedModel's ``weights``: the
    model is rebuilt from ``train_config.yaml`` and the values are copied over (shapes checked).
    """
    import tensorflow as tf

    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.training.config import load_config
    from tod_ros.training.model import build_task, experiment_config
    from tod_ros.filenames import LABEL_MAP as LABEL_MAP_NAME, TRAIN_CONFIG as CONFIG_NAME

    export_dir = Path(export_dir)
    for name in (CONFIG_NAME, LABEL_MAP_NAME, f"{SAVED_MODEL_DIR}/{SAVED_MODEL_PB}"):
        if not (export_dir / name).is_file():
            raise TodError(f"{export_dir}: missing {name} (not a folder written by 'tod export')")
    config, labels = load_config(export_dir / CONFIG_NAME), read_label_map(export_dir / LABEL_MAP_NAME)
    saved = list(getattr(tf.saved_model.load(str(export_dir / SAVED_MODEL_DIR)), "weights", []))
    model = build_task(experiment_config(config, labels.max_id), config).build_model()
    target = list(model.variables)
    if len(saved) != len(target) or any(a.shape != b.shape for a, b in zip(saved, target)):
        raise TodError(f"{export_dir}: the SavedModel's weights do not match the model of train_config.yaml "
                       f"({len(saved)} vs {len(target)} variables): export again from the checkpoint")
    for var, value in zip(target, saved):
        var.assign(value)
    return model, config, labels


def calibration_source(int8_config, train_config):
    """Where the calibration frames come from: ``--calibration``, else the model's training records."""
    source = int8_config.calibration or ",".join(train_config.train_records)
    if not source:
        raise TodError("no calibration images: the training config names no train_records; "
                       "give --calibration RECORDS_OR_FOLDER")
    return source


def write_int8(model, config, num_labels, out_path, int8_config=None, scores=None, log=print):
    """Quantize ``model`` (calibrated per ``int8_config``; ``scores`` mapped as the SavedModel's) and write
    ``out_path`` atomically; returns it. ``log`` gets the line naming the calibration images before the
    (long) conversion starts."""
    from tod_ros.fileio import atomic_path
    from tod_ros.progress import stage

    int8_config = (int8_config or Int8Config()).validate()
    source = calibration_source(int8_config, config)
    named = calibration_images(source, int8_config.num_images, named=True)
    log(calibration_line(source, [name for _, name in named]))
    with stage("int8 TFLite"):
        data = convert_int8(model, config, num_labels,
                            representative_canvases([image for image, _ in named], config.input_height,
                                                    config.input_width), scores)
    with atomic_path(out_path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(out_path)


def add_int8_to_export(export_dir, int8_config=None):
    """Write ``<export_dir>/model_int8.tflite`` for a folder written by ``tod export`` (no checkpoint needed)."""
    from tod_ros.filenames import SCORE_CALIBRATION
    from tod_ros.training import score_calibration

    model, config, labels = model_from_saved_model(export_dir)
    cal_file = Path(export_dir) / SCORE_CALIBRATION
    cal = score_calibration.load(cal_file) if cal_file.is_file() else None
    return write_int8(model, config, labels.max_id, Path(export_dir) / INT8_TFLITE_NAME, int8_config, cal)
