"""capture_node (node name ``capture_node``): the robot camera as a node of the running system.

On request (service ``capture``, std_srvs/Trigger) and optionally at ``~rate`` Hz, grabs a
frame with :class:`tod_ros.ros.robot_camera.RobotCamera` (the robot's ``get_image``:
timeout + retries; an empty frame is an error) and publishes it on ``image`` (bgr8) with a
fresh header. The Trigger answer names the published frame as ``stamp=<secs>.<nsecs> seq=<n>``
so a client can pick the detections of that very frame. A requested frame waits up to
``~subscriber_wait`` for a node on ``image``: a detector that has just started is subscribed but
not yet connected, and a frame published then would be lost.
"""
import threading
from dataclasses import dataclass

import rospy
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger, TriggerResponse

from tod_ros.capture import CAMERA_FRAME_ID, CameraConfig
from tod_ros.coordinator import format_frame_ref
from tod_ros.errors import TodError
from tod_ros.imaging import fill_image_msg
from tod_ros.ros.params import load_config
from tod_ros.ros.robot_camera import RobotCamera
from tod_ros.ros.rosinit import init_node

NODE_NAME = "capture_node"


@dataclass
class CaptureNodeConfig(CameraConfig):
    """Private params of capture_node: the camera's (service, service_timeout, call_timeout,
    retries) and these."""

    rate: float = 0.0               # Hz of periodic captures; 0 = only on request
    frame_id: str = CAMERA_FRAME_ID
    subscriber_wait: float = 2.0    # s a requested frame waits for a node on image, then goes out anyway

    def validate(self):
        """Raise TodError for settings the node cannot run with."""
        if self.rate < 0 or self.subscriber_wait < 0:
            raise TodError(f"~rate and ~subscriber_wait must be >= 0, got {self.rate} and {self.subscriber_wait}")
        return super().validate()


class CaptureNode:
    """Grabs frames from the robot and publishes them with fresh headers."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.camera = None
        self.seq = 0
        self.lock = threading.Lock()
        self.pub = rospy.Publisher("image", Image, queue_size=2)
        rospy.Service("capture", Trigger, self.handle_capture)
        if cfg.rate > 0:
            rospy.Timer(rospy.Duration(1.0 / cfg.rate), lambda _evt: self.capture_logged())

    def _grab(self):
        """One frame from the robot; the client is made (waiting for the service) on first use
        and again after a failure (robot restarted?)."""
        if self.camera is None:
            self.camera = RobotCamera(self.cfg)
        try:
            return self.camera.grab()
        except TodError:
            self.camera = None
            raise

    def _wait_for_subscriber(self):
        deadline = rospy.get_time() + self.cfg.subscriber_wait
        while self.pub.get_num_connections() == 0 and rospy.get_time() < deadline and not rospy.is_shutdown():
            rospy.sleep(0.01)

    def capture(self, requested=False):
        """Grab, publish, return the published header; TodError when no frame came.
        A ``requested`` frame first waits (up to ``subscriber_wait``) for a node on ``image``."""
        with self.lock:
            if requested:
                self._wait_for_subscriber()
            bgr = self._grab()
            self.seq += 1
            msg = fill_image_msg(Image(), bgr, encoding="bgr8")
            msg.header.seq = self.seq
            msg.header.stamp = rospy.Time.now()
            msg.header.frame_id = self.cfg.frame_id
            self.pub.publish(msg)
            return msg.header

    def capture_logged(self):
        """Capture for the periodic timer: errors are logged, not raised."""
        try:
            self.capture()
        except TodError as exc:
            rospy.logerr_throttle(5.0, "capture_node: %s" % exc)

    def handle_capture(self, _req):
        """Trigger handler: success + frame reference, or failure + the reason."""
        try:
            header = self.capture(requested=True)
        except TodError as exc:
            rospy.logerr("capture_node: %s", exc)
            return TriggerResponse(success=False, message=str(exc))
        return TriggerResponse(success=True,
                               message=format_frame_ref(header.stamp.secs, header.stamp.nsecs, header.seq))


def main():
    """Entry point of ``rosrun tod_ros capture_node``."""
    init_node(NODE_NAME)
    try:
        cfg = load_config(CaptureNodeConfig).validate()
    except TodError as exc:
        rospy.logfatal("capture_node: %s", exc)
        raise SystemExit(1)
    CaptureNode(cfg)
    rospy.loginfo("capture_node: ready, frames from %s on %s", rospy.resolve_name(cfg.service),
                  rospy.resolve_name("image"))
    rospy.spin()
