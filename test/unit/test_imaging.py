"""sensor_msgs/Image <-> BGR conversions (pure numpy)."""
from types import SimpleNamespace

import numpy as np
import pytest

from tod_ros.errors import TodError
from tod_ros.imaging import fill_image_msg, image_msg_to_bgr


def msg(encoding, pixels, step=None, extra=b""):
    h, w = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    row = step or w * channels
    rows = [pixels[r].tobytes().ljust(row, b"\0") for r in range(h)]
    return SimpleNamespace(height=h, width=w, encoding=encoding, step=row, is_bigendian=0,
                           data=b"".join(rows) + extra)


@pytest.fixture
def bgr():
    return np.random.default_rng(1).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)


@pytest.mark.parametrize("encoding", ["8UC3", "bgr8"])
def test_bgr_passthrough(encoding, bgr):
    assert np.array_equal(image_msg_to_bgr(msg(encoding, bgr)), bgr)


def test_rgb8_is_swapped(bgr):
    assert np.array_equal(image_msg_to_bgr(msg("rgb8", bgr[:, :, ::-1].copy())), bgr)


def test_mono8_becomes_three_equal_channels():
    gray = np.arange(35, dtype=np.uint8).reshape(5, 7)
    out = image_msg_to_bgr(msg("mono8", gray))
    assert out.shape == (5, 7, 3)
    assert all(np.array_equal(out[:, :, c], gray) for c in range(3))


def test_row_padding_is_dropped(bgr):
    assert np.array_equal(image_msg_to_bgr(msg("bgr8", bgr, step=7 * 3 + 5)), bgr)


def test_empty_frame_is_an_error():
    empty = SimpleNamespace(height=0, width=0, encoding="", step=0, is_bigendian=0, data=b"")
    with pytest.raises(TodError, match="empty frame"):
        image_msg_to_bgr(empty)


def test_truncated_frame_is_an_error(bgr):
    m = msg("bgr8", bgr)
    m.data = m.data[:-10]
    with pytest.raises(TodError, match="corrupt frame"):
        image_msg_to_bgr(m)


def test_unknown_encoding_is_an_error(bgr):
    with pytest.raises(TodError, match="unsupported image encoding '16UC1'"):
        image_msg_to_bgr(msg("16UC1", bgr))


@pytest.mark.parametrize("encoding", ["bgr8", "8UC3", "rgb8"])
def test_round_trip(encoding, bgr):
    m = fill_image_msg(SimpleNamespace(), bgr, encoding=encoding)
    assert (m.height, m.width, m.step, m.encoding) == (5, 7, 21, encoding)
    assert np.array_equal(image_msg_to_bgr(m), bgr)
