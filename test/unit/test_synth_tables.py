"""tod synth's tables and room light: every style draws, light tables are light, boxes follow a slanted camera."""
import cv2
import numpy as np
import pytest

from tod_ros.cli import main as tod
from tod_ros.dataset.synth import SynthConfig, render_sample
from tod_ros.dataset.synth_tables import TABLES, table
from tod_ros.dataset.voc import read_folder
from tod_ros.errors import TodError

PLAIN = dict(p_light_gradient=0.0, p_room_shadow=0.0, p_colour_cast=0.0, p_perspective=0.0, p_vignette=0.0,
             max_clutter=0, p_white_distractor=0.0, p_blank_cube=0.0, p_shadow=0.0, gain=(1.0, 1.0),
             gamma=(1.0, 1.0), fonts=())


@pytest.mark.parametrize("style", [t for t in TABLES if t != "photo"])
def test_every_drawn_style_fills_the_frame(style):
    img = table(np.random.default_rng(1), 120, 160, style)
    assert img.shape == (120, 160, 3) and img.dtype == np.float32
    assert np.all(np.isfinite(img)) and img.min() >= 0


def _border_mean(img):
    return float(np.concatenate([img[:8].reshape(-1, 3), img[-8:].reshape(-1, 3)]).mean())


def test_light_tables_are_light_and_dark_ones_dark():
    light = [_border_mean(render_sample(np.random.default_rng([2, i]), SynthConfig(tables=("light",), **PLAIN))[0])
             for i in range(6)]
    dark = [_border_mean(render_sample(np.random.default_rng([2, i]), SynthConfig(tables=("dark",), **PLAIN))[0])
            for i in range(6)]
    assert min(light) > 140 and max(dark) < 80


def test_a_cube_on_a_light_table_keeps_its_digit():
    """Auto exposure: even the brightest exposure does not wash a cube's ink out on a white table."""
    cfg = SynthConfig(tables=("light",), gain=(1.6, 1.6), min_cubes=1, max_cubes=1, p_font=0.0, **{
        k: v for k, v in PLAIN.items() if k != "gain"})
    for i in range(5):
        img, objects = render_sample(np.random.default_rng([3, i]), cfg)
        o = objects[0]
        face = cv2.cvtColor(img[o.ymin:o.ymax, o.xmin:o.xmax], cv2.COLOR_BGR2GRAY)
        assert np.percentile(face, 99) - np.percentile(face, 1) > 60, f"sample {i}: the digit washed out"


def test_slanted_camera_moves_the_boxes_with_the_faces():
    """With the homography on, each box still holds a bright cube face (paper) at its centre."""
    cfg = SynthConfig(tables=("dark",), p_perspective=1.0, max_perspective=0.2, min_cubes=1, max_cubes=1,
                      p_font=0.0, **{k: v for k, v in PLAIN.items() if k != "p_perspective"})
    for i in range(8):
        img, objects = render_sample(np.random.default_rng([4, i]), cfg)
        o = objects[0]
        inner = img[o.ymin + (o.ymax - o.ymin) // 3:o.ymax - (o.ymax - o.ymin) // 3,
                    o.xmin + (o.xmax - o.xmin) // 3:o.xmax - (o.xmax - o.xmin) // 3]
        assert np.median(inner) > 120, f"sample {i}: the box's centre is not on the face"


def test_background_photos_become_the_table(tmp_path):
    photo = np.zeros((200, 300, 3), np.uint8)
    photo[:] = (10, 200, 30)     # a green table
    cv2.imwrite(str(tmp_path / "green.png"), photo)
    cfg = SynthConfig(tables=(), backgrounds=str(tmp_path), **PLAIN)
    img, _ = render_sample(np.random.default_rng(5), cfg)
    b, g, r = (float(v) for v in img[:6].reshape(-1, 3).mean(0))
    assert g > 150 and b < 60 and r < 80


def test_cli_tables_and_backgrounds(tmp_path, capsys):
    assert tod(["synth", "--out", str(tmp_path / "wood"), "--count", "2", "--tables", "wood", "--quiet"]) == 0
    assert len(read_folder(tmp_path / "wood")) == 2
    assert tod(["synth", "--out", str(tmp_path / "x"), "--count", "1", "--tables", "marble", "--quiet"]) == 1
    assert "marble" in capsys.readouterr().err
    assert tod(["synth", "--out", str(tmp_path / "y"), "--count", "1", "--tables", "photo", "--quiet"]) == 1
    assert "--backgrounds" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert tod(["synth", "--out", str(tmp_path / "z"), "--count", "1", "--backgrounds", str(empty), "--quiet"]) == 1
    assert "no readable background photo" in capsys.readouterr().err


def test_unknown_table_is_refused():
    with pytest.raises(TodError, match="tables"):
        SynthConfig(tables=("marble",)).validate()
