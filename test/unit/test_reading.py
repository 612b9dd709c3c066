"""The reader's pure parts (tod_ros.reading): the face turned upright, boxes, overlaps, reader.json."""
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from tod_ros.errors import TodError
from tod_ros.imageops import iou
from tod_ros.reading import PATCH, ReaderInfo, _outline, box_window, drop_overlaps, has_reader, upright_patch


def cube_crop(angle, size=160, side=70, seed=0):
    """A light cube face with a dark asymmetric mark (an 'L' with a dot) on a coloured table, turned by
    ``angle`` degrees; the crop a detector's box would give."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size, 3), np.uint8)
    img[:] = (40, 90, 150)
    c, h = size // 2, side // 2
    cv2.rectangle(img, (c - h, c - h), (c + h, c + h), (235, 235, 230), -1)
    cv2.line(img, (c - 15, c - 20), (c - 15, c + 18), (20, 20, 20), 6)
    cv2.line(img, (c - 15, c + 18), (c + 15, c + 18), (20, 20, 20), 6)
    cv2.circle(img, (c + 12, c - 16), 5, (20, 20, 20), -1)
    m = cv2.getRotationMatrix2D((c, c), angle, 1.0)
    img = cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_LINEAR, borderValue=(40, 90, 150))
    noise = rng.normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def best_quarter_match(patch, reference):
    """Highest correlation of ``patch`` with ``reference`` over its four quarter turns, both seen at 16x16
    (a shift of a few pixels is not a misreading)."""
    def small(a):
        return cv2.resize(a, (16, 16), interpolation=cv2.INTER_AREA).ravel()

    return max(np.corrcoef(small(np.ascontiguousarray(np.rot90(patch, k))), small(reference))[0, 1]
               for k in range(4))


@pytest.mark.parametrize("angle", [17, 35, 45, 62, 100, 150, 200, 333])
def test_a_turned_face_comes_out_upright_up_to_a_quarter_turn(angle):
    upright = upright_patch(cube_crop(0))
    turned = upright_patch(cube_crop(angle))
    assert upright.shape == turned.shape == (PATCH, PATCH)
    assert upright.dtype == np.float32 and 0.0 <= turned.min() and turned.max() <= 1.0
    match, mirrored = best_quarter_match(turned, upright), best_quarter_match(turned[:, ::-1], upright)
    assert match > 0.7 and match > mirrored + 0.1, (match, mirrored)   # a quarter turn of the face, not a blur
    # the patch is the face, not the table: its border is paper (bright) after the contrast stretch
    assert np.median(np.concatenate([turned[2], turned[-3], turned[:, 2], turned[:, -3]])) > 0.7


def test_a_face_turned_by_a_quarter_turn_is_the_same_patch_turned():
    a, b = upright_patch(cube_crop(0)), upright_patch(cube_crop(90))
    assert np.corrcoef(np.rot90(a).ravel(), b.ravel())[0, 1] > 0.9


def random_region(seed, size=120):
    """A uint8 region of random discs and turned rectangles, some touching the image's edge, with a hole."""
    rng = np.random.default_rng(seed)
    region = np.zeros((size, size), np.uint8)
    for _ in range(rng.integers(1, 5)):
        centre = tuple(float(v) for v in rng.uniform(0, size, 2))
        if rng.random() < 0.5:
            cv2.circle(region, tuple(int(v) for v in centre), int(rng.integers(3, 40)), 1, -1)
        else:
            sides = tuple(float(v) for v in rng.uniform(4, 80, 2))
            corners = cv2.boxPoints((centre, sides, float(rng.uniform(0, 180))))
            cv2.fillPoly(region, [np.round(corners).astype(np.int32)], 1)
    region[size // 2 - 3:size // 2 + 3, size // 2 - 3:size // 2 + 3] = 0
    return region


@pytest.mark.parametrize("seed", range(40))
def test_the_outline_has_the_hull_and_rectangle_of_all_the_pixels(seed):
    """face_mask and upright_patch measure a region by its boundary pixels (5x faster than by all of
    them, docs/benchmarks.md session 14): the same convex hull, the same minimum-area rectangle."""
    region = random_region(seed)
    every = np.stack(np.nonzero(region)[::-1], 1).astype(np.int32)
    outline = _outline(region)
    assert len(outline) < len(every)
    assert cv2.contourArea(cv2.convexHull(outline)) == cv2.contourArea(cv2.convexHull(every))
    (c1, s1, a1), (c2, s2, a2) = cv2.minAreaRect(every.astype(np.float32)), cv2.minAreaRect(outline.astype(np.float32))
    assert np.allclose(c1, c2, atol=1e-3) and np.allclose(sorted(s1), sorted(s2), atol=1e-3)
    assert min(abs(a1 - a2) % 90, 90 - abs(a1 - a2) % 90) < 1e-3    # the same rectangle up to naming its sides


@pytest.mark.parametrize("crop", [np.full((50, 50, 3), 128, np.uint8), np.zeros((3, 3, 3), np.uint8)],
                         ids=["uniform", "tiny"])
def test_no_face_gives_none(crop):
    assert upright_patch(crop) is None


def test_box_window_grows_and_clips():
    ys, xs = box_window((5.7, 10, 30, 40), 8, (45, 100, 3))
    assert (ys.start, ys.stop, xs.start, xs.stop) == (2, 45, 0, 38)


@dataclass(frozen=True)
class Det:
    label: str
    score: float
    box_px: tuple


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)


def test_relabelled_duplicates_keep_the_best_of_a_label():
    a, dup, other_label, apart = (Det("two", 0.9, (0, 0, 10, 10)), Det("two", 0.4, (1, 0, 11, 10)),
                                  Det("one", 0.5, (1, 0, 11, 10)), Det("two", 0.3, (50, 0, 60, 10)))
    assert drop_overlaps([dup, apart, a, other_label]) == [a, other_label, apart]


def test_reader_info_round_trip_and_errors(tmp_path):
    info = ReaderInfo(("one", "two"))
    path = tmp_path / "reader.json"
    path.write_text(info.to_json())
    assert ReaderInfo.read(path) == info
    for text, why in (("{", "not a reader description"), ('{"patch": 64}', "labels"),
                      ('{"labels": ["one"]}', ">= 2 labels")):
        path.write_text(text)
        with pytest.raises(TodError, match=why) as err:
            ReaderInfo.read(path)
        assert str(path) in str(err.value)
    with pytest.raises(TodError, match="missing.json"):
        ReaderInfo.read(tmp_path / "missing.json")


def test_has_reader_needs_both_files(tmp_path):
    assert not has_reader(tmp_path)
    (tmp_path / "reader.tflite").write_bytes(b"x")
    assert not has_reader(tmp_path)
    (tmp_path / "reader.json").write_text(ReaderInfo(("one", "two")).to_json())
    assert has_reader(tmp_path)
