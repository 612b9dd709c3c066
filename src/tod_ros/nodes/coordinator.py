"""coordinator node: plays the seed's nn.py protocol with the robot, cycle after cycle.

Waits for the take-image param to be exactly ``True``, resets it, triggers the capture node
(service ``capture``), takes the detections (topic ``detections``) of that frame (matched by
header stamp), then for each cube left to right: sets the label param, sets robot-ready
false and waits until the robot sets it true again. Publishes ``status``
(tod_ros/CoordinatorStatus). Private params: :class:`tod_ros.coordinator.CoordinatorConfig`.
"""
import collections
import signal
import threading
import time

import rospy
from std_srvs.srv import Trigger

from tod_ros.coordinator import (CoordinatorConfig, cubes_in_order, format_label, is_robot_ready,
                                 is_take_request, parse_frame_ref)
from tod_ros.errors import TodError
from tod_ros.msg import CoordinatorStatus, DetectionArray
from tod_ros.nodes.params import load_config

KEEP_DETECTIONS = 30    # detection messages kept to match a frame arriving before the capture answer


class _Det:
    """Adapter giving a tod_ros/Detection message the fields the pure sorting uses."""

    def __init__(self, msg):
        self.label, self.class_id, self.score = msg.label, msg.class_id, msg.score
        self.center_x, self.center_y = msg.center_x, msg.center_y


