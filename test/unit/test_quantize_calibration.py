"""The int8 export's calibration frames (no TensorFlow): spread evenly, letterboxed as the runtime does."""
import numpy as np
import pytest

from dataset_helpers import bomb_png
from tod_ros.dataset.synth import SynthConfig, generate
from tod_ros.errors import TodError
from tod_ros.training.quantize import (Int8Config, _evenly, _pin_input_range, calibration_images,
                                       calibration_line, representative_canvases)
from tod_ros.imageops import MEAN_RGB, letterbox


def test_evenly_spread():
    assert _evenly(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert _evenly([1, 2], 5) == [1, 2]


def test_folder_frames_are_letterboxed_like_the_runtime(tmp_path):
    generate(tmp_path, 4, seed=1, config=SynthConfig(width=200, height=100))
    images = calibration_images(str(tmp_path), 3)
    assert len(images) == 3 and images[0].shape == (100, 200, 3)
    canvases = representative_canvases(images, 64, 80)
    assert all(c.shape == (1, 64, 80, 3) and c.dtype == np.uint8 for c in canvases)
    assert np.array_equal(canvases[0][0], letterbox(images[0], 64, 80)[0])
    assert tuple(canvases[0][0, -1, 0]) == MEAN_RGB          # 200x100 -> 80x40: mean padding below


def test_input_range_is_pinned_to_0_255():
    frames = [np.full((1, 4, 4, 3), 100, np.uint8) for _ in range(2)]
    pinned = _pin_input_range(frames)
    assert pinned[0].min() == 0 and pinned[0].max() == 255 and frames[0].min() == 100   # input not modified
    assert pinned[1] is frames[1]


def test_errors_name_the_way_out(tmp_path):
    with pytest.raises(TodError, match="--calibration"):
        calibration_images(str(tmp_path / "missing.record"), 10)
    with pytest.raises(TodError, match="--calibration"):
        calibration_images("", 10)
    with pytest.raises(TodError, match="calibration-images"):
        Int8Config(num_images=0).validate()


def test_the_calibration_images_are_named_with_their_count(tmp_path):
    generate(tmp_path, 12, seed=1, config=SynthConfig(width=96, height=64))
    named = calibration_images(str(tmp_path), 10, named=True)
    names = [name for _, name in named]
    assert len(names) == 10 and names[0] == "synth_000001.jpg" and all(img.shape == (64, 96, 3) for img, _ in named)
    line = calibration_line(str(tmp_path), names)
    assert line.startswith(f"int8 calibration: 10 image(s) from {tmp_path}: synth_000001.jpg, ")
    assert line.endswith(", ... (2 more)")


def test_a_calibration_folder_is_read_by_the_image_rule(tmp_path):
    bomb_png(tmp_path / "bomb.png", 5000, 4000)
    with pytest.raises(TodError, match=r"int8 calibration images: .*bomb.png: image 5000x4000 refused"):
        calibration_images(str(tmp_path), 4)
