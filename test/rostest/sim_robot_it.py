#!/usr/bin/env python3
"""Integration test of the simulated robot's protocol (started by sim_robot.test)."""
import sys
import time
import unittest

import rospy
import rostest
from std_msgs.msg import String

from tod_ros.srv import GetImage


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class SimRobotProtocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("sim_robot_it", anonymous=True)
        cls.cycles = []
        rospy.Subscriber("/cycle_done", String, lambda m: cls.cycles.append(m.data))

    def _one_cycle(self, labels):
        self.assertTrue(wait_for(lambda: rospy.get_param("/takeImage", None) is True), "robot never asked")
        rospy.set_param("/takeImage", False)
        image = rospy.ServiceProxy("/get_image", GetImage)().image
        self.assertEqual((image.encoding, image.height > 0, image.width > 0), ("8UC3", True, True))
        for label in labels:
            rospy.set_param("/label", label)
            rospy.set_param("/robotReady", False)
            self.assertTrue(wait_for(lambda: rospy.get_param("/robotReady") is True), "robot never got ready")

    def test_two_cycles_then_stops_asking(self):
        self._one_cycle([2, 1, 2])
        self._one_cycle([1])
        self.assertTrue(wait_for(lambda: len(self.cycles) == 2), f"cycles seen: {self.cycles}")
        self.assertEqual(self.cycles, ["2,1,2", "1"])
        self.assertEqual(rospy.get_param("/sim_robot/received_labels"), ["2", "1", "2", "1"])
        self.assertEqual(rospy.get_param("/sim_robot/completed_cycles"), ["2,1,2", "1"])
        time.sleep(1.0)
        self.assertIs(rospy.get_param("/takeImage"), False, "robot asked for a third picture with cycles=2")


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "sim_robot_it", SimRobotProtocol, sys.argv)
