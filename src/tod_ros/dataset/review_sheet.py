"""The review sheet of ``tod prelabel --sheet``: every proposal of the model in one picture.

One thumbnail per image, the most uncertain first (lowest box score; an image without any box
first of all: a cube the model missed), each box drawn with its label and score, boxes scoring
under ``check_below`` in magenta with a ``?``, so a team sees what to fix before opening the annotator.
Pure drawing (OpenCV): the model ran elsewhere and hands its boxes here.
"""
from pathlib import Path

from tod_ros.dataset.report import grid_image
from tod_ros.errors import TodError
from tod_ros.imageops import color_of, decode_image, draw_boxes, write_png

UNCERTAIN_COLOR = (255, 0, 255)   # BGR magenta: no class colour (tod_ros.imageops) looks like it
CAPTION_HEIGHT = 22


def uncertainty_order(proposals):
    """``proposals`` [(image, [Box])] sorted most uncertain first: no box, then by lowest score, then name."""
    return sorted(proposals, key=lambda p: (bool(p[1]), min((b.score for b in p[1]), default=0.0), str(p[0])))


def box_text(box, check_below):
    """``one 0.93``, or ``one 0.62 ?`` under ``check_below``."""
    return f"{box.label} {box.score:.2f}" + (" ?" if box.score < check_below else "")


def _caption(thumb, text, color):
    import cv2
    import numpy as np

    bar = np.full((CAPTION_HEIGHT, thumb.shape[1], 3), 24, np.uint8)
    cv2.putText(bar, text, (4, CAPTION_HEIGHT - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1, cv2.LINE_AA)
    return np.vstack([bar, thumb])


def proposal_thumb(image, boxes, class_names, check_below, width):
    """The thumbnail of one image: boxes with label and score, a caption with its name and lowest score."""
    import cv2

    bgr = decode_image(Path(image).read_bytes(), image)
    k = width / bgr.shape[1]
    bgr = cv2.resize(bgr, (width, int(round(bgr.shape[0] * k))), interpolation=cv2.INTER_AREA)
    colors = [UNCERTAIN_COLOR if b.score < check_below
              else color_of(class_names.index(b.label) if b.label in class_names else 0) for b in boxes]
    drawn = draw_boxes(bgr, [(b.xmin * k, b.ymin * k, b.xmax * k, b.ymax * k) for b in boxes],
                       [box_text(b, check_below) for b in boxes], colors)
    lowest = min((b.score for b in boxes), default=None)
    worry = lowest is None or lowest < check_below
    summary = "no box: missed cubes?" if lowest is None else f"{len(boxes)} box(es), min {lowest:.2f}"
    return _caption(drawn, f"{Path(image).name}  {summary}", (255, 120, 255) if worry else (220, 220, 220))


def write_review_sheet(proposals, out_path, check_below, class_names=(), cols=4, width=320):
    """Write the review sheet of ``proposals`` [(image path, [Box])] to ``out_path`` (PNG); returns the path."""
    if not proposals:
        raise TodError(f"{out_path}: no proposal to draw (no image was pre-annotated)")
    names = list(class_names) or sorted({b.label for _, boxes in proposals for b in boxes})
    thumbs = [proposal_thumb(image, boxes, names, check_below, width)
              for image, boxes in uncertainty_order(proposals)]
    return write_png(out_path, grid_image(thumbs, cols))
