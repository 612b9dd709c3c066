"""sim_robot node: a simulated Poppy Ergo Jr for running tod_ros without the robot.

Serves ``get_image`` (poppy_controllers/GetImage-compatible) from a folder of images and
plays the robot's side of the protocol: set takeImage, receive each label while
robot-ready is false, "move", set robot-ready back to true.

Publishes ``served_image`` (file served), ``received_label`` (each label) and
``cycle_done`` (comma-joined labels of a cycle); keeps ``~received_labels`` and
``~completed_cycles`` params up to date for tests.
"""
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

    def spin(self):
        """Run the robot's protocol loop until shutdown."""
        cfg = self.cfg
        rospy.set_param(cfg.robot_ready_param, True)
        rospy.set_param(cfg.take_image_param, False)
        rospy.sleep(cfg.start_delay)
        rate = rospy.Rate(POLL_HZ)
        labels, last_activity, requested = [], time.monotonic(), False
        while not rospy.is_shutdown():
            if not requested and self._wants_more():
                rospy.set_param(cfg.take_image_param, True)
                requested, labels, last_activity = True, [], time.monotonic()
            if rospy.get_param(cfg.robot_ready_param, True) is False:
                labels.append(self._take_one_label())
                last_activity = time.monotonic()
            elif (requested and rospy.get_param(cfg.take_image_param, False) is not True
                  and time.monotonic() - last_activity > cfg.cycle_idle):
                self._finish_cycle(labels)
                requested = False
            elif not requested and labels and time.monotonic() - last_activity > cfg.cycle_idle:
                self._finish_cycle(labels)
                labels = []
            rate.sleep()


def main():
    """Entry point of ``rosrun tod_ros sim_robot``."""
    rospy.init_node("sim_robot")
    try:
        robot = SimRobot(load_config(SimRobotConfig).validate())
    except TodError as exc:
        rospy.logfatal("sim_robot: %s", exc)
        raise SystemExit(1)
    try:
        robot.spin()
    except rospy.ROSInterruptException:
        pass
