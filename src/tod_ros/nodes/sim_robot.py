"""sim_robot node: a simulated Poppy Ergo Jr for running tod_ros without the robot.

Serves ``get_image`` (poppy_controllers/GetImage-compatible) from a folder of images and plays
the robot's side of the protocol (:class:`tod_ros.sim_robot.SimRobot`): set takeImage, receive
each label while robot-ready is false, "move", set robot-ready back to true.

Publishes ``served_image`` (file served), ``received_label`` (each label) and ``cycle_done``
(comma-joined labels of a cycle); keeps ``~received_labels`` and ``~completed_cycles`` params
up to date for tests. Private params: :class:`tod_ros.sim_robot.SimRobotConfig`.
"""
import signal

import rospy
from sensor_msgs.msg import Image
from std_msgs.msg import String

from tod_ros.errors import TodError
from tod_ros.imaging import fill_image_msg
from tod_ros.protocol import SystemClock
from tod_ros.ros.params import RosParams, load_config
from tod_ros.ros.rosinit import init_node
from tod_ros.sim_robot import POLL_HZ, SimRobot, SimRobotConfig, SimRobotEvents
from tod_ros.srv import GetImage, GetImageResponse


class RosEvents(SimRobotEvents):
    """The simulated robot's events as topics and log lines."""

    def __init__(self):
        self.pub_served = rospy.Publisher("served_image", String, queue_size=10, latch=True)
        self.pub_label = rospy.Publisher("received_label", String, queue_size=10)
        self.pub_cycle = rospy.Publisher("cycle_done", String, queue_size=10, latch=True)
        self.cycles = 0

    def image_served(self, path):
        """Publish the served file ("" for an empty frame)."""
        self.pub_served.publish(String(data="" if path is None else str(path)))
        if path is not None:
            rospy.loginfo("sim_robot: served %s", path.name)

    def label_received(self, label):
        """Publish a received label."""
        self.pub_label.publish(String(data=label))
        rospy.loginfo("sim_robot: received label %s, moving", label)

    def cycle_done(self, labels):
        """Publish the labels of a finished cycle."""
        self.cycles += 1
        self.pub_cycle.publish(String(data=",".join(labels)))
        rospy.loginfo("sim_robot: cycle %d done, labels [%s]", self.cycles, ", ".join(labels))


class SimRobotNode:
    """The ROS side of the simulated robot: the get_image service and the polling loop."""

    def __init__(self, cfg, clock):
        self.clock = clock
        self.robot = SimRobot(cfg, RosParams(), clock, events=RosEvents())
        # Params first: a client that sees get_image may set takeImage, which start() would reset.
        self.robot.start()
        if self.robot.serves_images:
            rospy.Service("get_image", GetImage, self.handle_get_image)
        else:
            rospy.logwarn("sim_robot: fault=down, get_image is not served")
        rospy.loginfo("sim_robot: %d images in %s, fault=%s", len(self.robot.images.files),
                      cfg.scene or cfg.image_dir, cfg.fault)

    def handle_get_image(self, _req):
        """Serve the next image of the folder (or the injected fault)."""
        _path, bgr = self.robot.serve_image()
        if bgr is None:
            return GetImageResponse(image=Image())
        msg = fill_image_msg(Image(), bgr, encoding="8UC3")
        msg.header.stamp = rospy.Time.now()
        msg.header.frame_id = self.robot.cfg.frame_id
        return GetImageResponse(image=msg)

    def spin(self):
        """Step the robot's protocol at POLL_HZ until stopped."""
        while not (self.clock.stop.is_set() or rospy.is_shutdown()):
            self.robot.step()
            self.clock.sleep(1.0 / POLL_HZ)


def main():
    """Entry point of ``rosrun tod_ros sim_robot``."""
    init_node("sim_robot", disable_signals=True)
    clock = SystemClock()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: clock.stop.set())
    try:
        node = SimRobotNode(load_config(SimRobotConfig).validate(), clock)
    except TodError as exc:
        rospy.logfatal("sim_robot: %s", exc)
        raise SystemExit(1)
    try:
        node.spin()
    except rospy.ROSInterruptException:
        pass
    finally:
        rospy.signal_shutdown("sim_robot stopped")
