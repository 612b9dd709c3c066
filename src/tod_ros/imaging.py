"""Conversions between sensor_msgs/Image-like messages and OpenCV BGR arrays (pure numpy).

Works on any object with the fields of sensor_msgs/Image, so it is testable without ROS
and avoids cv_bridge's dependency on a particular numpy ABI.
"""
import numpy as np

from tod_ros.errors import TodError

# encoding -> (channels, conversion to BGR). A real Ergo Jr sends "8UC3" holding BGR pixels.
_ENCODINGS = {
    "8UC3": (3, None),
    "bgr8": (3, None),
    "rgb8": (3, "rgb"),
    "bgra8": (4, "bgra"),
    "rgba8": (4, "rgba"),
    "mono8": (1, "mono"),
    "8UC1": (1, "mono"),
}
SUPPORTED_ENCODINGS = tuple(_ENCODINGS)


def _field(msg, name):
    """A non-negative int field of an Image message (TodError when it is missing or not one)."""
    value = getattr(msg, name, None)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise TodError(f"corrupt frame: {name} must be a non-negative integer, got {value!r}")
    return int(value)


def _data(msg):
    """The pixel bytes of an Image message (rospy gives bytes; a list of ints 0-255 also works)."""
    data = getattr(msg, "data", None)
    try:
        if isinstance(data, (bytes, bytearray, memoryview, list, tuple)):
            return bytes(data)
    except (TypeError, ValueError) as exc:
        raise TodError(f"corrupt frame: data is not a sequence of bytes ({exc})") from exc
    raise TodError(f"corrupt frame: data is not a sequence of bytes ({type(data).__name__})")


def image_msg_to_bgr(msg):
    """Return an ``HxWx3`` uint8 BGR copy of an Image message; raise TodError on empty/corrupt frames."""
    height, width, data = _field(msg, "height"), _field(msg, "width"), _data(msg)
    if height == 0 or width == 0 or len(data) == 0:
        raise TodError(f"empty frame ({width}x{height}, {len(data)} bytes): "
                       "the camera returned no pixels (is the robot's camera connected?)")
    encoding = getattr(msg, "encoding", None)
    if not isinstance(encoding, str) or encoding not in _ENCODINGS:
        raise TodError(f"unsupported image encoding {encoding!r}; supported: {', '.join(SUPPORTED_ENCODINGS)}")
    channels, convert = _ENCODINGS[encoding]
    row = width * channels
    step = _field(msg, "step") or row
    if step < row:
        raise TodError(f"corrupt frame: {encoding} {width}x{height} has step {step} bytes per row, "
                       f"less than one row of pixels ({width} x {channels} = {row} bytes): "
                       "the step (row length in bytes) is wrong")
    if len(data) < step * height:
        raise TodError(f"corrupt frame: {encoding} {width}x{height} step {step} needs {step * height} "
                       f"bytes, got only {len(data)} (truncated data)")
    buf = np.frombuffer(data, dtype=np.uint8, count=step * height).reshape(height, step)
    pixels = buf[:, : width * channels].reshape(height, width, channels)
    if convert is None:
        return pixels.copy()
    if convert == "mono":
        return np.repeat(pixels, 3, axis=2)
    if convert == "rgb":
        return pixels[:, :, ::-1].copy()
    if convert == "rgba":
        return pixels[:, :, 2::-1].copy()
    return pixels[:, :, :3].copy()  # bgra


def check_bgr(bgr):
    """Raise TodError unless ``bgr`` is a non-empty HxWx3 uint8 (BGR) image."""
    if not isinstance(bgr, np.ndarray) or bgr.size == 0:
        raise TodError("empty image: no pixels")
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise TodError(f"expected an HxWx3 uint8 BGR image, got {bgr.shape} {bgr.dtype}")


def fill_image_msg(msg, bgr, encoding="bgr8"):
    """Fill an Image message from an ``HxWx3`` uint8 BGR array (``encoding`` bgr8, 8UC3 or rgb8)."""
    bgr = np.ascontiguousarray(bgr, dtype=np.uint8)
    if bgr.ndim != 3 or bgr.shape[2] != 3:
        raise TodError(f"expected an HxWx3 image, got shape {bgr.shape}")
    pixels = bgr[:, :, ::-1] if encoding == "rgb8" else bgr
    msg.height, msg.width = bgr.shape[:2]
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = bgr.shape[1] * 3
    msg.data = np.ascontiguousarray(pixels).tobytes()
    return msg
