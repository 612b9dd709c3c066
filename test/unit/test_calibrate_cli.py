"""`tod calibrate`: from a checkerboard picture or from points, into the workspace; bad input is one
line naming the problem, exit 1, nothing written."""
import cv2
import pytest

from tod_ros.cli import main
from tod_ros.geometry.table import TableCalibration
from tod_ros.sim_table import TableScene, render, render_board

SCENE = TableScene()


def test_checkerboard_picture_into_the_workspace(tmp_path, monkeypatch, capsys):
    cv2.imwrite(str(tmp_path / "board.png"), render_board(SCENE))
    monkeypatch.setenv("TOD_WORKSPACE", str(tmp_path / "ws"))
    assert main(["calibrate", "--image", str(tmp_path / "board.png"), "--draw", str(tmp_path / "grid.png")]) == 0
    cal = TableCalibration.load(tmp_path / "ws" / "calibration" / "table.yaml")
    assert cal.camera_centre() == pytest.approx(SCENE.calibration().camera_centre(), abs=2e-3)
    assert cv2.imread(str(tmp_path / "grid.png")).shape == (480, 640, 3)
    assert "mean reprojection error" in capsys.readouterr().out


def test_points_with_their_table_coordinates(tmp_path):
    xy = [(0.0, 0.0), (0.18, 0.0), (0.18, 0.12), (0.0, 0.12)]
    pixels = SCENE.calibration().project([(x, y, 0.0) for x, y in xy])
    points = [f"{u:.2f},{v:.2f}={x},{y}" for (u, v), (x, y) in zip(pixels, xy)]
    assert main(["calibrate", "--points", *points, "--out", str(tmp_path / "t.yaml")]) == 0
    cal = TableCalibration.load(tmp_path / "t.yaml")
    assert cal.camera_centre() == pytest.approx(SCENE.calibration().camera_centre(), abs=2e-3)


@pytest.mark.parametrize("argv, message", [
    (["--image", "{tmp}/scene.png"], "scene.png: no 7x5 checkerboard"),
    (["--image", "{tmp}/missing.png"], "missing.png: cannot read image"),
    (["--points", "1,2=0,0", "3,4"], "bad point '3,4'"),
    (["--points", "1,2=0,0"], "at least 4 pixels"),
    (["--image", "{tmp}/scene.png", "--board", "5x5"], "different number"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv, message):
    cv2.imwrite(str(tmp_path / "scene.png"), render(TableScene(cubes=[[0.05, 0.05, 0, 1]])))
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(["calibrate", *argv, "--out", str(tmp_path / "out.yaml")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out.yaml").exists()


def test_options_default_to_the_calibration_config():
    from tod_ros.cli import build_parser
    from tod_ros.geometry.table import CalibrationConfig

    argv = ["calibrate", "--image", "x.png"]
    args, d = build_parser(argv).parse_args(argv), CalibrationConfig()
    assert (args.hfov, args.cube_size, args.square, args.max_error, args.board) == (
        d.hfov_deg, d.cube_size, d.square, d.max_error_px, f"{d.board_cols}x{d.board_rows}")


def test_table_points_are_asked_until_they_parse(capsys):
    from tod_ros.errors import TodError
    from tod_ros.geometry.clicks import ask_table_points

    answers = iter(["0, 0", "oops", "0.2,0"])
    assert ask_table_points([(1, 2), (3, 4)], ask=lambda _prompt: next(answers)) == [(0.0, 0.0), (0.2, 0.0)]
    assert "'oops' is not x,y" in capsys.readouterr().out

    def closed(_prompt):
        raise EOFError

    with pytest.raises(TodError, match="nothing written"):
        ask_table_points([(1, 2)], ask=closed)


def test_click_without_a_display_is_a_clear_error(tmp_path, monkeypatch, capsys):
    cv2.imwrite(str(tmp_path / "scene.png"), render(SCENE))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    argv = ["calibrate", "--image", str(tmp_path / "scene.png"), "--click", "--out", str(tmp_path / "c.yaml")]
    assert main(argv) == 1
    assert "--click needs a display" in capsys.readouterr().err
    assert not (tmp_path / "c.yaml").exists()