class CoordinatorNode:
    """The protocol loop and its ROS handles."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.status = CoordinatorStatus(state="idle")
        self.pub_status = rospy.Publisher("status", CoordinatorStatus, queue_size=10, latch=True)
        self._dets = collections.OrderedDict()
        self._cond = threading.Condition()
        self._sub = rospy.Subscriber("detections", DetectionArray, self.on_detections, queue_size=10)
        self._capture = rospy.ServiceProxy("capture", Trigger)
        self.stop = threading.Event()     # set by SIGINT/SIGTERM (see main)

    def running(self):
        """False once the node is asked to stop."""
        return not (self.stop.is_set() or rospy.is_shutdown())

    # ------------------------------------------------------------------ status
    def publish_status(self, state=None, error=None):
        """Publish the status (optionally changing state / last error)."""
        if state is not None:
            self.status.state = state
        if error is not None:
            self.status.last_error = error
        self.status.header.stamp = rospy.Time.now()
        self.pub_status.publish(self.status)

    # ------------------------------------------------------------------ detections
    def on_detections(self, msg):
        """Keep the last detection messages by frame stamp."""
        key = (msg.header.stamp.secs, msg.header.stamp.nsecs)
        with self._cond:
            self._dets[key] = msg
            while len(self._dets) > KEEP_DETECTIONS:
                self._dets.popitem(last=False)
            self._cond.notify_all()

    def wait_detections(self, key):
        """The DetectionArray of frame ``key`` (secs, nsecs); TodError after ~detect_timeout."""
        deadline = time.monotonic() + self.cfg.detect_timeout
        with self._cond:
            while key not in self._dets:
                left = deadline - time.monotonic()
                if left <= 0 or not self.running():
                    raise TodError(f"no detections for frame stamp {key[0]}.{key[1]:09d} after "
                                   f"{self.cfg.detect_timeout:g} s: is the detector running on "
                                   f"{rospy.resolve_name('detections')}?")
                if self._sub.get_num_connections() == 0:
                    raise TodError(f"the detector left {rospy.resolve_name('detections')} before answering "
                                   f"frame stamp {key[0]}.{key[1]:09d}")
                self._cond.wait(min(left, 0.1))
            return self._dets.pop(key)

    # ------------------------------------------------------------------ one cycle
    def trigger_capture(self):
        """Ask the capture node for a frame; its (secs, nsecs) stamp."""
        name = rospy.resolve_name("capture")
        try:
            self._capture.wait_for_service(timeout=self.cfg.capture_timeout)
            answer = self._capture()
        except rospy.ROSException as exc:
            raise TodError(f"capture service {name} unavailable: {exc}") from exc
        if not answer.success:
            raise TodError(f"capture failed: {answer.message}")
        return parse_frame_ref(answer.message)

    def wait_robot_ready(self, label):
        """Poll robot-ready until it is True; TodError after ~robot_timeout."""
        cfg = self.cfg
        deadline = time.monotonic() + cfg.robot_timeout
        rate = rospy.Rate(cfg.poll_rate)
        while not is_robot_ready(rospy.get_param(cfg.robot_ready_param, None)):
            if not self.running():
                raise TodError("coordinator stopped while the robot was moving")
            if time.monotonic() > deadline:
                raise TodError(f"robot did not set {cfg.robot_ready_param} back to true within "
                               f"{cfg.robot_timeout:g} s after label {label!r}")
            rate.sleep()

    def run_cycle(self, t_request):
        """One picture: capture, detect, hand each cube's label to the robot."""
        cfg = self.cfg
        self.publish_status("capturing")
        key = self.trigger_capture()
        self.publish_status("detecting")
        cubes = cubes_in_order([_Det(d) for d in self.wait_detections(key).detections], cfg.score_threshold)
        if not cubes:
            rospy.logwarn("coordinator: no cube above score %.2f in the picture", cfg.score_threshold)
        sent = []
        for i, cube in enumerate(cubes):
            label = format_label(cube, cfg.label_format)
            rospy.set_param(cfg.label_param, label)
            rospy.set_param(cfg.robot_ready_param, False)
            if i == 0:
                self.status.last_latency_ms = (time.monotonic() - t_request) * 1000.0
            sent.append(str(label))
            self.status.last_labels = sent
            self.publish_status("waiting_robot")
            self.wait_robot_ready(label)
        rospy.loginfo("coordinator: cycle %d done, labels [%s], first label %.0f ms after %s",
                      self.status.cycle + 1, ", ".join(sent), self.status.last_latency_ms, cfg.take_image_param)
        self.status.cycle += 1
        self.publish_status("idle", error="")

    def detector_connected(self):
        """True once a detector publishes ``detections`` to us (requests wait until then)."""
        if self._sub.get_num_connections() > 0:
            if self.status.state == "not_ready":
                rospy.loginfo("coordinator: detector connected, ready")
                self.publish_status("idle")
            return True
        if self.status.state not in ("not_ready", "error"):
            rospy.logwarn("coordinator: no detector publishes on %s yet: requests wait",
                          rospy.resolve_name("detections"))
            self.publish_status("not_ready")
        return False

    def spin(self):
        """Poll the take-image param at ~poll_rate and run a cycle each time it is exactly True."""
        cfg = self.cfg
        rate = rospy.Rate(cfg.poll_rate)
        status_period, last_status = 1.0 / cfg.status_rate, 0.0
        self.publish_status("idle")
        while self.running():
            if self.detector_connected() and is_take_request(rospy.get_param(cfg.take_image_param, None)):
                t_request = time.monotonic()
                rospy.set_param(cfg.take_image_param, False)
                self.status.last_labels, self.status.last_latency_ms = [], 0.0
                try:
                    self.run_cycle(t_request)
                except TodError as exc:
                    rospy.logerr("coordinator: %s", exc)
                    self.publish_status("error", error=str(exc))
            if time.monotonic() - last_status > status_period:
                self.publish_status()
                last_status = time.monotonic()
            rate.sleep()


def main():
    """Entry point of ``rosrun tod_ros coordinator``.

    Signals only set a flag that the loop checks: rospy's own handler could run while the
    main thread holds a publisher lock (status is published from this thread) and deadlock.
    """
    rospy.init_node("coordinator", disable_signals=True)
    try:
        cfg = load_config(CoordinatorConfig).validate()
    except TodError as exc:
        rospy.logfatal("coordinator: %s", exc)
        raise SystemExit(1)
    node = CoordinatorNode(cfg)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: node.stop.set())
    rospy.loginfo("coordinator: waiting for %s to be true (labels -> %s, robot ready <- %s)",
                  cfg.take_image_param, cfg.label_param, cfg.robot_ready_param)
    try:
        node.spin()
    except rospy.ROSInterruptException:
        pass
    finally:
        rospy.signal_shutdown("coordinator stopped")
