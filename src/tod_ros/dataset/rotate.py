"""Exact quarter-turn rotation of annotated photos (image and boxes), e.g. to test a detector on cubes
lying at other angles: ``tod rotate --images real --out real_90 --angle 90``.

A quarter turn moves every pixel onto the pixel grid, so the rotated boxes are exact (no
interpolation, no loose boxes). Angles are clockwise on screen, as a photo viewer turns them.
"""
from pathlib import Path

import cv2

from tod_ros.dataset.imagesize import check_image_file
from tod_ros.dataset.voc import VocAnnotation, VocObject, find_image, list_xml, read_voc, write_voc
from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write

ANGLES = (0, 90, 180, 270)
_CV_CODES = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def rotate_box(box, width, height, angle):
    """``(xmin, ymin, xmax, ymax)`` of an image ``width`` x ``height`` after a clockwise turn by ``angle``."""
    x0, y0, x1, y1 = box
    if angle == 0:
        return x0, y0, x1, y1
    if angle == 90:
        return height - y1, x0, height - y0, x1
    if angle == 180:
        return width - x1, height - y1, width - x0, height - y0
    if angle == 270:
        return y0, width - x1, y1, width - x0
    raise TodError(f"rotation angle must be one of {', '.join(map(str, ANGLES))} degrees, got {angle}")


def rotate_image(image, angle):
    """``image`` (numpy HxW[xC]) turned clockwise by ``angle`` (a multiple of 90 degrees)."""
    if angle not in ANGLES:
        raise TodError(f"rotation angle must be one of {', '.join(map(str, ANGLES))} degrees, got {angle}")
    return image if angle == 0 else cv2.rotate(image, _CV_CODES[angle])


def rotate_annotation(ann, angle):
    """A copy of ``ann`` (a :class:`VocAnnotation`) with its size and boxes turned by ``angle``."""
    objects = []
    for o in ann.objects:
        x0, y0, x1, y1 = rotate_box((o.xmin, o.ymin, o.xmax, o.ymax), ann.width, ann.height, angle)
        objects.append(VocObject(o.name, x0, y0, x1, y1, difficult=o.difficult, truncated=o.truncated))
    w, h = (ann.height, ann.width) if angle in (90, 270) else (ann.width, ann.height)
    return VocAnnotation(filename=ann.filename, width=w, height=h, depth=ann.depth, objects=objects,
                         folder=ann.folder, path=ann.filename, database=ann.database, verified=ann.verified)


def rotate_folder(images, out, angle):
    """Write every annotated image of folder ``images`` turned by ``angle`` into ``out``; returns the count.

    Images keep their names and format; the XML beside each is rewritten for the new size.
    """
    images, out = Path(images), Path(out)
    if angle not in ANGLES:
        raise TodError(f"rotation angle must be one of {', '.join(map(str, ANGLES))} degrees, got {angle}")
    if images.resolve() == out.resolve():
        raise TodError(f"{out}: the output folder must differ from the input folder")
    xmls = list_xml(images)
    if not xmls:
        raise TodError(f"{images}: no annotated image (.xml) found")
    out.mkdir(parents=True, exist_ok=True)
    for xml in xmls:
        ann = read_voc(xml)
        src = find_image(ann, images)
        if src is None:
            raise TodError(f"{xml}: image {ann.filename!r} not found in {images}")
        check_image_file(src)       # the image rule of every tool (docs/dataset.md): nothing decoded outside it
        image = cv2.imread(str(src), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise TodError(f"{src}: cannot be decoded as an image")
        ok, buf = cv2.imencode(src.suffix.lower(), rotate_image(image, angle), _quality(src))
        if not ok:
            raise TodError(f"{src}: cannot encode the rotated image")
        with atomic_write(out / src.name, "wb") as fh:
            fh.write(buf.tobytes())
        turned = rotate_annotation(ann, angle)
        turned.filename = turned.path = src.name
        write_voc(out / xml.name, turned)
    return len(xmls)


def _quality(path):
    return [cv2.IMWRITE_JPEG_QUALITY, 98] if path.suffix.lower() in (".jpg", ".jpeg") else []

