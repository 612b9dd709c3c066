"""The face of a detected cube (tod_ros.geometry.corners): corner order, and the corners found in a
rendered scene against the projected truth."""
import math

import numpy as np
import pytest

from tod_ros.geometry.corners import box_face, diagonal_center, find_face, order_corners
from tod_ros.sim_table import TableScene, render, truth


def square(angle_deg, centre=(100.0, 80.0), half=20.0):
    a = math.radians(angle_deg)
    pts = [(-half, -half), (half, -half), (half, half), (-half, half)]     # TL, TR, BR, BL upright
    return np.array([(centre[0] + x * math.cos(a) - y * math.sin(a), centre[1] + x * math.sin(a) + y * math.cos(a))
                     for x, y in pts])


@pytest.mark.parametrize("angle", [0, 10, 30, 44, -10, -30, -44])
def test_order_follows_the_face_as_it_lies(angle):
    quad = square(angle)
    shuffled = quad[[2, 0, 3, 1]]
    assert order_corners(shuffled) == pytest.approx(quad)


def test_diagonals_cross_at_the_projective_centre():
    quad = np.array([[0.0, 0.0], [10.0, 0.0], [8.0, 6.0], [2.0, 6.0]])
    x, y = diagonal_center(quad)
    assert x == pytest.approx(5.0)
    assert y == pytest.approx(3.75)


SCENE = TableScene(cubes=[[0.0, 0.04, 0, 1], [0.09, 0.05, 20, 2], [0.18, 0.03, -15, 1], [0.05, 0.14, 35, 2],
                          [0.15, 0.13, 0, 1]])


@pytest.fixture(scope="module")
def frame():
    return render(SCENE)


@pytest.mark.parametrize("grow", [0, 4, 8])
def test_corners_found_within_4_px(frame, grow):
    for cube in truth(SCENE):
        x0, y0 = cube.corners.min(axis=0) - grow
        x1, y1 = cube.corners.max(axis=0) + grow
        face = find_face(frame, (x0, y0, x1, y1))
        assert face.found
        assert np.linalg.norm(face.corners - cube.corners, axis=1).max() <= 4.0, (cube, face.corners)
        assert np.hypot(*np.subtract(face.center, cube.center)) <= 2.0


def test_grey_image_works_too(frame):
    import cv2

    cube = truth(SCENE)[0]
    face = find_face(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (*cube.corners.min(axis=0), *cube.corners.max(axis=0)))
    assert face.found and np.abs(face.corners - cube.corners).max() <= 4.0


def test_no_face_falls_back_to_the_box():
    dark = np.full((100, 100, 3), 30, np.uint8)
    face = find_face(dark, (20, 20, 60, 70))
    assert not face.found
    assert face.corners.tolist() == box_face((20, 20, 60, 70)).corners.tolist()
    assert face.center == (40.0, 45.0)


def test_a_face_cut_by_the_image_border_falls_back_to_the_box(frame):
    cube = truth(SCENE)[0]
    (x0, y0), (x1, y1) = cube.corners.min(axis=0), cube.corners.max(axis=0)
    cut = frame[:, int((x0 + x1) / 2):]                   # the image now starts in the middle of the face
    box = (0, y0, x1 - int((x0 + x1) / 2), y1)
    face = find_face(cut, box)
    assert not face.found
    assert face.corners.tolist() == box_face(box).corners.tolist()
