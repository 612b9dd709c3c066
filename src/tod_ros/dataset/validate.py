"""Validation of annotations before anything is written.

Every problem names the XML file (or CSV row), the object (1-based index and label) and the reason.
With ``fix=True`` boxes are clipped into the image and bad objects are skipped with a warning, and
so are images whose data cannot be decoded; other problems at the image level (missing image,
size mismatch, duplicates) always stop.
"""
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from tod_ros.dataset.imagesize import ImageLimits, check_decodes, check_image_file
from tod_ros.dataset.voc import find_image
from tod_ros.errors import TodError

DECODE_THREADS = min(4, os.cpu_count() or 1)     # threads decoding images during validation


def where(ann):
    """How to name ``ann`` in messages: its XML file, else its image."""
    if ann.xml_path is not None:
        return str(ann.xml_path)
    return f"{ann.image_path or ann.filename}"


def _check_size(ann, width, height, name, problems, warnings):
    if not ann.width or not ann.height:
        warnings.append(f"{name}: no <size> in the XML, using the image's real size {width}x{height}")
        return True
    if (ann.width, ann.height) != (width, height):
        problems.append(f"{name}: XML size {ann.width}x{ann.height} disagrees with the image "
                        f"{ann.image_path or ann.filename} ({width}x{height}): re-annotate or fix <size>")
        return False
    return True


def _check_object(obj, index, width, height, label_map, fix, name, problems, warnings):
    """The object to keep (possibly clipped) or None; appends problems/warnings."""
    what = f"{name}: object {index} ({obj.name!r})"
    if label_map is not None and obj.name not in label_map:
        msg = f"{what}: unknown label {obj.name!r} (label map has: {', '.join(label_map.names)})"
        return _bad(msg, fix, problems, warnings)
    coords = (obj.xmin, obj.ymin, obj.xmax, obj.ymax)
    if not all(math.isfinite(c) for c in coords):
        return _bad(f"{what}: non-finite box coordinates {coords}", fix, problems, warnings)
    if obj.xmax <= obj.xmin or obj.ymax <= obj.ymin:
        return _bad(f"{what}: empty box (xmin={obj.xmin:g}, xmax={obj.xmax:g}, ymin={obj.ymin:g}, ymax={obj.ymax:g}; "
                    "need xmax > xmin and ymax > ymin)", fix, problems, warnings)
    outside = obj.xmin < 0 or obj.ymin < 0 or obj.xmax > width or obj.ymax > height
    if not outside:
        return obj
    box = f"({obj.xmin:g}, {obj.ymin:g}, {obj.xmax:g}, {obj.ymax:g})"
    if not fix:
        problems.append(f"{what}: box {box} outside the {width}x{height} image")
        return None
    clipped = replace(obj, xmin=max(0.0, obj.xmin), ymin=max(0.0, obj.ymin),
                      xmax=min(float(width), obj.xmax), ymax=min(float(height), obj.ymax))
    if clipped.xmax <= clipped.xmin or clipped.ymax <= clipped.ymin:
        warnings.append(f"{what}: box {box} entirely outside the {width}x{height} image: skipped")
        return None
    warnings.append(f"{what}: box {box} clipped into the {width}x{height} image")
    return clipped


def _bad(msg, fix, problems, warnings):
    if fix:
        warnings.append(f"{msg}: skipped")
    else:
        problems.append(msg)
    return None


def _decode_error(image):
    try:
        check_decodes(image)
    except TodError as exc:
        return exc
    return None


def _decode_all(annotations):
    """``{image path: TodError or None}``: every image decoded, in threads (Pillow releases the GIL)."""
    images = sorted({p for p in (find_image(a) for a in annotations) if p is not None})
    if len(images) < 8:
        return {p: _decode_error(p) for p in images}
    with ThreadPoolExecutor(max_workers=DECODE_THREADS) as pool:
        return dict(zip(images, pool.map(_decode_error, images)))


def validate_annotations(annotations, label_map=None, fix=False, source="dataset", decode=True, limits=ImageLimits()):
    """Check annotations against their images and ``label_map``.

    Every image is decoded (``decode``; see :func:`check_decodes`): a truncated or corrupt one is a
    problem naming the file, or with ``fix`` a warning and the image is skipped; so is an image
    outside ``limits`` (:class:`ImageLimits`, read from its header).
    Returns ``(clean_annotations, problems, warnings)``: clean ones are copies with
    ``image_path`` set, the real image size, and (with ``fix``) clipped / filtered objects.
    ``problems`` is empty when the data can be written. Reports an empty dataset as a problem.
    """
    problems, warnings, clean, seen = [], [], [], {}
    annotations = list(annotations)
    decoded = _decode_all(annotations) if decode else {}
    if not annotations:
        problems.append(f"{source}: empty dataset (no annotated image)")
    for ann in annotations:
        name = where(ann)
        image = find_image(ann)
        if image is None:
            folder = Path(ann.xml_path or ann.image_path or ".").parent
            problems.append(f"{name}: image {ann.filename!r} not found in {folder} "
                            "(looked for <filename>, <path> inside that folder, and the XML's name)")
            continue
        key = image.name
        if key in seen:
            problems.append(f"{name}: duplicate image name {key!r} (also annotated by {seen[key]})")
            continue
        seen[key] = name
        try:
            width, height, fmt = check_image_file(image, limits, decode=False)
            if decode and decoded.get(image) is not None:
                raise decoded[image]
        except TodError as exc:
            _bad(f"{name}: unreadable image: {exc}", fix, problems, warnings)
            continue
        fixed = replace(ann, image_path=image, objects=[])
        if not _check_size(fixed, width, height, name, problems, warnings):
            continue
        fixed.width, fixed.height = width, height
        for i, obj in enumerate(ann.objects, start=1):
            kept = _check_object(obj, i, width, height, label_map, fix, name, problems, warnings)
            if kept is not None:
                fixed.objects.append(kept)
        clean.append(fixed)
    return clean, problems, warnings
