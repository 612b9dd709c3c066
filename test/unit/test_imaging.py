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


def test_step_smaller_than_a_row_says_so():
    frame = np.zeros((480, 640, 3), np.uint8)
    m = fill_image_msg(SimpleNamespace(), frame, encoding="bgr8")
    m.step = 640
    with pytest.raises(TodError, match=r"step 640 bytes per row, less than one row of pixels "
                                       r"\(640 x 3 = 1920 bytes\)") as err:
        image_msg_to_bgr(m)
    assert "needs" not in str(err.value)


def test_truncated_data_says_truncated(bgr):
    m = msg("bgr8", bgr)
    m.data = m.data[:-1]
    with pytest.raises(TodError, match="needs 105 bytes, got only 104 .truncated data."):
        image_msg_to_bgr(m)


@pytest.mark.parametrize("field, value", [("height", -1), ("width", "7"), ("step", 2.5), ("height", None),
                                          ("data", 10 ** 12), ("data", "text"), ("data", [1, 300]),
                                          ("encoding", ["bgr8"]), ("encoding", None)])
def test_malformed_fields_are_errors(bgr, field, value):
    m = msg("bgr8", bgr)
    setattr(m, field, value)
    with pytest.raises(TodError):
        image_msg_to_bgr(m)


# --------------------------------------------------------------------------- property-based fuzzing
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ENCODINGS = st.sampled_from(["8UC3", "bgr8", "rgb8", "bgra8", "rgba8", "mono8", "8UC1", "16UC1", "", "BGR8"])
UINT32 = st.integers(0, 2 ** 32 - 1)
SMALL = st.integers(0, 12)


def _check(m):
    """The property: a BGR HxWx3 uint8 array of the message's size, or a TodError."""
    try:
        out = image_msg_to_bgr(m)
    except TodError:
        return
    assert out.dtype == np.uint8 and out.shape == (m.height, m.width, 3)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(height=st.one_of(SMALL, UINT32), width=st.one_of(SMALL, UINT32),
       step=st.one_of(SMALL, st.integers(0, 64), UINT32),
       encoding=ENCODINGS, data=st.binary(max_size=600))
def test_fuzz_random_messages(height, width, step, encoding, data):
    _check(SimpleNamespace(height=height, width=width, step=step, encoding=encoding, is_bigendian=0, data=data))


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 40, 2 ** 40), st.floats(allow_nan=True),
                   st.text(max_size=8), st.binary(max_size=64), st.lists(st.integers(-5, 300), max_size=8))


@settings(max_examples=300, deadline=None, database=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), encoding=st.sampled_from(["bgr8", "8UC3", "rgb8", "rgba8", "mono8"]),
       pad=st.integers(0, 5), field=st.sampled_from(["height", "width", "step", "encoding", "data", "is_bigendian"]),
       value=VALUES, cut=st.integers(-20, 20))
def test_fuzz_mutated_valid_messages(h, w, encoding, pad, field, value, cut):
    channels = {"mono8": 1, "rgba8": 4}.get(encoding, 3)
    pixels = np.arange(h * w * channels, dtype=np.uint8).reshape(h, w, channels)
    m = msg(encoding, pixels if channels > 1 else pixels[:, :, 0], step=w * channels + pad)
    _check(m)                                               # the valid message converts
    if field == "data" and isinstance(value, (bytes, type(None))):
        m.data = m.data[:cut] if cut else m.data + b"\x01" * 3   # truncated or longer data
    else:
        setattr(m, field, value)
    _check(m)


def test_fuzz_real_sensor_msgs_image_if_available():
    """A real sensor_msgs/Image (Debian's genpy class) behaves like the plain namespaces above."""
    image_cls = pytest.importorskip("sensor_msgs.msg").Image
    m = fill_image_msg(image_cls(), np.full((3, 4, 3), 9, np.uint8), encoding="8UC3")
    assert image_msg_to_bgr(m).shape == (3, 4, 3)
    m.step = 5
    with pytest.raises(TodError, match="step 5 bytes per row"):
        image_msg_to_bgr(m)
