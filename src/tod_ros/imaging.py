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


def image_msg_to_bgr(msg):
    """Return an ``HxWx3`` uint8 BGR copy of an Image message; raise TodError on empty/corrupt frames."""
    height, width = int(msg.height), int(msg.width)
    if height == 0 or width == 0 or len(msg.data) == 0:
        raise TodError(f"empty frame ({width}x{height}, {len(msg.data)} bytes): "
                       "the camera returned no pixels (is the robot's camera connected?)")
    if msg.encoding not in _ENCODINGS:
        raise TodError(f"unsupported image encoding {msg.encoding!r}; supported: {', '.join(SUPPORTED_ENCODINGS)}")
    channels, convert = _ENCODINGS[msg.encoding]
    step = int(msg.step) or width * channels
    if step < width * channels or len(msg.data) < step * height:
        raise TodError(f"corrupt frame: {msg.encoding} {width}x{height} step {msg.step} "
                       f"needs {step * height} bytes, got {len(msg.data)}")
    buf = np.frombuffer(bytes(msg.data), dtype=np.uint8, count=step * height).reshape(height, step)
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
