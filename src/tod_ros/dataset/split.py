"""Split a project's annotated images into train/ and test/ (the tutorial's ~90/10), never overwriting.

Pairs are ``<stem>.<image ext>`` + ``<stem>.xml`` at the top level of ``images/<project>/``;
a pair is never separated. Images without XML (and XML without image) are reported and left in place.
With no pair at the top level, all pairs in ``train/`` and none in ``test/``, a share of ``train/``
moves to ``test/`` (a team that annotated everything in ``train/``).
"""
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

from tod_ros.errors import TodError
from tod_ros.fileio import IMAGE_EXTENSIONS
from tod_ros.workspace import SPLITS

TEST_RATIO = 0.1    # the tutorial's ~90/10
SEED = 0
MIN_TEST_BOXES = 10     # an evaluation on fewer boxes is a coin toss: tod split takes more test pairs, tod eval warns
MAX_TEST_SHARE = 1 / 3  # ... but never more than this share of the pairs


@dataclass
class SplitPlan:
    """Which pairs go where, and what is left alone."""

    folder: Path
    train: List[Tuple[Path, Path]] = field(default_factory=list)
    test: List[Tuple[Path, Path]] = field(default_factory=list)
    images_without_xml: List[Path] = field(default_factory=list)
    xml_without_image: List[Path] = field(default_factory=list)
    from_train: bool = False             # test pairs taken from train/ (nothing at the top level)
    note: str = ""                       # why test/ got more pairs than the ratio gives, or has few boxes

    def lines(self):
        """Human-readable summary."""
        if self.from_train:
            out = [f"{len(self.test)} pair(s) of {self.folder / 'train'} -> {self.folder / 'test'}"]
        else:
            out = [f"{len(self.train)} pair(s) -> {self.folder / 'train'}",
                   f"{len(self.test)} pair(s) -> {self.folder / 'test'}"]
        if self.images_without_xml:
            out.append(f"left in place, no XML: {', '.join(p.name for p in self.images_without_xml)}")
        if self.xml_without_image:
            out.append(f"left in place, no image: {', '.join(p.name for p in self.xml_without_image)}")
        if self.note:
            out.append(self.note)
        return out


