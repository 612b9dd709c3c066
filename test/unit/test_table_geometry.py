"""The table calibration (tod_ros.geometry.table): pixels <-> table, from points and from a checkerboard,
its file; and the simulated scene it is checked against (tod_ros.sim_table)."""
import dataclasses

import numpy as np
import pytest

from tod_ros.errors import TodError
from tod_ros.geometry.table import CalibrationConfig, TableCalibration, find_board, from_checkerboard, from_points
from tod_ros.sim_table import TableScene, cube_corners, render_board, truth

SCENE = TableScene(cubes=[[0.0, 0.04, 0, 1], [0.09, 0.05, 30, 2], [0.16, 0.12, -20, 1]])


def test_pixel_to_table_inverts_project():
    cal = SCENE.calibration()
    points = np.array([[0.0, 0.0, 0.0], [0.12, 0.05, 0.0], [0.05, 0.15, 0.03]])
    for (u, v), p in zip(cal.project(points), points):
        assert cal.pixel_to_table(u, v, p[2]) == pytest.approx(tuple(p[:2]), abs=1e-9)


def test_pixel_of_a_half_size_image_is_scaled():
    cal = SCENE.calibration()
    (u, v), = cal.project([[0.1, 0.1, 0.0]])
    assert cal.pixel_to_table(u / 2, v / 2, 0.0, image_size=(320, 240)) == pytest.approx((0.1, 0.1), abs=1e-9)


def test_a_pixel_above_the_horizon_is_refused():
    cal = dataclasses.replace(SCENE, camera=[0.09, -0.3, 0.1], target=[0.09, 0.5, 0.05]).calibration()
    with pytest.raises(TodError, match="does not look at the table"):
        cal.pixel_to_table(320, 0, 0.0)


def test_four_points_give_the_camera_back():
    true = SCENE.calibration()
    table_xy = [[0.0, 0.0], [0.2, 0.0], [0.2, 0.15], [0.0, 0.15]]
    pixels = true.project([[x, y, 0.0] for x, y in table_xy])
    cal = from_points(pixels, table_xy, (640, 480))
    assert cal.camera_centre() == pytest.approx(true.camera_centre(), abs=1e-6)
    assert cal.error_px < 1e-6


def test_points_that_do_not_fit_are_refused():
    table_xy = [[0.0, 0.0], [0.2, 0.0], [0.2, 0.15], [0.0, 0.15]]
    pixels = SCENE.calibration().project([[x, y, 0.0] for x, y in table_xy])
    pixels[2] += (40, -30)
    with pytest.raises(TodError, match="reprojection error"):
        from_points(pixels, table_xy, (640, 480))
    with pytest.raises(TodError, match="at least 4"):
        from_points(pixels[:3], table_xy[:3], (640, 480))


def test_checkerboard_calibration_places_the_scene_within_a_millimetre():
    cal = from_checkerboard(render_board(SCENE))
    assert cal.error_px < 0.5
    for cube in truth(SCENE):
        assert cal.pixel_to_table(*cube.center, SCENE.cube_size) == pytest.approx((cube.x, cube.y), abs=1e-3)


def test_board_origin_is_the_corner_nearest_the_bottom_left():
    corners = find_board(render_board(SCENE), CalibrationConfig())
    (u0, v0), = SCENE.calibration().project([[0.0, 0.0, 0.0]])
    assert corners[0] == pytest.approx((u0, v0), abs=0.5)


def test_no_board_is_a_clear_error():
    with pytest.raises(TodError, match="no 7x5 checkerboard"):
        from_checkerboard(np.full((480, 640, 3), 40, np.uint8), source="empty.png")


def test_calibration_file_roundtrip_and_bad_files(tmp_path):
    cal = SCENE.calibration()
    cal.save(tmp_path / "table.yaml")
    again = TableCalibration.load(tmp_path / "table.yaml")
    assert again.camera_centre() == pytest.approx(cal.camera_centre())
    (tmp_path / "bad.yaml").write_text("width: 640\n")
    with pytest.raises(TodError, match="bad.yaml: not a table calibration"):
        TableCalibration.load(tmp_path / "bad.yaml")
    with pytest.raises(TodError, match="cannot read the table calibration"):
        TableCalibration.load(tmp_path / "missing.yaml")


def test_truth_corners_are_the_top_face_projected():
    cube = truth(SCENE)[1]
    top = SCENE.calibration().project(cube_corners(0.09, 0.05, 30, SCENE.cube_size, SCENE.cube_size))
    assert sorted(map(tuple, np.round(top, 6))) == sorted(map(tuple, np.round(cube.corners, 6)))


def test_scene_file_errors(tmp_path):
    (tmp_path / "s.yaml").write_text("cubes: [[0, 0, 0, 7]]\n")
    with pytest.raises(TodError, match="label 1|2"):
        TableScene.load(tmp_path / "s.yaml")
