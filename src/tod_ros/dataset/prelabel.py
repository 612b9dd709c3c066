"""Pre-annotations: a model's boxes written as labelImg XML, marked as not yet reviewed by a person.

The marker is the ``<source><database>`` field: ``tod prelabel`` (and the detector's
``save_uncertain``) write :data:`PRELABEL_DATABASE`; labelImg and labelimgplusplus rewrite it to
``Unknown`` on every save (``PascalVocWriter(database_src='Unknown')``), and *Verify* saves the file
with ``verified="yes"``. So a file is an **unreviewed pre-annotation** exactly when its database is
:data:`PRELABEL_DATABASE` and it is not verified; once a person saves or verifies it in the
annotator, it is an ordinary annotation (see docs/dataset.md).

Pure functions (no TensorFlow): the model runs elsewhere (:mod:`tod_ros.evaluation.proposals`, the
detector node) and hands its detections here.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

from tod_ros.dataset.imagesize import ImageLimits, read_image
from tod_ros.dataset.voc import VocAnnotation, VocObject, to_xml
from tod_ros.errors import TodError
from tod_ros.fileio import temp_next_to

PRELABEL_DATABASE = "tod prelabel"
CHECK_BELOW = 0.7       # boxes scoring below are listed first in the summary, to check first


@dataclass
class Box:
    """One detection to pre-annotate: label, score in [0, 1], pixel box (xmin, ymin, xmax, ymax)."""

    label: str
    score: float
    xmin: float
    ymin: float
    xmax: float
    ymax: float


@dataclass
class PrelabelResult:
    """What was pre-annotated: files written, boxes, and the boxes to check first (lowest scores)."""

    written: List[Path] = field(default_factory=list)     # XML files
    skipped: List[Path] = field(default_factory=list)     # images that already had an XML
    boxes: int = 0
    low: List[tuple] = field(default_factory=list)        # (score, xml path, label)
    failed: List[str] = field(default_factory=list)       # images that could not be read
    proposals: List[tuple] = field(default_factory=list)  # (image path, [Box]) of each XML written


def is_unreviewed(ann):
    """True when ``ann`` (a VocAnnotation) is a pre-annotation nobody has saved or verified yet."""
    return ann.database == PRELABEL_DATABASE and not ann.verified


def as_box(det):
    """A :class:`Box` from a Detection (``label, score, box_px``), a Box, or a tuple
    ``(label, score, (xmin, ymin, xmax, ymax))``."""
    if isinstance(det, Box):
        return det
    if hasattr(det, "box_px"):
        return Box(det.label, float(det.score), *(float(v) for v in det.box_px))
    label, score, box = det
    return Box(str(label), float(score), *(float(v) for v in box))


def pre_annotation(filename, width, height, detections, folder="", score_threshold=0.0):
    """The VocAnnotation (marked unreviewed) of ``detections`` on a ``width`` x ``height`` image.

    Boxes under ``score_threshold`` are dropped; coordinates are clipped into the image and rounded to
    integers (labelImg reads ``int(float(v))``); boxes empty after that are dropped.
    """
    objects = []
    for det in map(as_box, detections):
        if det.score < score_threshold:
            continue
        xmin, xmax = (int(round(min(max(v, 0.0), float(width)))) for v in (det.xmin, det.xmax))
        ymin, ymax = (int(round(min(max(v, 0.0), float(height)))) for v in (det.ymin, det.ymax))
        if xmax > xmin and ymax > ymin:
            objects.append(VocObject(det.label, xmin, ymin, xmax, ymax))
    return VocAnnotation(filename=filename, width=int(width), height=int(height), depth=3, objects=objects,
                         folder=folder, path=filename, database=PRELABEL_DATABASE)


def _link_new(data, target):
    """Write ``data`` to a temp file beside ``target`` then hard-link it there: atomic, and fails
    with FileExistsError instead of replacing an existing file."""
    fd, tmp = temp_next_to(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, target)
    finally:
        os.unlink(tmp)
    return target


def write_new_xml(xml_path, ann):
    """Write ``ann`` at ``xml_path`` only if no file is there (atomic, never overwrites).

    Returns True when written, False when ``xml_path`` already existed.
    """
    try:
        _link_new(to_xml(ann).encode("utf-8"), Path(xml_path))
    except FileExistsError:
        return False
    ann.xml_path = Path(xml_path)
    return True


def save_prelabeled(folder, bgr, detections, prefix="uncertain", digits=3, score_threshold=0.0):
    """Save a frame and its pre-annotation for review in ``tod label``; returns ``(image, xml)`` paths.

    ``folder``: target folder (created); ``bgr``: HxWx3 uint8 frame; ``detections``: iterable of
    :class:`tod_ros.detection.Detection` (``label``, ``score``, ``box_px`` = pixel xmin, ymin,
    xmax, ymax), :class:`Box`, or ``(label, score, (xmin, ymin, xmax, ymax))`` tuples; ``prefix``,
    ``digits``: file names ``<prefix>NNN.png`` / ``<prefix>NNN.xml`` with the next free number;
    ``score_threshold``: boxes below it are left out of the XML.

    Both files are written atomically (temp file + hard link) and never replace an existing file:
    the image first, then its XML, so a crash in between leaves only an image without XML (which
    ``tod label`` / ``tod prelabel`` treat as not annotated yet). Raises :class:`TodError` for a bad
    frame, OSError for filesystem errors.
    """
    from tod_ros.capture import save_frame

    image = save_frame(folder, bgr, prefix=prefix, digits=digits)
    height, width = bgr.shape[:2]
    ann = pre_annotation(image.name, width, height, detections, folder=image.parent.name,
                         score_threshold=score_threshold)
    xml = image.with_suffix(".xml")
    if not write_new_xml(xml, ann):
        raise TodError(f"{xml}: already exists (not replaced); the frame was saved as {image}")
    return image, xml


def images_without_xml(folders):
    """Image files directly inside each of ``folders`` (those that exist) that have no ``<stem>.xml``."""
    from tod_ros.fileio import list_images

    out = []
    for folder in folders:
        folder = Path(folder)
        if folder.is_dir():
            out += [p for p in list_images(folder) if not p.with_suffix(".xml").exists()]
    return out


def prelabel_images(images, detect, score_threshold=0.0, check_below=CHECK_BELOW, progress=None,
                    limits=ImageLimits()):
    """Pre-annotate ``images`` (paths) with ``detect(bgr) -> detections``; never overwrites an XML.

    Each XML is written beside its image, with the boxes scoring at least ``score_threshold``. An
    image that cannot be read is reported in ``result.failed`` and the run goes on, and so is one
    outside ``limits`` (never decoded). Boxes scoring under ``check_below`` are listed in
    ``result.low`` (lowest first): the ones a person should look at first. ``progress``: an
    optional wrapper of the image iterable (e.g. tqdm).
    """
    result = PrelabelResult()
    for image in (progress(images) if progress else images):
        image = Path(image)
        xml = image.with_suffix(".xml")
        if xml.exists():
            result.skipped.append(image)
            continue
        try:
            bgr = read_image(image, limits)
        except TodError as exc:
            result.failed.append(str(exc))
            continue
        boxes = [b for b in map(as_box, detect(bgr)) if b.score >= score_threshold]
        ann = pre_annotation(image.name, bgr.shape[1], bgr.shape[0], boxes, folder=image.parent.name)
        if not write_new_xml(xml, ann):
            result.skipped.append(image)
            continue
        result.written.append(xml)
        result.proposals.append((image, boxes))
        result.boxes += len(ann.objects)
        result.low += [(b.score, xml, b.label) for b in boxes if b.score < check_below]
    result.low.sort(key=lambda t: t[0])
    return result


def unreviewed_images(folders):
    """Image files directly inside each of ``folders`` whose XML is an unreviewed pre-annotation."""
    from tod_ros.dataset.voc import read_voc
    from tod_ros.fileio import list_images

    out = []
    for folder in map(Path, folders):
        for image in list_images(folder) if folder.is_dir() else []:
            xml = image.with_suffix(".xml")
            try:
                if xml.is_file() and is_unreviewed(read_voc(xml)):
                    out.append(image)
            except TodError:
                continue            # a broken XML is convert's to report
    return out


def proposals_of(images, detect, score_threshold=0.0, limits=ImageLimits()):
    """``[(image, [Box])]``: the boxes of ``detect(bgr)`` scoring at least ``score_threshold`` on each image
    readable within ``limits`` (the others are left out)."""
    out = []
    for image in images:
        try:
            bgr = read_image(image, limits)
        except TodError:
            continue
        out.append((Path(image), [b for b in map(as_box, detect(bgr)) if b.score >= score_threshold]))
    return out
