"""Pre- and post-processing around the exported ``model.tflite`` (pure numpy + OpenCV, no TensorFlow).

The TFLite model takes a uint8 RGB ``[1, H, W, 3]`` canvas (H x W = the training input size,
read from the model's input tensor): the frame resized keeping its aspect ratio, placed at
the top-left and padded with the ImageNet mean colour, exactly as Model Garden's parser does
(normalisation is inside the model). Its boxes are normalised to that canvas;
:func:`to_original` maps them back to the original frame (normalised ``[ymin, xmin, ymax, xmax]``,
as the SavedModel and the TOD API output).
"""
from dataclasses import dataclass

import numpy as np

MEAN_RGB = (124, 116, 104)   # round(255 * (0.485, 0.456, 0.406)): normalises to ~0, as tfm's padding


@dataclass(frozen=True)
class Letterbox:
    """Where the frame went on the canvas: the frame's size and its resized size."""

    height: int
    width: int
    scaled_height: int
    scaled_width: int
    canvas_height: int
    canvas_width: int


def letterbox(image_rgb, height, width):
    """``(canvas uint8 [H, W, 3], Letterbox)``: ``image_rgb`` resized to fit HxW, top-left, mean-padded."""
    import cv2

    h, w = image_rgb.shape[:2]
    scale = min(height / h, width / w)
    sh, sw = min(height, int(round(h * scale))), min(width, int(round(w * scale)))
    resized = cv2.resize(image_rgb, (sw, sh), interpolation=cv2.INTER_LINEAR)
    # mean-coloured padding at the bottom and right (one OpenCV call: ~10x faster than filling a canvas)
    canvas = cv2.copyMakeBorder(resized, 0, height - sh, 0, width - sw, cv2.BORDER_CONSTANT, value=MEAN_RGB)
    return canvas, Letterbox(h, w, sh, sw, height, width)


def to_original(boxes, box):
    """Boxes normalised to the canvas -> normalised to the original frame (clipped to [0, 1])."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    fy = box.canvas_height / box.scaled_height
    fx = box.canvas_width / box.scaled_width
    out = boxes * np.array([fy, fx, fy, fx], np.float32)
    return np.clip(out, 0.0, 1.0)


def run_tflite(interpreter, image_rgb):
    """Detections of a ``tf.lite.Interpreter`` (or ``tflite_runtime``) on an RGB frame, TOD-style.

    Returns a dict of numpy arrays ``detection_boxes`` [N, 4] (normalised to the frame),
    ``detection_scores`` [N], ``detection_classes`` [N] (label-map ids, int64), ``num_detections``.
    """
    runner = interpreter.get_signature_runner()
    (name, detail), = runner.get_input_details().items()
    _, height, width, _ = detail["shape"]
    canvas, box = letterbox(image_rgb, int(height), int(width))
    out = runner(**{name: canvas[np.newaxis]})
    n = int(out["num_detections"][0])
    return {"detection_boxes": to_original(out["detection_boxes"][0, :n], box),
            "detection_scores": out["detection_scores"][0, :n].astype(np.float32),
            "detection_classes": out["detection_classes"][0, :n].astype(np.int64),
            "num_detections": n}
