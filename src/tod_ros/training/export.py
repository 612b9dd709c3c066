"""Export a trained model: SavedModel with the TOD API's signature, and TFLite for the Raspberry Pi.

``<out>/saved_model``: ``serving_default`` takes ``input_tensor`` uint8 ``[1, H, W, 3]`` RGB of any
size and returns ``detection_boxes`` (normalised ``[ymin, xmin, ymax, xmax]`` of the original
image), ``detection_scores``, ``detection_classes`` (label-map ids as float32) and
``num_detections`` (float32), like the TF Object Detection API's exported models. Built on
Model Garden's ``DetectionModule`` (resize, normalisation, NMS, normalised coordinates).

``<out>/model.tflite``: uint8 ``[1, H, W, 3]`` letterboxed canvas in, TFLite's
``TFLite_Detection_PostProcess`` NMS out (see :func:`tod_ros.imageops.letterbox` and docs/training.md).

``<out>/model_int8.tflite`` (``int8=``): the same contract, int8 network (:mod:`tod_ros.training.quantize`).
"""
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tod_ros.errors import TodError
from tod_ros.fileio import atomic_path, tf_fs_error
from tod_ros.progress import bar, lap
from tod_ros.training import score_calibration
from tod_ros.training.config import save_config
from tod_ros.training.tflite import convert_tflite
from tod_ros.filenames import LABEL_MAP as LABEL_MAP_NAME, SAVED_MODEL_DIR, SCORE_CALIBRATION, \
    TFLITE as TFLITE_NAME, TRAIN_CONFIG as CONFIG_NAME


@dataclass
class ExportResult:
    """Paths written by :func:`export_model`."""

    out_dir: Path
    saved_model: Path
    tflite: Optional[Path]
    checkpoint: str
    input_size: tuple
    tflite_int8: Optional[Path] = None
    scores: Optional[object] = None     # the score_calibration.Calibration inside the exported models


def _find_checkpoint(model_dir, checkpoint=None):
    import tensorflow as tf

    if checkpoint:
        if not tf.io.gfile.exists(str(checkpoint) + ".index"):
            raise TodError(f"checkpoint {checkpoint} not found (expected {checkpoint}.index)")
        return str(checkpoint)
    latest = tf.train.latest_checkpoint(str(model_dir))
    if not latest:
        raise TodError(f"{model_dir}: no checkpoint found (train first: tod train -p <project>)")
    return latest


def load_trained(model_dir, checkpoint=None):
    """``(TrainConfig, LabelMap, checkpoint path)`` of a model folder written by ``tod train``."""
    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.training.config import load_config

    model_dir = Path(model_dir)
    for name in (CONFIG_NAME, LABEL_MAP_NAME):
        if not (model_dir / name).is_file():
            raise TodError(f"{model_dir}: missing {name} (not a model folder written by 'tod train')")
    return load_config(model_dir / CONFIG_NAME), read_label_map(model_dir / LABEL_MAP_NAME), \
        _find_checkpoint(model_dir, checkpoint)


def build_detection_module(config, labels, checkpoint):
    """Model Garden ``DetectionModule`` (batch 1, TOD-style outputs) with weights from ``checkpoint``."""
    import tensorflow as tf
    from official.vision.serving import detection

    from tod_ros.training.model import experiment_config, quiet_tf_logs

    quiet_tf_logs()
    exp = experiment_config(config, labels.max_id)
    exp.task.export_config.output_normalized_coordinates = True
    exp.task.export_config.cast_num_detections_to_float = True
    exp.task.export_config.cast_detection_classes_to_float = True
    module = detection.DetectionModule(exp, batch_size=1, input_image_size=[config.input_height, config.input_width],
                                       input_type="image_tensor", num_channels=3)
    names = tf.train.load_checkpoint(checkpoint).get_variable_to_shape_map()
    if any(n.startswith("model/") for n in names):
        items = {"model": module.model}             # a checkpoint of tod train
    else:
        from tod_ros.training.task import detector_items

        items = detector_items(module.model)        # a published one (models/cubes_base, tod_ros.training.zoo)
    status = tf.train.Checkpoint(**items).read(checkpoint)
    status.expect_partial().assert_existing_objects_matched()
    return module


