"""The simulated robot's config and image source (no ROS)."""
import cv2
import numpy as np
import pytest

from tod_ros.errors import TodError
from tod_ros.sim_robot import ImageCycler, SimRobotConfig


def test_cycler_serves_sorted_files_and_wraps(tmp_path):
    for name, value in (("b.png", 2), ("a.png", 1), ("c.jpg", 3)):
        cv2.imwrite(str(tmp_path / name), np.full((4, 6, 3), value * 40, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    cycler = ImageCycler(tmp_path)
    names = [cycler.next()[0].name for _ in range(4)]
    assert names == ["a.png", "b.png", "c.jpg", "a.png"]


def test_cycler_errors(tmp_path):
    with pytest.raises(TodError, match="does not exist"):
        ImageCycler(tmp_path / "missing")
    with pytest.raises(TodError, match="no images"):
        ImageCycler(tmp_path)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(TodError, match="cannot read image"):
        ImageCycler(tmp_path).next()


def test_config_validation():
    assert SimRobotConfig(image_dir="x").validate().fault == "none"
    with pytest.raises(TodError, match="~fault must be one of"):
        SimRobotConfig(image_dir="x", fault="explode").validate()
    with pytest.raises(TodError, match="~image_dir is not set"):
        SimRobotConfig().validate()
