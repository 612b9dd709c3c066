"""Pascal VOC annotations as written by labelImg (see labelImg's pascal_voc_io.py).

What labelImg and its fork labelimgplusplus 3.5.0 write and read back (``libs/formats/pascal_voc_io.py``):
``<annotation verified="yes">`` once a person pressed *Verify*, ``<folder>`` (the image folder's
name), ``<filename>``, ``<path>`` (absolute path on the annotating machine), ``<source><database>``
(``Unknown`` on every save), ``<size>`` (``depth`` 1 when Qt sees a grey image), ``<segmented>``,
and per object ``name, pose, truncated, difficult, bndbox``. Their reader keeps ``int(float(v))``
of each coordinate, so pre-annotations are written with integer coordinates.
"""
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

from tod_ros.errors import TodError
from tod_ros.fileio import IMAGE_EXTENSIONS, atomic_write


@dataclass
class VocObject:
    """One box: pixel coordinates as in the XML (xmin/ymin inclusive, floats accepted)."""

    name: str
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    difficult: bool = False
    truncated: bool = False


@dataclass
class VocAnnotation:
    """One annotated image."""

    filename: str
    width: int
    height: int
    depth: int = 3
    objects: List[VocObject] = field(default_factory=list)
    folder: str = ""
    path: str = ""
    database: str = "Unknown"   # <source><database>: labelImg writes Unknown; tod prelabel its own marker
    verified: bool = False      # <annotation verified="yes">: a person pressed Verify in labelImg
    xml_path: Path = None   # where it was read from / written to
    image_path: Path = None  # the image file, once found (see find_image); set by validation / CSV reading


def _fmt(v):
    return str(int(v)) if float(v).is_integer() else f"{float(v):.2f}"


def to_xml(ann):
    """The labelImg-style XML text of ``ann``."""
    lines = [
        '<annotation verified="yes">' if ann.verified else "<annotation>",
        f"\t<folder>{escape(ann.folder)}</folder>",
        f"\t<filename>{escape(ann.filename)}</filename>",
        f"\t<path>{escape(ann.path or ann.filename)}</path>",
        f"\t<source>\n\t\t<database>{escape(ann.database or 'Unknown')}</database>\n\t</source>",
        f"\t<size>\n\t\t<width>{ann.width}</width>\n\t\t<height>{ann.height}</height>\n"
        f"\t\t<depth>{ann.depth}</depth>\n\t</size>",
        "\t<segmented>0</segmented>",
    ]
    for o in ann.objects:
        lines += [
            "\t<object>",
            f"\t\t<name>{escape(o.name)}</name>",
            "\t\t<pose>Unspecified</pose>",
            f"\t\t<truncated>{int(o.truncated)}</truncated>",
            f"\t\t<difficult>{int(o.difficult)}</difficult>",
            "\t\t<bndbox>",
            f"\t\t\t<xmin>{_fmt(o.xmin)}</xmin>\n\t\t\t<ymin>{_fmt(o.ymin)}</ymin>",
            f"\t\t\t<xmax>{_fmt(o.xmax)}</xmax>\n\t\t\t<ymax>{_fmt(o.ymax)}</ymax>",
            "\t\t</bndbox>",
            "\t</object>",
        ]
    lines.append("</annotation>\n")
    return "\n".join(lines)


def write_voc(path, ann):
    """Write ``ann`` as labelImg XML at ``path`` (atomically)."""
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(to_xml(ann))
    ann.xml_path = Path(path)
    return Path(path)


# --------------------------------------------------------------------------- reading


