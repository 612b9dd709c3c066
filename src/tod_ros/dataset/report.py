"""Dataset report: images and boxes per class and split, box sizes, contact sheet.

No TensorFlow here: images are read from the dataset folders (OpenCV) only for drawing.
"""
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from tod_ros.errors import TodError
from tod_ros.imageops import color_of, decode_image, draw_boxes, write_png

SHEET_IMAGES = 48    # images on a contact sheet at most


def draw_annotation(ann, class_names, width=None):
    """The image of a validated annotation (resized to ``width`` if given) with its boxes drawn."""
    import cv2

    img = decode_image(Path(ann.image_path).read_bytes(), ann.image_path)
    k = 1.0
    if width:
        k = width / img.shape[1]
        img = cv2.resize(img, (width, int(round(img.shape[0] * k))), interpolation=cv2.INTER_AREA)
    colors = [color_of(class_names.index(o.name) if o.name in class_names else 0) for o in ann.objects]
    return draw_boxes(img, [(o.xmin * k, o.ymin * k, o.xmax * k, o.ymax * k) for o in ann.objects],
                      [o.name for o in ann.objects], colors)


# --------------------------------------------------------------------------- statistics


def _stats(values):
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


@dataclass
class SplitStats:
    """Counts and box sizes of one split."""

    name: str
    images: int = 0
    negatives: int = 0
    images_per_class: Counter = field(default_factory=Counter)
    boxes_per_class: Counter = field(default_factory=Counter)
    widths: List[float] = field(default_factory=list)
    heights: List[float] = field(default_factory=list)
    rel_widths: List[float] = field(default_factory=list)
    rel_heights: List[float] = field(default_factory=list)


def split_stats(name, annotations):
    """Statistics of validated ``annotations`` (real image sizes)."""
    s = SplitStats(name, images=len(annotations))
    for a in annotations:
        s.negatives += not a.objects
        s.images_per_class.update({o.name for o in a.objects})
        for o in a.objects:
            s.boxes_per_class[o.name] += 1
            w, h = o.xmax - o.xmin, o.ymax - o.ymin
            s.widths.append(w)
            s.heights.append(h)
            s.rel_widths.append(w / a.width)
            s.rel_heights.append(h / a.height)
    return s


def format_report(stats):
    """Text lines of a list of :class:`SplitStats`."""
    classes = sorted({c for s in stats for c in s.boxes_per_class})
    lines = [f"{'split':<10}{'images':>8}{'no box':>8}{'boxes':>8}  " + "  ".join(f"{c} (img/box)" for c in classes)]
    total = SplitStats("total")
    for s in stats:
        cells = "  ".join(f"{s.images_per_class[c]:>5}/{s.boxes_per_class[c]:<5}" for c in classes)
        lines.append(f"{s.name:<10}{s.images:>8}{s.negatives:>8}{sum(s.boxes_per_class.values()):>8}  {cells}")
        for attr in ("widths", "heights", "rel_widths", "rel_heights"):
            getattr(total, attr).extend(getattr(s, attr))
    lines.append("box sizes (min / median / max):")
    for s in list(stats) + ([total] if len(stats) > 1 else []):
        w, h = _stats(s.widths), _stats(s.heights)
        rw, rh = _stats(s.rel_widths), _stats(s.rel_heights)
        if w is None:
            lines.append(f"  {s.name}: no box")
            continue
        lines.append(f"  {s.name}: width {w['min']:.0f} / {w['median']:.0f} / {w['max']:.0f} px "
                     f"({rw['min']:.3f} / {rw['median']:.3f} / {rw['max']:.3f} of the image), "
                     f"height {h['min']:.0f} / {h['median']:.0f} / {h['max']:.0f} px "
                     f"({rh['min']:.3f} / {rh['median']:.3f} / {rh['max']:.3f})")
    return lines


def contact_sheet(annotations, class_names, out_path, max_images=SHEET_IMAGES, cols=6, thumb_width=240):
    """A PNG grid of (up to ``max_images``) images with their boxes drawn; returns the path."""
    import cv2

    annotations = list(annotations)[:max_images]
    if not annotations:
        raise TodError("contact sheet: no image to draw")
    thumbs = []
    for a in annotations:
        thumb = draw_annotation(a, class_names, thumb_width)
        h = thumb.shape[0]
        cv2.putText(thumb, Path(a.image_path).name, (3, h - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                    cv2.LINE_AA)
        thumbs.append(thumb)
    return write_png(out_path, grid_image(thumbs, cols))


def grid_image(thumbs, cols, gap=4, background=32):
    """The BGR picture of ``thumbs`` (BGR arrays, any sizes) in rows of ``cols``, left to right."""
    import numpy as np

    cell_h, cell_w = max(t.shape[0] for t in thumbs), max(t.shape[1] for t in thumbs)
    cols = min(cols, len(thumbs))
    rows = (len(thumbs) + cols - 1) // cols
    sheet = np.full((rows * (cell_h + gap), cols * (cell_w + gap), 3), background, np.uint8)
    for i, t in enumerate(thumbs):
        r, c = divmod(i, cols)
        y, x = r * (cell_h + gap), c * (cell_w + gap)
        sheet[y:y + t.shape[0], x:x + t.shape[1]] = t
    return sheet


@dataclass
class DatasetReport:
    """A validated dataset's statistics (and warnings / problems found while reading it)."""

    stats: List[SplitStats]
    clean: Dict[str, list]
    class_names: List[str]
    problems: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)

    def lines(self):
        out = format_report(self.stats)
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"problem: {p}" for p in self.problems]
        return out


def dataset_report(specs, label_map=None):
    """Read and validate (``fix``-style, never raising on data problems) each split of ``specs``."""
    from tod_ros.dataset.convert import load_split
    from tod_ros.dataset.validate import validate_annotations

    stats, clean, problems, warnings = [], {}, [], []
    for spec in specs:
        anns, probs, warns = load_split(spec)
        ok, probs2, warns2 = validate_annotations(anns, label_map, fix=False, source=str(spec.images_dir)) \
            if anns else ([], [], [])
        problems += probs + probs2
        warnings += warns + warns2 + _unreviewed_warning(spec, anns)
        clean[spec.name] = ok
        stats.append(split_stats(spec.name, ok))
    names = label_map.names if label_map else sorted({c for s in stats for c in s.boxes_per_class})
    return DatasetReport(stats, clean, names, problems, warnings)


def _unreviewed_warning(spec, annotations):
    """One warning naming the pre-annotations of ``tod prelabel`` nobody has reviewed yet (if any)."""
    from tod_ros.dataset.prelabel import is_unreviewed

    names = sorted(Path(a.xml_path).name for a in annotations if is_unreviewed(a))
    if not names:
        return []
    more = " ..." if len(names) > 5 else ""
    return [f"{spec.images_dir}: {len(names)} unreviewed pre-annotation(s) of tod prelabel (review them in "
            f"`tod label`; convert refuses them): {', '.join(names[:5])}{more}"]
