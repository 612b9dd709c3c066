"""sim_robot node: a simulated Poppy Ergo Jr for running tod_ros without the robot.

Serves ``get_image`` (poppy_controllers/GetImage-compatible) from a folder of images and
plays the robot's side of the protocol: set takeImage, receive each label while
robot-ready is false, "move", set robot-ready back to true.

Publishes ``served_image`` (file served), ``received_label`` (each label) and
``cycle_done`` (comma-joined labels of a cycle); keeps ``~received_labels`` and
``~completed_cycles`` params up to date for tests.
"""
import signal
import threading
import time

import rospy
from sensor_msgs.msg import Image
from std_msgs.msg import String

from tod_ros.errors import TodError
from tod_ros.imaging import fill_image_msg
from tod_ros.nodes.params import load_config
from tod_ros.sim_robot import ImageCycler, SimRobotConfig
from tod_ros.srv import GetImage, GetImageResponse

POLL_HZ = 50


class SimRobot:
    """The node's state; ROS handles are created in __init__."""

    def __init__(self, config):
        self.cfg = config
        self.images = ImageCycler(config.image_dir)
        self.pub_served = rospy.Publisher("served_image", String, queue_size=10, latch=True)
        self.pub_label = rospy.Publisher("received_label", String, queue_size=10)
        self.pub_cycle = rospy.Publisher("cycle_done", String, queue_size=10, latch=True)
        self.received = []
        self.completed = []
        rospy.set_param("~received_labels", [])
        rospy.set_param("~completed_cycles", [])
        if config.fault == "down":
            rospy.logwarn("sim_robot: fault=down, get_image is not served")
        else:
            rospy.Service("get_image", GetImage, self.handle_get_image)
        rospy.loginfo("sim_robot: %d images in %s, fault=%s", len(self.images.files), config.image_dir, config.fault)

    def handle_get_image(self, _req):
        """Serve the next image of the folder (or the injected fault)."""
        if self.cfg.fault == "slow":
            time.sleep(self.cfg.slow_delay)
        if self.cfg.fault == "empty_image":
            self.pub_served.publish(String(data=""))
            return GetImageResponse(image=Image())
        path, bgr = self.images.next()
        msg = fill_image_msg(Image(), bgr, encoding="8UC3")
        msg.header.stamp = rospy.Time.now()
        msg.header.frame_id = "ergo_camera"
        self.pub_served.publish(String(data=str(path)))
        rospy.loginfo("sim_robot: served %s", path.name)
        return GetImageResponse(image=msg)

    def _take_one_label(self):
        label = str(rospy.get_param(self.cfg.label_param, ""))
        self.received.append(label)
        rospy.set_param("~received_labels", self.received)
        self.pub_label.publish(String(data=label))
        rospy.loginfo("sim_robot: received label %s, moving %.2f s", label, self.cfg.move_time)
        rospy.sleep(self.cfg.move_time)
        rospy.set_param(self.cfg.robot_ready_param, True)
        return label

    def _finish_cycle(self, labels):
        self.completed.append(",".join(labels))
        rospy.set_param("~completed_cycles", self.completed)
        self.pub_cycle.publish(String(data=",".join(labels)))
        rospy.loginfo("sim_robot: cycle %d done, labels [%s]", len(self.completed), ", ".join(labels))

    def _wants_more(self):
        return self.cfg.auto_take and (self.cfg.cycles == 0 or len(self.completed) < self.cfg.cycles)

    def spin(self, stop):
        """Run the robot's protocol loop until ``stop`` is set or ROS shuts down."""
        cfg = self.cfg
        rospy.set_param(cfg.robot_ready_param, True)
        rospy.set_param(cfg.take_image_param, False)
        stop.wait(cfg.start_delay)
        labels, last_activity = [], time.monotonic()
        requested = consumed = False
        while not (stop.is_set() or rospy.is_shutdown()):
            now = time.monotonic()
            if not requested and self._wants_more():
                rospy.set_param(cfg.take_image_param, True)
                requested, consumed, labels, last_activity = True, False, [], now
            if rospy.get_param(cfg.robot_ready_param, True) is False:
                labels.append(self._take_one_label())
                last_activity = time.monotonic()
            elif requested and not consumed:
                if rospy.get_param(cfg.take_image_param, False) is not True:
                    consumed, last_activity = True, now  # the idle timer starts when the picture is taken
            elif now - last_activity > cfg.cycle_idle and (requested or labels):
                self._finish_cycle(labels)
                requested, labels = False, []
            stop.wait(1.0 / POLL_HZ)


def main():
    """Entry point of ``rosrun tod_ros sim_robot``."""
    rospy.init_node("sim_robot", disable_signals=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        robot = SimRobot(load_config(SimRobotConfig).validate())
    except TodError as exc:
        rospy.logfatal("sim_robot: %s", exc)
        raise SystemExit(1)
    try:
        robot.spin(stop)
    except rospy.ROSInterruptException:
        pass
    finally:
        rospy.signal_shutdown("sim_robot stopped")
