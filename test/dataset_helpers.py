"""Tiny datasets made by the tests (images drawn with OpenCV + labelImg XML)."""
import os
import shutil
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

from tod_ros.dataset.labelmap import LabelMap
from tod_ros.dataset.voc import VocAnnotation, VocObject, write_voc
from tod_ros.resources import real_cubes_dir

REAL_CUBES = real_cubes_dir()     # ../shared/data/real_cubes (or $TOD_REAL_CUBES); absent: tests skip
CUBE_LABELS = ("one", "two")      # the label map of the cube tests: one = id 1, two = id 2


def cubes_label_map(names=CUBE_LABELS):
    """The cube label map (ids 1, 2, ... in the order of ``names``)."""
    return LabelMap.from_names(list(names))


def real_cubes_or_skip():
    import pytest

    if not REAL_CUBES.is_dir():
        pytest.skip("real photos: ../shared/data/real_cubes not found (only present in the project's CI/dev machines)")
    return REAL_CUBES


def make_image(path, width=64, height=48, seed=0):
    """Write a small random-ish image (format from the extension) and return its path."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg" if Path(path).suffix.lower() in (".jpg", ".jpeg") else ".png", img)
    assert ok
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(buf.tobytes())
    return Path(path)


def bomb_png(path, width, height):
    """A 1-bit grey PNG of ``width`` x ``height`` black pixels: tiny on disk, width*height*3 bytes decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def make_pair(folder, stem, boxes, width=64, height=48, ext=".png", xml_size=None, filename=None, seed=0):
    """Image ``stem+ext`` and its XML with ``boxes`` = [(name, xmin, ymin, xmax, ymax), ...]."""
    folder = Path(folder)
    make_image(folder / f"{stem}{ext}", width, height, seed=seed)
    w, h = xml_size or (width, height)
    ann = VocAnnotation(filename=filename or f"{stem}{ext}", width=w, height=h,
                        objects=[VocObject(n, *b) for n, *b in boxes], folder=folder.name)
    return write_voc(folder / f"{stem}.xml", ann)


def make_project(root, name="cubes"):
    """A project with 3 train images (png, jpg, negative) and 2 test images; returns the Project."""
    from tod_ros.workspace import Project

    project = Project.at(name, root)
    project.create()
    train, test = project.split_dir("train"), project.split_dir("test")
    make_pair(train, "a", [("one", 5, 6, 30, 40), ("two", 33.5, 2.25, 60, 20)], seed=1)
    make_pair(train, "b", [("two", 0, 0, 64, 48)], ext=".jpg", seed=2)
    make_pair(train, "c", [], seed=3)
    make_pair(test, "d", [("one", 10, 10, 20, 20)], width=80, height=60, seed=4)
    make_pair(test, "e", [("two", 1, 2, 3, 4), ("one", 40, 30, 50, 45)], ext=".jpg", seed=5)
    return project


def copy_real_cubes(root, name="real"):
    """The real photos copied into a project: ergo_cubes_212_2 + cubes_duo_2_1_1 in test, the rest in train."""
    from tod_ros.workspace import Project

    src = real_cubes_or_skip()
    project = Project.at(name, root)
    project.create()
    for f in sorted(src.iterdir()):
        if f.suffix.lower() in (".jpg", ".png", ".xml"):
            split = "test" if f.stem in ("ergo_cubes_212_2", "cubes_duo_2_1_1") else "train"
            dst = project.split_dir(split) / f.name
            shutil.copyfile(f, dst)
            os.chmod(dst, 0o644)
    return project


def all_files(root):
    """Every file under ``root`` (relative paths, sorted)."""
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def leftovers(root):
    """Temp files left by atomic writes."""
    return [f for f in all_files(root) if f.endswith(".tmp") or Path(f).name.startswith(".")]
