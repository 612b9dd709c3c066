"""The tutorial's ``{train,test}_labels.csv``: one row per box.

Columns exactly ``filename,width,height,class,xmin,ymin,xmax,ymax`` (the seed's xml_to_csv.py).
An image without boxes (negative example) gets one row with empty class and coordinates,
so that CSV -> TFRecord keeps it.
"""
import csv
import math
from pathlib import Path

from tod_ros.dataset.voc import VocAnnotation, VocObject, _inside
from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write

COLUMNS = ("filename", "width", "height", "class", "xmin", "ymin", "xmax", "ymax")


def _num(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def csv_rows(annotations):
    """Rows (lists of strings, without the header) of ``annotations``."""
    rows = []
    for ann in annotations:
        fname = Path(ann.image_path).name if ann.image_path is not None else ann.filename
        head = [fname, str(ann.width), str(ann.height)]
        if not ann.objects:
            rows.append(head + ["", "", "", "", ""])
        for o in ann.objects:
            rows.append(head + [o.name, _num(o.xmin), _num(o.ymin), _num(o.xmax), _num(o.ymax)])
    return rows


def write_csv(path, annotations):
    """Write the labels CSV of ``annotations`` atomically; returns the path."""
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(csv_rows(annotations))
    return Path(path)


def _float(row, col, where):
    try:
        return float(row[col])
    except (TypeError, ValueError):
        raise TodError(f"{where}: column {col!r} is not a number: {row.get(col)!r}") from None


def read_csv(path, images_dir):
    """Annotations of a labels CSV, rows grouped by filename (first-appearance order).

    ``image_path`` of each annotation is ``images_dir/filename`` (names escaping the folder
    are rejected). Raises :class:`TodError` naming the file and line.
    """
    path, images_dir = Path(path), Path(images_dir)
    try:
        fh = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise TodError(f"{path}: cannot read CSV ({exc.strerror or exc})") from exc
    with fh:
        reader = csv.DictReader(fh)
        try:
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise TodError(f"{path}: missing column(s) {', '.join(missing)} (expected {','.join(COLUMNS)})")
            by_name = {}
            for row in reader:
                _add_row(by_name, row, f"{path}:{reader.line_num}", images_dir)
        except UnicodeDecodeError as exc:
            raise TodError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
        except csv.Error as exc:
            raise TodError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None
    return list(by_name.values())


def _size(row, col, where):
    value = _float(row, col, where)
    if not math.isfinite(value) or value < 0 or value > 1e9:
        raise TodError(f"{where}: column {col!r} should be a size in pixels, not {row.get(col)!r}")
    return int(value)


def _add_row(by_name, row, where, images_dir):
    fname = (row["filename"] or "").strip()
    if not fname:
        raise TodError(f"{where}: empty filename")
    image = images_dir / fname
    if not _inside(image, images_dir):
        raise TodError(f"{where}: filename {fname!r} escapes the image folder {images_dir}")
    width, height = _size(row, "width", where), _size(row, "height", where)
    ann = by_name.get(fname)
    if ann is None:
        ann = by_name[fname] = VocAnnotation(filename=fname, width=width, height=height, image_path=image)
    elif (ann.width, ann.height) != (width, height):
        raise TodError(f"{where}: size {width}x{height} of {fname!r} differs from its earlier rows "
                       f"({ann.width}x{ann.height})")
    label = (row["class"] or "").strip()
    if not label and not any((row[c] or "").strip() for c in ("xmin", "ymin", "xmax", "ymax")):
        return   # negative example
    if not label:
        raise TodError(f"{where}: empty class")
    coords = [_float(row, c, where) for c in ("xmin", "ymin", "xmax", "ymax")]
    ann.objects.append(VocObject(label, *coords))
