"""The course's vision server without ROS (tod_ros.vision): request image -> response fields, positions
with and without a calibration, bad images, the calibration file watched."""
import time

import cv2
import numpy as np
import pytest

from tod_ros.imaging import fill_image_msg
from tod_ros.detection import Detection
from tod_ros.sim_table import TableScene, render, truth
from tod_ros.vision import FIELDS, CalibrationWatch, VisionServer, describe, response_fields

SCENE = TableScene(cubes=[[0.0, 0.04, 0, 1], [0.09, 0.05, 15, 2], [0.17, 0.12, 0, 1]])


class Image:
    """The fields of a sensor_msgs/Image that tod_ros.imaging reads."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def boxes_of_the_scene(bgr):
    """The detections a perfect detector gives on the scene: each cube's face box, its label."""
    return [Detection(str(c.label), c.label, 0.9, (0, 0, 0, 0), (*c.corners.min(axis=0), *c.corners.max(axis=0)))
            for c in truth(SCENE)]


@pytest.fixture(scope="module")
def frame():
    return render(SCENE)


def request(bgr, encoding):
    if encoding == "mono8":
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        return Image(height=grey.shape[0], width=grey.shape[1], encoding="mono8", step=grey.shape[1],
                     data=grey.tobytes())
    return fill_image_msg(Image(), bgr, encoding=encoding)


@pytest.mark.parametrize("encoding", ["mono8", "bgr8", "rgb8"])
def test_every_encoding_gives_the_scene(frame, encoding):
    cubes, reason = VisionServer(boxes_of_the_scene).predict(request(frame, encoding), SCENE.calibration())
    assert reason == ""
    fields = response_fields(cubes)
    assert fields["label"] == [1, 2, 1]
    for i, true in enumerate(truth(SCENE)):
        corners = np.array([[fields[f"x{k}"][i], fields[f"y{k}"][i]] for k in (1, 2, 3, 4)])
        assert np.linalg.norm(corners - true.corners, axis=1).max() <= 4.0
        assert cubes[i].position == pytest.approx((true.x, true.y), abs=0.003)


def test_without_calibration_nothing_is_placed(frame):
    cubes, _ = VisionServer(boxes_of_the_scene).predict(request(frame, "bgr8"))
    assert [c.position for c in cubes] == [None] * 3
    assert all("not placed" in line for line in describe(cubes))


@pytest.mark.parametrize("bad", [Image(height=0, width=0, encoding="bgr8", step=0, data=b""),
                                 Image(height=48, width=64, encoding="32FC1", step=256, data=b"\0" * 48 * 256),
                                 Image(height=48, width=64, encoding="bgr8", step=192, data=b"\0" * 100)])
def test_a_bad_image_gets_no_cubes_and_a_reason(bad):
    cubes, reason = VisionServer(boxes_of_the_scene).predict(bad)
    assert cubes == [] and reason
    assert response_fields(cubes) == {name: [] for name in FIELDS}


def test_calibration_watch_reads_again_when_the_file_changes(tmp_path):
    path = tmp_path / "table.yaml"
    watch = CalibrationWatch(path)
    cal, news = watch.current()
    assert cal is None and "tod calibrate" in news
    assert watch.current() == (None, "")
    SCENE.calibration().save(path)
    cal, news = watch.current()
    assert cal is not None and "loaded" in news
    time.sleep(0.01)
    path.write_text("not: [a calibration")
    cal, news = watch.current()
    assert cal is None and "table.yaml" in news
