"""Pictures of an evaluation: precision-recall curves (matplotlib Agg) and annotated error images."""
import io
from pathlib import Path

from tod_ros.evaluation.metrics import precision_envelope
from tod_ros.fileio import atomic_write
from tod_ros.imageops import draw_boxes, write_png

# BGR colours of the annotated error images (documented in docs/evaluation.md).
COLORS = {
    "gt": (0, 200, 0),             # ground truth found by a correct detection: green
    "missed": (0, 220, 255),       # ground truth nobody found: yellow
    "correct": (230, 120, 0),      # correct detection: blue
    "false_positive": (0, 0, 230),  # detection on no box (or a second one on a box): red
    "wrong_class": (200, 0, 200),  # detection on a box of another class: magenta
}


def plot_pr_curve(curve, path):
    """Write the precision-recall curve of one class (:class:`~.metrics.PRCurve`) as PNG; returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    if len(curve.recall):
        mrec, mpre = precision_envelope(curve.recall, curve.precision)
        ax.step(mrec, mpre, where="pre", color="tab:blue", label="interpolated (area = AP)")
        ax.plot(curve.recall, curve.precision, ".", color="tab:orange", alpha=0.7,
                label="after each detection (by decreasing score)")
        ax.legend(loc="lower left", fontsize=8)
    ap = "n/a (no box of this class)" if curve.ap is None else f"{curve.ap:.3f}"
    ax.set_title(f"{curve.label}: AP@0.5 = {ap}, {curve.num_gt} box(es), {len(curve.scores)} detection(s)",
                 fontsize=9)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0.0, 1.02)
    ax.set_ylim(0.0, 1.02)
    ax.grid(True, alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    with atomic_write(path, "wb") as fh:
        fh.write(buf.getvalue())
    return Path(path)


def _with_legend(bgr):
    """``bgr`` with a strip below it naming the colours."""
    import cv2
    import numpy as np

    strip = np.full((20, bgr.shape[1], 3), 255, np.uint8)
    x = 5
    for name, color in COLORS.items():
        text = name.replace("_", " ")
        (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        cv2.rectangle(strip, (x, 3), (x + tw + 6, 17), color, -1)
        cv2.putText(strip, text, (x + 3, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
        x += tw + 10
    return np.vstack([bgr, strip])


def draw_errors(bgr, errors):
    """A copy of ``bgr`` with the ground truth and the detections of one :class:`~.metrics.ImageErrors`."""
    boxes, labels, colors = [], [], []

    def add(box, label, color):
        boxes.append(box)
        labels.append(label)
        colors.append(COLORS[color])

    for _, g in errors.correct:
        add(g.box, g.label, "gt")
    for _, g in errors.wrong_class:
        add(g.box, g.label, "gt")
    for g in errors.missed:
        add(g.box, f"MISSED {g.label}", "missed")
    for p, _ in errors.correct:
        add(p.box, f"{p.label} {p.score:.2f}", "correct")
    for p in errors.false_positives:
        add(p.box, f"FP {p.label} {p.score:.2f}", "false_positive")
    for p, g in errors.wrong_class:
        add(p.box, f"{p.label} {p.score:.2f} (is {g.label})", "wrong_class")
    return _with_legend(draw_boxes(bgr, boxes, labels, colors))


def write_error_image(bgr, errors, path):
    """Write :func:`draw_errors` of ``bgr`` as PNG at ``path`` (atomically); returns the path."""
    return write_png(path, draw_errors(bgr, errors))