def cap_per_class(boxes, scores, classes, num, max_per_class):
    """Keep at most ``max_per_class`` detections of each class (inputs sorted by score, batch 1)."""
    import tensorflow as tf

    size = tf.shape(scores)[1]
    valid = tf.range(size) < tf.cast(num[0], tf.int32)
    cls = tf.cast(classes[0], tf.int32)
    same = tf.cast(tf.equal(cls[:, None], cls[None, :]), tf.int32)
    before = tf.linalg.band_part(same, -1, 0) - tf.eye(size, dtype=tf.int32)  # earlier rows of the same class
    rank = tf.reduce_sum(before * tf.cast(valid, tf.int32)[None, :], axis=1)
    keep = tf.logical_and(valid, rank < max_per_class)
    order = tf.argsort(tf.cast(tf.logical_not(keep), tf.int32), stable=True)
    kept = tf.reduce_sum(tf.cast(keep, tf.float32))
    mask = tf.cast(tf.range(size) < tf.cast(kept, tf.int32), tf.float32)
    gather = lambda t: tf.gather(t[0], order)[None]  # noqa: E731
    return (gather(boxes) * mask[None, :, None], gather(scores) * mask[None], gather(classes) * mask[None],
            tf.reshape(kept, [1]))


def tod_serving_module(module, max_per_class, max_total, calibration=None):
    """``tf.Module`` whose ``__call__`` has the TOD API's signature (``input_tensor`` -> 4 outputs);
    ``calibration``: a :class:`~tod_ros.training.score_calibration.Calibration` applied to the scores."""
    import tensorflow as tf

    from tod_ros.training.score_calibration import apply

    class TodDetector(tf.Module):
        def __init__(self):
            super().__init__(name="tod_detector")
            # Track the weights only (not the Keras model: its layer-by-layer serialisation is slow).
            self.weights = list(module.model.variables)

        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8, name="input_tensor")])
        def __call__(self, input_tensor):
            out = module.serve(input_tensor)
            boxes, scores = out["detection_boxes"], out["detection_scores"]
            classes, num = tf.cast(out["detection_classes"], tf.float32), tf.cast(out["num_detections"], tf.float32)
            if max_per_class < max_total:
                boxes, scores, classes, num = cap_per_class(boxes, scores, classes, num, max_per_class)
            return {"detection_boxes": boxes, "detection_scores": apply(tf, scores, calibration),
                    "detection_classes": classes, "num_detections": num}

    return TodDetector()


POST_PROCESSING_KEYS = ("max_detections_per_class", "max_total_detections", "pre_nms_score_threshold",
                        "nms_iou_threshold", "class_agnostic_nms", "pre_nms_top_k")
# The detector is fully convolutional and its anchors follow the input size: a model trained at one
# size can be served at another (e.g. pre-trained at 192x256, used at 256x320).
EXPORT_KEYS = POST_PROCESSING_KEYS + ("input_height", "input_width")


