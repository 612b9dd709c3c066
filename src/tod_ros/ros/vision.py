"""The detector node's integration-day side: ``vision/predict`` (ros4pro/VisionPredict), ``cubes``
(tod_ros/TableCubes) and the tf2 frames ``cube_<i>`` (parent: the table frame).

Per frame of ``image`` and per vision/predict request the cubes found are placed on the table with the
calibration file (read again when it changes); without one, ``cubes`` says calibrated: false and a
warning says how to calibrate. A bad request image gets an empty response and a logged reason.
"""
import rospy
import tf2_ros
from geometry_msgs.msg import Point, Pose, Quaternion, TransformStamped
from std_msgs.msg import UInt8, UInt32

from tod_ros.errors import TodError
from tod_ros.msg import TableCube, TableCubes
from tod_ros.ros.params import load_config
from tod_ros.srv import VisionPredict, VisionPredictResponse
from tod_ros.vision import FIELDS, CalibrationWatch, VisionConfig, VisionServer, describe, response_fields


def _quaternion(yaw):
    import math

    return Quaternion(x=0.0, y=0.0, z=math.sin(yaw / 2.0), w=math.cos(yaw / 2.0))


def cubes_msg(header, cubes, calibrated, frame):
    """tod_ros/TableCubes of placed cubes (the unplaced ones are left out); a frame without a stamp
    (an image read from a file) gets the current time."""
    msg = TableCubes(calibrated=calibrated)
    msg.header.stamp = header.stamp if not header.stamp.is_zero() else rospy.Time.now()   # tf needs a time
    msg.header.frame_id = frame
    for c in cubes:
        if c.position is None:
            continue
        pose = Pose(position=Point(x=c.position[0], y=c.position[1], z=0.0), orientation=_quaternion(c.yaw))
        corners = [Point(x=x, y=y, z=z) for x, y, z in c.table_corners]
        msg.cubes.append(TableCube(label=c.label, class_id=c.class_id, score=c.score, pose=pose, corners=corners))
    return msg


class VisionLink:
    """Wiring of :class:`tod_ros.vision.VisionServer` into the detector node ``node``."""

    def __init__(self, node):
        self.node = node
        self.cfg = VisionConfig()
        try:
            self.cfg = load_config(VisionConfig).validate()
        except (TodError, ValueError) as exc:
            rospy.logerr("detector: vision params: %s (using the defaults)", exc)
        self.watch = CalibrationWatch(self.cfg.calibration_file())
        self.server = VisionServer(lambda bgr: node.detector.detect(bgr))
        self.pub = rospy.Publisher("cubes", TableCubes, queue_size=5)
        self.tf = tf2_ros.TransformBroadcaster()
        self.calibration()
        if self.cfg.vision_service:
            rospy.Service("vision/predict", VisionPredict, self.handle_predict)
            rospy.loginfo("detector: vision service at %s", rospy.resolve_name("vision/predict"))

    def calibration(self):
        """The current calibration (None: none), logging when it changes."""
        cal, news = self.watch.current()
        if news:
            (rospy.loginfo if cal else rospy.logwarn)("detector: %s", news)
        return cal

    def publish(self, header, cubes, cal):
        """``cubes`` and the cube_<i> frames of one frame's cubes."""
        msg = cubes_msg(header, cubes, cal is not None, self.cfg.table_frame)
        self.pub.publish(msg)
        if cal is None:
            rospy.logwarn_throttle(60.0, "detector: %s" % self.watch.problem)
            return
        transforms = []
        for i, c in enumerate(msg.cubes):
            t = TransformStamped()
            t.header = msg.header
            t.child_frame_id = f"{self.cfg.cube_frame_prefix}{i}"
            p = c.pose.position
            t.transform.translation.x, t.transform.translation.y, t.transform.translation.z = p.x, p.y, p.z
            t.transform.rotation = c.pose.orientation
            transforms.append(t)
        if transforms:
            self.tf.sendTransform(transforms)

    def on_frame(self, header, bgr, detections):
        """Topic mode: place one frame's detections and publish them."""
        cal = self.calibration()
        self.publish(header, self.server.cubes(bgr, detections, cal), cal)

    def handle_predict(self, req):
        """vision/predict: never raises; an empty response and a logged reason for an unusable image."""
        empty = VisionPredictResponse()
        cal = self.calibration()
        try:
            reason = self.node.refusal(req.image)
            if reason:
                raise TodError(reason)
            cubes, reason = self.server.predict(req.image, cal)
        except TodError as exc:
            cubes, reason = [], str(exc)
        except Exception as exc:  # noqa: BLE001 - a request must never take the service down
            rospy.logerr("detector: vision/predict failed on a %dx%d %s image", req.image.width, req.image.height,
                         req.image.encoding, exc_info=True)
            cubes, reason = [], f"{type(exc).__name__}: {exc}"
        if reason:
            rospy.logwarn("detector: vision/predict: empty response: %s", reason)
            return empty
        rospy.loginfo("detector: vision/predict: %d cube(s)%s", len(cubes), "".join(
            "\n  " + line for line in describe(cubes)))
        self.publish(req.image.header, cubes, cal)
        fields = response_fields(cubes)
        return VisionPredictResponse(**{name: [(UInt8 if name == "label" else UInt32)(data=v) for v in fields[name]]
                                        for name in FIELDS})
