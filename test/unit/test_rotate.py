"""Exact quarter turns of annotated photos (tod_ros.dataset.rotate, `tod rotate`)."""
import cv2
import numpy as np
import pytest

from dataset_helpers import make_pair
from tod_ros.cli import main as tod_main
from tod_ros.dataset.rotate import rotate_annotation, rotate_box, rotate_folder, rotate_image
from tod_ros.dataset.voc import VocAnnotation, VocObject, read_voc
from tod_ros.errors import TodError


def _painted(width=80, height=50, box=(10, 5, 30, 20)):
    img = np.zeros((height, width), np.uint8)
    x0, y0, x1, y1 = box
    img[y0:y1, x0:x1] = 255
    return img


def _pixel_box(img):
    ys, xs = np.nonzero(img)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


@pytest.mark.parametrize("angle", [0, 90, 180, 270])
def test_box_follows_the_pixels_exactly(angle):
    img, box = _painted(), (10, 5, 30, 20)
    turned = rotate_image(img, angle)
    assert rotate_box(box, img.shape[1], img.shape[0], angle) == _pixel_box(turned)


def test_four_quarter_turns_are_the_identity():
    img = np.random.default_rng(0).integers(0, 255, (7, 11, 3), dtype=np.uint8)
    out = img
    for _ in range(4):
        out = rotate_image(out, 90)
    assert np.array_equal(out, img)
    assert np.array_equal(rotate_image(rotate_image(img, 90), 270), img)


def test_annotation_size_swaps_on_quarter_turns():
    ann = VocAnnotation("a.png", 80, 50, objects=[VocObject("one", 10, 5, 30, 20)])
    turned = rotate_annotation(ann, 90)
    assert (turned.width, turned.height) == (50, 80)
    assert (turned.objects[0].xmin, turned.objects[0].ymin, turned.objects[0].xmax, turned.objects[0].ymax) \
        == (30, 10, 45, 30)
    assert (rotate_annotation(ann, 180).width, rotate_annotation(ann, 180).height) == (80, 50)


def test_bad_angle_is_a_user_error():
    with pytest.raises(TodError, match="90"):
        rotate_box((0, 0, 1, 1), 10, 10, 45)


def test_rotate_folder_writes_images_and_xml(tmp_path, capsys):
    src = tmp_path / "src"
    make_pair(src, "a", [("one", 4, 6, 20, 30), ("two", 30, 2, 60, 40)], width=64, height=48)
    assert tod_main(["rotate", "--images", str(src), "--out", str(tmp_path / "r90"), "--angle", "90"]) == 0
    assert "1 images" in capsys.readouterr().out
    ann = read_voc(tmp_path / "r90" / "a.xml")
    img = cv2.imread(str(tmp_path / "r90" / "a.png"))
    assert img.shape[:2] == (64, 48) and (ann.width, ann.height) == (48, 64)
    before = cv2.imread(str(src / "a.png"))
    assert np.array_equal(img, cv2.rotate(before, cv2.ROTATE_90_CLOCKWISE))
    assert [(o.name, o.xmin, o.ymin, o.xmax, o.ymax) for o in ann.objects] == \
        [("one", 18, 4, 42, 20), ("two", 8, 30, 46, 60)]


def test_rotate_folder_refuses_same_folder_and_empty_input(tmp_path):
    make_pair(tmp_path / "src", "a", [("one", 4, 6, 20, 30)])
    with pytest.raises(TodError, match="must differ"):
        rotate_folder(tmp_path / "src", tmp_path / "src", 90)
    (tmp_path / "empty").mkdir()
    with pytest.raises(TodError, match="no annotated image"):
        rotate_folder(tmp_path / "empty", tmp_path / "out", 90)
    assert tod_main(["rotate", "--images", str(tmp_path / "empty"), "--out", str(tmp_path / "o"),
                     "--angle", "180"]) != 0


def test_rotate_folder_applies_the_image_rule(tmp_path):
    make_pair(tmp_path / "src", "a", [("one", 4, 6, 20, 30)], width=400, height=4)
    with pytest.raises(TodError, match=r"a.png: image 400x4 refused: a side of 4 px is below min_image_side"):
        rotate_folder(tmp_path / "src", tmp_path / "out", 90)
