"""coordinator node: plays the seed's nn.py protocol with the robot, cycle after cycle, and
serves ``take_image`` (tod_ros/TakeImage), the synchronous alternative.

The logic is :class:`tod_ros.coordinator.Coordinator`; this module wires it to ROS:
the protocol params (via :class:`tod_ros.ros.params.RosParams`), the capture node's
``capture`` service (std_srvs/Trigger, answers the frame's stamp), the detector's ``detections``
(matched by header stamp) and ``detector/status`` (tod_ros/DetectorStatus: its state, and the
frames it dropped), and ``status`` (tod_ros/CoordinatorStatus, latched).
Private params: :class:`tod_ros.coordinator.CoordinatorConfig`.
"""
import signal

import rospy
from std_srvs.srv import Trigger

from tod_ros.coordinator import Coordinator, CoordinatorConfig, parse_frame_ref
from tod_ros.detector_link import DetectorLink
from tod_ros.errors import TodError
from tod_ros.msg import CoordinatorStatus, DetectionArray, DetectorStatus
from tod_ros.protocol import SystemClock, call_with_timeout
from tod_ros.ros.params import RosParams, load_config
from tod_ros.ros.rosinit import init_node
from tod_ros.srv import TakeImage, TakeImageResponse


def _key(header):
    return header.stamp.secs, header.stamp.nsecs


def _publisher(msg):
    """The node that published ``msg`` (rospy's connection header), or None."""
    return getattr(msg, "_connection_header", {}).get("callerid")


class CoordinatorNode:
    """ROS handles around a :class:`Coordinator`."""

    def __init__(self, cfg, clock):
        self.cfg = cfg
        self.clock = clock
        self.pub_status = rospy.Publisher("status", CoordinatorStatus, queue_size=10, latch=True)
        self._capture = rospy.ServiceProxy("capture", Trigger)
        self._sub = rospy.Subscriber("detections", DetectionArray, self.on_detections, queue_size=10)
        self.link = DetectorLink(clock, connected=lambda: self._sub.get_num_connections() > 0,
                                 topic=rospy.resolve_name("detections"), log=self.log)
        rospy.Subscriber("detector/status", DetectorStatus, self.on_detector_status, queue_size=10)
        self.coordinator = Coordinator(cfg, RosParams(), clock, self.capture, self.link,
                                       publish=self.publish_status, log=self.log,
                                       running=lambda: not (clock.stop.is_set() or rospy.is_shutdown()))
        rospy.Service("take_image", TakeImage, self.handle_take_image)

    @staticmethod
    def log(level, text):
        """Log lines of the pure coordinator."""
        {"info": rospy.loginfo, "warn": rospy.logwarn, "error": rospy.logerr}[level]("coordinator: %s", text)

    def publish_status(self, status):
        """tod_ros/CoordinatorStatus from the pure status."""
        msg = CoordinatorStatus(state=status.state, cycle=status.cycle, last_labels=list(status.last_labels),
                                last_latency_ms=status.last_latency_ms, last_error=status.last_error)
        msg.header.stamp = rospy.Time.now()
        self.pub_status.publish(msg)

    def on_detections(self, msg):
        """Detections of a frame, keyed by its stamp (the detector's own, one per frame)."""
        self.link.on_result(_key(msg.header), msg, _publisher(msg))

    def on_detector_status(self, msg):
        """The detector's state; a frame it dropped fails that frame's wait at once."""
        source = _publisher(msg)
        if msg.frame_dropped:
            self.link.on_dropped(_key(msg.header), msg.message, source)
            if msg.state != "ready":
                self.link.on_state(msg.state, msg.message, source)
        else:
            self.link.on_state(msg.state, msg.message, source)

    def capture(self):
        """Ask the capture node for a frame; its stamp key. TodError when none came."""
        name = rospy.resolve_name("capture")
        deadline = self.clock.now() + self.cfg.capture_timeout     # the wait and the call together
        try:
            self._capture.wait_for_service(timeout=self.cfg.capture_timeout)
            answer = call_with_timeout(self._capture, max(0.1, deadline - self.clock.now()), name)
        except (rospy.ROSException, rospy.ServiceException) as exc:
            raise TodError(f"capture service {name} unavailable: {exc}") from exc
        if not answer.success:
            raise TodError(answer.message)
        return parse_frame_ref(answer.message)

    def handle_take_image(self, _req):
        """take_image: one picture now, the cubes left to right (or success false + the reason)."""
        try:
            picture = self.coordinator.take_image()
        except TodError as exc:
            rospy.logwarn("coordinator: take_image: %s", exc)
            return TakeImageResponse(success=False, message=str(exc))
        cubes, result = picture.cubes, picture.result
        array = DetectionArray(header=result.header, image_width=result.image_width,
                               image_height=result.image_height, detections=list(cubes),
                               latency_ms=result.latency_ms)
        return TakeImageResponse(success=True, message=f"{len(cubes)} cube(s)",
                                 labels=[c.label for c in cubes], class_ids=[int(c.class_id) for c in cubes],
                                 scores=[c.score for c in cubes], detections=array)


def main():
    """Entry point of ``rosrun tod_ros coordinator``.

    Signals only set a flag that the loop checks: rospy's own handler could run while the
    main thread holds a publisher lock (status is published from this thread) and deadlock.
    """
    init_node("coordinator", disable_signals=True)
    try:
        cfg = load_config(CoordinatorConfig).validate()
    except TodError as exc:
        rospy.logfatal("coordinator: %s", exc)
        raise SystemExit(1)
    clock = SystemClock()
    node = CoordinatorNode(cfg, clock)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: clock.stop.set())
    rospy.loginfo("coordinator: waiting for %s to be true (labels -> %s, robot ready <- %s), serving %s",
                  cfg.take_image_param, cfg.label_param, cfg.robot_ready_param, rospy.resolve_name("take_image"))
    try:
        node.coordinator.spin()
    except rospy.ROSInterruptException:
        pass
    finally:
        rospy.signal_shutdown("coordinator stopped")
