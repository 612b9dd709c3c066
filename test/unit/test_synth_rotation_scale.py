"""Full-circle rotation and the output scale of the synthetic generator (`tod synth --scale`)."""
import cv2
import numpy as np
import pytest

from tod_ros.cli import main as tod_main
from tod_ros.dataset import synth
from tod_ros.dataset.synth import SynthConfig, generate, rescale_sample
from tod_ros.dataset.voc import VocObject, read_voc
from tod_ros.errors import TodError


def _angle(front):
    """In-plane angle (degrees, -180..180) of a front face, from its top edge."""
    dx, dy = front[1] - front[0]
    return np.degrees(np.arctan2(dy, dx))


def test_cubes_are_drawn_at_every_angle_of_the_circle():
    cfg = SynthConfig()
    rng = np.random.default_rng(0)
    angles = [_angle(synth._make_cube(rng, cfg, np.array([320.0, 240.0]), 150.0).front) for _ in range(400)]
    hist, _ = np.histogram(angles, bins=8, range=(-180, 180))
    assert (hist > 10).all(), hist          # every 45-degree sector is drawn
    assert np.mean(np.abs(angles) < 8) > 0.3   # and upright cubes stay common


def test_box_is_the_tight_box_of_the_turned_face():
    cfg = SynthConfig(p_tilted=1.0)
    rng = np.random.default_rng(3)
    for _ in range(20):
        cube = synth._make_cube(rng, cfg, np.array([320.0, 240.0]), 150.0)
        box = synth._box(cube, cfg, "one")
        lo, hi = cube.front.min(0), cube.front.max(0)
        assert abs(box.xmin - lo[0]) <= 1 and abs(box.ymin - lo[1]) <= 1
        assert abs(box.xmax - hi[0]) <= 1 and abs(box.ymax - hi[1]) <= 1


def test_rescale_sample_scales_image_and_boxes():
    img = np.zeros((480, 640, 3), np.uint8)
    img[100:200, 300:420] = 255
    small, objs = rescale_sample(img, [VocObject("two", 300, 100, 420, 200)], 0.5)
    assert small.shape == (240, 320, 3)
    o = objs[0]
    assert (o.name, o.xmin, o.ymin, o.xmax, o.ymax) == ("two", 150, 50, 210, 100)
    ys, xs = np.nonzero(small[..., 0] > 128)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (150, 50, 210, 100)


def test_generate_at_half_scale_writes_small_consistent_pairs(tmp_path):
    paths = generate(tmp_path, 3, seed=1, config=SynthConfig(scale=0.5, fonts=()))
    for xml in paths:
        ann = read_voc(xml)
        img = cv2.imread(str(xml.with_suffix(".jpg")))
        assert img.shape[:2] == (240, 320) and (ann.width, ann.height) == (320, 240)
        assert all(0 <= o.xmin < o.xmax <= 320 and 0 <= o.ymin < o.ymax <= 240 for o in ann.objects)
    again = generate(tmp_path / "again", 3, seed=1, config=SynthConfig(scale=0.5, fonts=()))
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_bad_scale_is_refused(tmp_path):
    with pytest.raises(TodError, match="scale"):
        generate(tmp_path, 1, config=SynthConfig(scale=0))
    assert tod_main(["synth", "--out", str(tmp_path / "x"), "--count", "1", "--scale", "2"]) != 0
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
