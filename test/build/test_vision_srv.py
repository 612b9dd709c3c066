"""Our VisionPredict must be wire-compatible with the ROS4PRO course's ros4pro/VisionPredict
(srv text as published in the course's repository, ros4pro/srv/VisionPredict.srv)."""
import shutil
import subprocess

import pytest

COURSE_SRV = """sensor_msgs/Image image
---
std_msgs/UInt8[] label
std_msgs/UInt32[] x_center
std_msgs/UInt32[] y_center
std_msgs/UInt32[] x1
std_msgs/UInt32[] y1
std_msgs/UInt32[] x2
std_msgs/UInt32[] y2
std_msgs/UInt32[] x3
std_msgs/UInt32[] y3
std_msgs/UInt32[] x4
std_msgs/UInt32[] y4
"""
COURSE_MD5 = "feb91cb69c9491b1aeaef617a475752b"


def test_course_text_has_this_md5():
    genmsg = pytest.importorskip("genmsg")
    import genmsg.msg_loader
    import rospkg

    pack = rospkg.RosPack()
    paths = {p: [pack.get_path(p) + "/msg"] for p in ("sensor_msgs", "std_msgs")}
    ctx = genmsg.MsgContext.create_default()
    spec = genmsg.msg_loader.load_srv_from_string(ctx, COURSE_SRV, "ros4pro/VisionPredict")
    genmsg.msg_loader.load_depends(ctx, spec, paths)
    assert genmsg.compute_md5(ctx, spec) == COURSE_MD5


def test_generated_class_md5():
    from tod_ros.srv import VisionPredict

    assert VisionPredict._md5sum == COURSE_MD5
    assert VisionPredict._request_class._slot_types == ["sensor_msgs/Image"]
    assert VisionPredict._response_class.__slots__ == ["label", "x_center", "y_center", "x1", "y1", "x2", "y2",
                                                       "x3", "y3", "x4", "y4"]


def test_rossrv_md5():
    if shutil.which("rossrv") is None:
        pytest.fail("rossrv not found: source setup_env.sh")
    out = subprocess.run(["rossrv", "md5", "tod_ros/VisionPredict"], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == COURSE_MD5, out.stderr