def _parse_tree(xml_path):
    """Parse with defusedxml: no DTD, no entities, no external references (billion laughs, XXE)."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        return DET.parse(str(xml_path), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise TodError(f"{xml_path}: rejected: XML with a DTD, entity or external reference is not an "
                       f"annotation file ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise TodError(f"{xml_path}: not well-formed XML ({exc})") from exc
    except OSError as exc:
        raise TodError(f"{xml_path}: cannot read ({exc.strerror or exc})") from exc


def _number(elem, tag, where):
    text = elem.findtext(tag)
    if text is None or not text.strip():
        raise TodError(f"{where}: missing <{tag}>")
    try:
        return float(text.strip())
    except ValueError:
        raise TodError(f"{where}: <{tag}> is not a number: {text.strip()!r}") from None


def _size(elem, tag, where):
    """A non-negative integer field of ``<size>`` (0 when absent)."""
    if not (elem.findtext(tag) or "").strip():
        return 0
    value = _number(elem, tag, where)
    if not math.isfinite(value) or value < 0 or value > 1e9:
        raise TodError(f"{where}: <{tag}> should be a size in pixels, not {elem.findtext(tag).strip()!r}")
    return int(value)


def _flag(elem, tag, where):
    text = (elem.findtext(tag) or "0").strip() or "0"
    try:
        return bool(int(float(text)))
    except (ValueError, OverflowError):
        raise TodError(f"{where}: <{tag}> should be 0 or 1, not {text!r}") from None


def _read_object(obj, index, xml_path):
    where = f"{xml_path}: object {index}"
    name = (obj.findtext("name") or "").strip()
    if not name:
        raise TodError(f"{where}: missing or empty <name>")
    where = f"{where} ({name!r})"
    box = obj.find("bndbox")
    if box is None:
        raise TodError(f"{where}: missing <bndbox>")
    coords = [_number(box, tag, where) for tag in ("xmin", "ymin", "xmax", "ymax")]
    return VocObject(name, *coords, difficult=_flag(obj, "difficult", where),
                     truncated=_flag(obj, "truncated", where))


def read_voc(xml_path):
    """Read one labelImg / Pascal VOC XML file; fields are found by tag name.

    Coordinates may be floats; ``difficult``/``truncated`` are optional; an image without
    ``<object>`` is kept (negative example). A missing ``<size>`` gives width = height = 0
    (validation then takes the real image size). Raises :class:`TodError` naming the file.
    """
    xml_path = Path(xml_path)
    root = _parse_tree(xml_path).getroot()
    if root.tag != "annotation":
        raise TodError(f"{xml_path}: root element is <{root.tag}>, expected <annotation> (labelImg / Pascal VOC)")
    filename = (root.findtext("filename") or "").strip()
    if not filename:
        raise TodError(f"{xml_path}: missing or empty <filename>")
    size = root.find("size")
    width = height = 0
    depth = 3
    if size is not None:
        width, height = (_size(size, tag, f"{xml_path}: <size>") for tag in ("width", "height"))
        depth = _size(size, "depth", f"{xml_path}: <size>") or 3    # labelImg writes 1 for grey-looking images
    objects = [_read_object(obj, i, xml_path) for i, obj in enumerate(root.findall("object"), start=1)]
    return VocAnnotation(filename=filename, width=width, height=height, depth=depth, objects=objects,
                         folder=(root.findtext("folder") or "").strip(), path=(root.findtext("path") or "").strip(),
                         database=(root.findtext("source/database") or "").strip(),
                         verified=(root.get("verified") or "").strip().lower() == "yes", xml_path=xml_path)


def list_xml(folder):
    """Sorted ``*.xml`` files (by name) directly inside ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TodError(f"{folder}: no such folder")
    return sorted(_xml_files(folder))


def has_xml(folder):
    """True when ``folder`` exists and directly holds at least one ``*.xml`` file."""
    folder = Path(folder)
    return folder.is_dir() and any(_xml_files(folder))


def _xml_files(folder):
    return (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xml")


def read_folder(folder):
    """All annotations of the XML files directly inside ``folder``, sorted by file name."""
    return [read_voc(p) for p in list_xml(folder)]


def _inside(candidate, folder):
    """True when ``candidate`` stays inside ``folder`` lexically (no ``..`` or absolute escapes)."""
    base = os.path.normpath(os.path.abspath(folder))
    path = os.path.normpath(os.path.abspath(candidate))
    return path != base and os.path.commonpath([base, path]) == base


def find_image(ann, folder=None):
    """The image file of ``ann``, or None when not found.

    Looked up, in order: ``ann.image_path`` if already set; ``<filename>`` in ``folder``
    (default: the XML's folder); ``<path>`` when it points inside that folder; the XML's stem
    with an image extension. A name that escapes the folder (``../x.png``, ``/etc/x``) is never used.
    """
    if ann.image_path is not None:
        return Path(ann.image_path) if _is_file(ann.image_path) else None
    folder = Path(folder) if folder is not None else (Path(ann.xml_path).parent if ann.xml_path else None)
    if folder is None:
        return None
    candidates = [folder / ann.filename]
    if not Path(ann.filename).suffix:
        candidates += [folder / (ann.filename + ext) for ext in IMAGE_EXTENSIONS]
    if ann.path:
        p = Path(ann.path)
        candidates.append(p if p.is_absolute() else folder / p)
    if ann.xml_path:
        candidates += [folder / (Path(ann.xml_path).stem + ext) for ext in IMAGE_EXTENSIONS]
    for c in candidates:
        if _inside(c, folder) and _is_file(c):
            return c
    return None


def _is_file(path):
    """``Path.is_file`` that is False, not an OSError, for names the system refuses (too long...)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False
