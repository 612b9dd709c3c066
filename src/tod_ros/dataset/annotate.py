"""Launching the annotator (labelimgplusplus, a maintained MIT fork of labelImg) on a project.

Why this tool: on Debian 12 / Python 3.11, ``pip install labelImg`` gives 1.8.6 (archived), which
aborts as soon as a box is drawn (``drawLine(...): argument 1 has unexpected type 'float'``) and on
wheel scroll / zoom. labelimgplusplus 3.5.0 draws, zooms, saves and re-opens the same Pascal VOC
files without a crash (checked under Xvfb). Its command line is labelImg's:
``labelimgplusplus IMAGE_DIR CLASS_FILE SAVE_DIR`` (``get_main_app`` in ``labelImgPlusPlus.py``).

It walks IMAGE_DIR recursively (``images/<p>/`` shows new captures and ``train/``, ``test/``
together) but saves every XML flat into one save folder; ``tod label`` therefore starts it through
:mod:`tod_ros.dataset.annotate_app`, which makes it save each XML beside its own image (and not
in a save folder remembered in ``~/.labelImgSettings.json``).
"""
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from tod_ros.dataset.imagesize import ImageLimits, check_image_file
from tod_ros.errors import NoDisplayError, TodError
from tod_ros.fileio import IMAGE_EXTENSIONS, atomic_write
from tod_ros.imageops import has_display

DEFAULT_CLASSES = ("one", "two")
SPLIT_CHOICES = ("all", "train", "test")


@dataclass
class AnnotatorConfig:
    """Which annotator ``tod label`` runs (one place for the defaults)."""

    module: str = "labelImgPlusPlus"                  # the application module of labelimgplusplus
    requirement: str = "labelimgplusplus==3.5.0"      # as pinned in requirements.txt
    classes_file: str = "predefined_classes.txt"      # written into training/<project>/

    def find(self):
        """The Python that runs the annotator (this one); TodError when it is not installed."""
        if find_spec(self.module) is None:
            raise TodError(f"the annotator labelimgplusplus is not installed: run "
                           f"`{Path(sys.executable).parent / 'pip'} install {self.requirement}` (or `make setup`)")
        return sys.executable


def project_classes(label_map_path):
    """Class names for the annotator: those of the label map when it exists, else ``one, two``."""
    path = Path(label_map_path)
    if path.is_file():
        from tod_ros.dataset.labelmap import read_label_map

        return list(read_label_map(path).names)
    return list(DEFAULT_CLASSES)


def write_classes(path, names):
    """Write the predefined classes file (one name a line) atomically; returns its path."""
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write("".join(f"{n}\n" for n in names))
    return Path(path)


def label_folder(project, split="all"):
    """The folder the annotator opens: ``images/<p>/`` (all, recursive) or ``images/<p>/<split>``."""
    if split not in SPLIT_CHOICES:
        raise TodError(f"--split must be one of {', '.join(SPLIT_CHOICES)}, got {split!r}")
    folder = project.images_dir if split == "all" else project.split_dir(split)
    if not folder.is_dir():
        raise TodError(f"{folder}: no such folder (run `tod init {project.name}` and capture images first)")
    if not any(p.suffix.lower() in IMAGE_EXTENSIONS for p in folder.rglob("*") if p.is_file()):
        raise TodError(f"{folder}: no image to annotate ({', '.join(IMAGE_EXTENSIONS)})")
    return folder


def refused_images(folder, limits=ImageLimits()):
    """``[(path, reason)]`` of the files under ``folder`` the annotator would list but cannot open
    (0-byte, not an image, a link to itself, outside the image limits: docs/dataset.md), by name."""
    refused = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix.lower() not in IMAGE_EXTENSIONS or path.is_dir():
            continue
        try:
            check_image_file(path, limits, decode=False)
        except TodError as exc:
            refused.append((path, str(exc)))
    return refused


def annotator_command(python, image_dir, classes_file):
    """The argv that opens ``image_dir`` with ``classes_file``, saving each XML beside its image."""
    return [str(python), "-m", "tod_ros.dataset.annotate_app", str(image_dir), str(classes_file)]


def require_display(env=None):
    """Raise :class:`NoDisplayError` (exit status 2) when there is no display."""
    if not has_display(env):
        raise NoDisplayError("no display: $DISPLAY is not set. `tod label` opens a window; run it in a "
                             "desktop session, over `ssh -X`, or under `xvfb-run` for a test")


def run_annotator(argv, env=None):
    """Run the annotator until its window is closed; returns its exit status.

    Raises :class:`NoDisplayError` without a display, or when Qt aborts because it cannot
    open one (exit 134 / SIGABRT).
    """
    env = dict(os.environ if env is None else env)
    require_display(env)
    status = subprocess.call(argv, env=env)
    if status in (134, -6):
        raise NoDisplayError(f"the annotator could not open a window on DISPLAY={env.get('DISPLAY', '')!r} "
                             f"(Qt aborted, exit {status})")
    return status