def export_model(model_dir, out_dir, checkpoint=None, tflite=True, overrides=None, int8=None, score_records=""):
    """Export the latest (or given) checkpoint of ``model_dir`` into ``out_dir``; returns :class:`ExportResult`.

    Writes ``saved_model/`` (TOD signature), ``model.tflite`` (unless ``tflite=False``),
    ``model_int8.tflite`` when ``int8`` (a :class:`tod_ros.training.quantize.Int8Config`) is given,
    ``label_map.pbtxt`` and ``train_config.yaml``.
    Every output is written atomically. ``overrides`` may change the post-processing keys and the serving
    input size (:data:`EXPORT_KEYS`) of the training config, e.g. ``{"max_total_detections": 10}`` or
    ``{"input_height": 256}``. Scores are calibrated on held-out images (``score_records``: record files,
    comma-separated, or ``none``; default: :func:`~tod_ros.training.score_calibration.calibration_records`).
    """
    import tensorflow as tf

    config, labels, ckpt = load_trained(model_dir, checkpoint)
    config = _post_processing(config, overrides or {})
    out_dir = Path(out_dir)
    module = build_detection_module(config, labels, ckpt)
    lap("checkpoint loading")
    cal = _calibrate(module, config, model_dir, score_records)
    lap("score calibration")
    serving = tod_serving_module(module, config.max_detections_per_class, config.max_total_detections, cal)
    saved = out_dir / SAVED_MODEL_DIR
    with _atomic_dir(saved) as tmp:
        tf.saved_model.save(serving, str(tmp), signatures={"serving_default": serving.__call__.get_concrete_function()})
    lap("SavedModel")
    lite = None
    if tflite:
        data = convert_tflite(module.model, config, labels.max_id, cal)
        with atomic_path(out_dir / TFLITE_NAME) as tmp:
            tmp.write_bytes(data)
        lite = out_dir / TFLITE_NAME
        lap("TFLite")
    lite8 = None
    if int8 is not None:
        from tod_ros.training.quantize import INT8_TFLITE_NAME, write_int8
        lite8 = write_int8(module.model, config, labels.max_id, out_dir / INT8_TFLITE_NAME, int8, cal)
    with atomic_path(out_dir / LABEL_MAP_NAME) as tmp:
        shutil.copyfile(Path(model_dir) / LABEL_MAP_NAME, tmp)
    save_config(config, out_dir / CONFIG_NAME, extra={"exported_checkpoint": ckpt})
    score_calibration.save(cal, out_dir / SCORE_CALIBRATION)
    return ExportResult(out_dir, saved, lite, ckpt, (config.input_height, config.input_width), lite8, cal)


def _calibrate(module, config, model_dir, score_records):
    """The score calibration of the raw detector ``module`` (identity for ``none`` or without records)."""
    import tensorflow as tf

    if str(score_records).strip().lower() == "none":
        return score_calibration.Calibration()
    raw = tod_serving_module(module, config.max_detections_per_class, config.max_total_detections)

    def detect(rgb):
        out = raw(tf.constant(rgb[None]))
        n, (h, w) = int(out["num_detections"][0]), rgb.shape[:2]
        boxes = out["detection_boxes"][0][:n].numpy() * [h, w, h, w]
        return [(int(c), float(s), (b[1], b[0], b[3], b[2])) for b, s, c in
                zip(boxes, out["detection_scores"][0][:n].numpy(), out["detection_classes"][0][:n].numpy())]

    records = score_calibration.calibration_records(config, model_dir, score_records)
    with bar(desc="score calibration", unit="image") as shown:     # on a terminal
        def counted(rgb):
            shown.update()
            return detect(rgb)

        return score_calibration.calibrate(counted, records)


def _post_processing(config, overrides):
    from tod_ros.training.config import RENAMED_KEYS, apply_overrides

    bad = sorted(set(overrides) - set(EXPORT_KEYS) - set(RENAMED_KEYS))
    if bad:
        raise TodError(f"export can only change {', '.join(EXPORT_KEYS)} (not {', '.join(bad)})")
    return apply_overrides(config, overrides, "export overrides").validate()


class _atomic_dir:
    """Write a folder under a temp name, then swap it onto ``path`` (old one removed) on success."""

    def __init__(self, path):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp")

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            disguised = tf_fs_error(exc, self.path)     # SaveV2 on a full disk: one line naming the folder
            if disguised is not None:
                raise disguised from exc
            return False
        old = self.path.with_name(f".{self.path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        self.tmp.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        return False
