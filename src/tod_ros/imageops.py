"""Picture helpers shared by every layer (dataset, evaluation, inference, nodes): drawing boxes, IoU,
PNG encoding/decoding, the letterbox of the fixed-size TFLite input, the display check.

Neutral: imports nothing from tod_ros but :mod:`tod_ros.errors` and :mod:`tod_ros.fileio`;
OpenCV is imported inside the functions that need it.

Letterbox: the TFLite model takes a uint8 RGB ``[1, H, W, 3]`` canvas (H x W = the training
input size, read from the model's input tensor): the frame resized keeping its aspect ratio,
placed at the top-left and padded with the ImageNet mean colour, exactly as Model Garden's
parser does (normalisation is inside the model). Its boxes are normalised to that canvas;
:func:`to_original` maps them back to the original frame (normalised ``[ymin, xmin, ymax, xmax]``,
as the SavedModel and the TOD API output).
"""
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write

MEAN_RGB = (124, 116, 104)   # round(255 * (0.485, 0.456, 0.406)): normalises to ~0, as tfm's padding
_COLORS = [(0, 200, 0), (0, 0, 230), (230, 120, 0), (0, 200, 230), (200, 0, 200), (230, 230, 0)]


def has_display(env=None):
    """True when a graphical display is available (X11 or Wayland)."""
    env = os.environ if env is None else env
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def color_of(index):
    """A BGR color per class index (stable)."""
    return _COLORS[index % len(_COLORS)]


def draw_boxes(bgr, boxes, labels, colors=None):
    """Draw pixel ``boxes`` [(xmin, ymin, xmax, ymax)] with ``labels`` on a copy of ``bgr``."""
    import cv2

    out = bgr.copy()
    scale = max(0.8, min(out.shape[:2]) / 480)
    for i, ((x0, y0, x1, y1), text) in enumerate(zip(boxes, labels)):
        color = colors[i] if colors else color_of(i)
        p0, p1 = (int(round(x0)), int(round(y0))), (int(round(x1)), int(round(y1)))
        cv2.rectangle(out, p0, p1, color, max(1, int(2 * scale)))
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, 1)
        ty = p0[1] - 2 if p0[1] - th - base >= 0 else p0[1] + th + 2
        cv2.rectangle(out, (p0[0], ty - th - base), (p0[0] + tw, ty + base), color, -1)
        cv2.putText(out, text, (p0[0], ty), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def iou(a, b):
    """Intersection over union of two pixel boxes (0 when either is empty)."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def write_png(path, bgr):
    """Save ``bgr`` as PNG atomically."""
    import cv2

    ok, buf = cv2.imencode(".png", bgr)
    if not ok:
        raise TodError(f"{path}: cannot encode PNG")
    with atomic_write(path, "wb") as fh:
        fh.write(buf.tobytes())
    return Path(path)


def decode_image(data, where):
    """BGR array of encoded image bytes; TodError naming ``where`` if undecodable."""
    import cv2

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise TodError(f"{where}: cannot decode image")
    return img


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
