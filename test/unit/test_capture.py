"""Frame saving: numbering continues after existing files and never overwrites."""
import cv2
import numpy as np
import pytest

from tod_ros.capture import next_index, save_frame
from tod_ros.errors import TodError


@pytest.fixture
def frame():
    return np.random.default_rng(2).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)


def test_next_index_empty_and_missing_folder(tmp_path):
    assert next_index(tmp_path) == 1
    assert next_index(tmp_path / "nope") == 1


def test_next_index_follows_the_highest_number(tmp_path):
    for name in ("image001.png", "image017.jpg", "image5.png", "other099.png", "image_x.png"):
        (tmp_path / name).write_bytes(b"x")
    assert next_index(tmp_path) == 18
    assert next_index(tmp_path, prefix="other") == 100


def test_save_frame_writes_lossless_png(tmp_path, frame):
    path = save_frame(tmp_path, frame)
    assert path.name == "image001.png"
    assert np.array_equal(cv2.imread(str(path)), frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image001.png"]


def test_save_frame_never_overwrites(tmp_path, frame):
    (tmp_path / "image003.png").write_bytes(b"keep")
    first = save_frame(tmp_path, frame)
    second = save_frame(tmp_path, frame)
    assert (first.name, second.name) == ("image004.png", "image005.png")
    assert (tmp_path / "image003.png").read_bytes() == b"keep"


def test_save_frame_skips_a_name_taken_meanwhile(tmp_path, frame, monkeypatch):
    import tod_ros.capture as capture

    real = capture.next_index

    def racing_next_index(folder, prefix="image"):
        n = real(folder, prefix)
        (tmp_path / f"image{n:03d}.png").write_bytes(b"raced")  # another process wins the name
        return n

    monkeypatch.setattr(capture, "next_index", racing_next_index)
    path = save_frame(tmp_path, frame)
    assert path.name == "image002.png"
    assert (tmp_path / "image001.png").read_bytes() == b"raced"


@pytest.mark.parametrize("bad", [None, np.zeros((0, 0, 3), np.uint8), np.zeros((4, 4), np.uint8),
                                 np.zeros((4, 4, 3), np.float32)])
def test_bad_frames_are_rejected_and_nothing_written(tmp_path, bad):
    with pytest.raises(TodError):
        save_frame(tmp_path, bad)
    assert list(tmp_path.iterdir()) == []