def find_pairs(folder):
    """``(pairs, images_without_xml, xml_without_image)`` at the top level of ``folder`` (sorted)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TodError(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    xmls = {p.stem: p for p in files if p.suffix.lower() == ".xml"}
    images = [p for p in files if p.suffix.lower() in IMAGE_EXTENSIONS]
    stems = {}
    for img in images:
        if img.stem in stems:
            raise TodError(f"{folder}: two images share the name {img.stem!r} ({stems[img.stem].name}, {img.name}): "
                           "rename one so each XML has one image")
        stems[img.stem] = img
    pairs = [(img, xmls[img.stem]) for img in images if img.stem in xmls]
    lonely_images = [img for img in images if img.stem not in xmls]
    lonely_xml = [x for s, x in sorted(xmls.items()) if s not in stems]
    return pairs, lonely_images, lonely_xml


def n_test_pairs(n, test_ratio):
    """Number of test pairs out of ``n``: round(n * ratio), at least 1 (and at most n-1) when n >= 2."""
    if not 0 <= test_ratio < 1:
        raise TodError(f"--test-ratio must be in [0, 1), not {test_ratio}")
    if n < 2:
        return 0
    return min(n - 1, max(1, round(n * test_ratio)))


def _boxes_of(xml):
    """Number of boxes in ``xml`` (0 for a file that cannot be read: convert reports it)."""
    from tod_ros.dataset.voc import read_voc

    try:
        return len(read_voc(xml).objects)
    except TodError:
        return 0


def grow_test(order, k, min_boxes=MIN_TEST_BOXES):
    """``(k, boxes, note)``: the first ``k`` pairs of ``order`` go to test/, more (up to
    :data:`MAX_TEST_SHARE` of them) while they hold fewer than ``min_boxes`` boxes."""
    if k == 0:
        return 0, 0, ""
    boxes = [_boxes_of(xml) for _, xml in order]
    first, limit = k, max(k, int(len(order) * MAX_TEST_SHARE))
    while sum(boxes[:k]) < min_boxes and k < limit:
        k += 1
    total = sum(boxes[:k])
    if total < min_boxes:
        grown = f" (a third of the pairs, instead of {first} by --test-ratio)" if k > first else ""
        return k, total, (f"caution: test/ holds only {total} box(es) in {k} image(s){grown}; an evaluation on "
                          f"fewer than {min_boxes} boxes says little: annotate more images")
    if k > first:
        return k, total, (f"test/ takes {k} pair(s) instead of {first} (--test-ratio) so that it holds "
                          f"{total} boxes, at least {min_boxes} (--min-test-boxes)")
    return k, total, ""


def _pairs_in(folder):
    return find_pairs(folder)[0] if folder.is_dir() else []


def plan_split(folder, test_ratio=TEST_RATIO, seed=SEED, min_test_boxes=MIN_TEST_BOXES):
    """The :class:`SplitPlan` of ``folder`` (random, reproducible with ``seed``); moves nothing.

    test/ gets ``test_ratio`` of the pairs, more when they hold fewer than ``min_test_boxes`` boxes
    (:func:`grow_test`)."""
    folder = Path(folder)
    pairs, lonely_images, lonely_xml = find_pairs(folder)
    from_train = not pairs and not _pairs_in(folder / "test")
    if from_train:
        pairs = _pairs_in(folder / "train")
    if not pairs:
        raise TodError(f"{folder}: no image+XML pair at the top level to split "
                       "(annotate the images with labelImg first)")
    order = list(pairs)
    random.Random(seed).shuffle(order)
    k = n_test_pairs(len(order), test_ratio)
    if from_train and k == 0:
        raise TodError(f"{folder / 'train'}: one image+XML pair, nothing to move to test/ (annotate more images)")
    k, _, note = grow_test(order, k, min_test_boxes)
    test = sorted(order[:k])
    train = [] if from_train else sorted(order[k:])   # from train/: the rest stays where it is
    return SplitPlan(folder, train, test, lonely_images, lonely_xml, from_train, note)


def _conflicts(plan):
    problems = []
    for split in SPLITS:
        for pair in getattr(plan, split):
            for src in pair:
                for other in SPLITS:
                    target = plan.folder / other / src.name
                    if target != src and target.exists():
                        problems.append(f"{target} already exists (would receive {src.name})")
    return problems


def apply_plan(plan):
    """Move the pairs of ``plan``; refuses before moving anything when a target name already exists."""
    problems = _conflicts(plan)
    if problems:
        from tod_ros.errors import ValidationError

        raise ValidationError(problems, header="split refused, nothing moved")
    moved = []
    try:
        for split in SPLITS:
            (plan.folder / split).mkdir(exist_ok=True)
            for pair in getattr(plan, split):
                for src in pair:
                    dst = plan.folder / split / src.name
                    os.rename(src, dst)
                    moved.append((dst, src))
    except OSError as exc:
        for dst, src in reversed(moved):     # put back what was moved
            os.rename(dst, src)
        raise TodError(f"split failed, nothing moved: {exc}") from exc
    return plan


def split_hint(project):
    """How to make the test split of ``project``, a clause for messages: `tod split`."""
    return (f"run `tod split -p {project.name}`: it splits the image+XML pairs at the top level of "
            f"{project.images_dir}/ into train/ and test/, or moves a share of train/ to an empty test/ "
            f"(--test-ratio, default {TEST_RATIO})")


def split_project(project, test_ratio=TEST_RATIO, seed=SEED, dry_run=False, min_test_boxes=MIN_TEST_BOXES):
    """Split ``images/<project>/`` top-level pairs into train/ and test/; returns the plan."""
    plan = plan_split(project.images_dir, test_ratio, seed, min_test_boxes)
    return plan if dry_run else apply_plan(plan)
