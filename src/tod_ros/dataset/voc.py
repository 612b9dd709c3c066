"""Pascal VOC annotations as written by labelImg (see labelImg's pascal_voc_io.py)."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import List
from xml.sax.saxutils import escape

from tod_ros.fileio import atomic_write


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
    xml_path: Path = None   # where it was read from / written to


def _fmt(v):
    return str(int(v)) if float(v).is_integer() else f"{float(v):.2f}"


def to_xml(ann):
    """The labelImg-style XML text of ``ann``."""
    lines = [
        "<annotation>",
        f"\t<folder>{escape(ann.folder)}</folder>",
        f"\t<filename>{escape(ann.filename)}</filename>",
        f"\t<path>{escape(ann.path or ann.filename)}</path>",
        "\t<source>\n\t\t<database>Unknown</database>\n\t</source>",
        f"\t<size>\n\t\t<width>{ann.width}</width>\n\t\t<height>{ann.height}</height>\n\t\t<depth>{ann.depth}</depth>\n\t</size>",
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
