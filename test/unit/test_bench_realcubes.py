"""bench/_realcubes.py: a cube's digit is found on its face, cut out, and re-drawn on another face."""
import cv2
import numpy as np
import pytest


@pytest.fixture
def rc(bench_script):
    return bench_script("_realcubes.py")


def _cube(digit, turn=0.0, size=160):
    """A grey-white face with a dark hand-written-like digit, on a dark background, turned by ``turn`` degrees."""
    img = np.full((size + 60, size + 60, 3), 25, np.uint8)
    img[30:30 + size, 30:30 + size] = (200, 205, 210)
    cv2.putText(img, digit, (30 + size // 4, 30 + size * 3 // 4), cv2.FONT_HERSHEY_SIMPLEX, 3.0, (40, 40, 40), 9)
    m = cv2.getRotationMatrix2D((img.shape[1] / 2, img.shape[0] / 2), turn, 1.0)
    return cv2.warpAffine(img, m, img.shape[1::-1], borderValue=(25, 25, 25))


def test_the_ink_is_the_digit_not_the_background_of_a_turned_cube(rc):
    upright, turned = rc.glyph_of(_cube("2")), rc.glyph_of(_cube("2", 35))
    assert 60 <= upright.shape[0] <= 110 and 40 <= upright.shape[1] <= 100     # the digit's ink box, not the face
    assert turned is not None and max(turned.shape) <= 130                      # the dark corners are left out
    assert rc.glyph_of(np.full((100, 100, 3), 200, np.uint8)) is None           # a blank face has no digit


def test_a_digit_is_replaced_in_place(rc):
    two, one = _cube("2"), _cube("1")
    out = rc.draw_digit(*rc.erase_digit(two), rc.glyph_of(one))
    old, new = rc.ink_mask(two), rc.ink_mask(out)
    assert new.sum() > 0.3 * rc.ink_mask(one).sum()
    only_old = old & ~cv2.dilate(new.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert only_old.sum() > 200
    assert cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)[only_old].mean() > 150     # the old strokes are painted over
    ys, xs = np.nonzero(new)
    ys0, _ = np.nonzero(old)
    assert abs((ys.min() + ys.max()) / 2 - (ys0.min() + ys0.max()) / 2) < 6 and ys.max() - ys.min() == pytest.approx(
        ys0.max() - ys0.min(), abs=6)                                           # same ink height and centre
    assert rc.erase_digit(np.full((100, 100, 3), 200, np.uint8)) is None


def test_turned_keeps_the_frame_size_and_fills_the_corners_with_the_colour(rc):
    crop = _cube("1")
    frame = rc.turned(crop, np.array([25.0, 25.0, 25.0]), 45)
    assert frame.shape == (480, 640, 3)
    assert tuple(frame[0, 0]) == (25, 25, 25) and frame[240, 320].mean() > 100



def test_turn_crop_keeps_the_whole_crop(rc):
    crop = np.full((50, 100, 3), 255, np.uint8)
    out = rc.turn_crop(crop, (0, 0, 0), 45)
    assert out.shape[0] == out.shape[1] >= 112 and (out > 128).sum() == pytest.approx(crop.size, rel=0.1)
