"""Our GetImage must be wire-compatible with poppy_controllers/GetImage.

test/build/: tests of what the catkin build generates (message and service classes, rossrv);
no master, but unlike test/unit they need `make setup` (the built .catkin_ws) and setup_env.sh.
"""
import shutil
import subprocess

import pytest

POPPY_GET_IMAGE_MD5 = "b13d2865c5af2a64e6e30ab1b56e1dd5"


def test_generated_class_md5():
    from tod_ros.srv import GetImage

    assert GetImage._md5sum == POPPY_GET_IMAGE_MD5
    assert GetImage._request_class._slot_types == []
    assert GetImage._response_class._slot_types == ["sensor_msgs/Image"]


def test_rossrv_md5():
    if shutil.which("rossrv") is None:
        pytest.fail("rossrv not found: source setup_env.sh")
    out = subprocess.run(["rossrv", "md5", "tod_ros/GetImage"], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == POPPY_GET_IMAGE_MD5, out.stderr
