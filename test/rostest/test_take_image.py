#!/usr/bin/env python3
"""The coordinator's take_image service (tod_ros/TakeImage) on detect.launch with a tiny grid model
and the simulated robot (auto_take false): one call answers the cubes of the served image left to
right; remapped to /ros4pro/take_image by the launch arg; a disabled detector gives the reason at
once (take_image) or in the status (takeImage param request waits in not_ready), and the waiting
request is served once the detector is enabled again."""
import unittest

import rospy
import rostest
from std_srvs.srv import SetBool

import rosharness as h
from tod_ros.msg import CoordinatorStatus
from tod_ros.srv import TakeImage

SCENES = [[2, None, 1, 2], [None, 1, None, 2]]
SERVICE = "/ros4pro/take_image"


class TakeImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("test_take_image")
        tmp, cls.expected = h.grid_fixture("tod_take_image_", SCENES)
        cls.log = h.CycleLog()
        cls.status = None
        rospy.Subscriber("/status", CoordinatorStatus, lambda m: setattr(cls, "status", m), queue_size=10)
        cls.launch = h.Launch(("detect.launch", dict(model_dir=tmp / "model", take_image_service=SERVICE,
                                                     output="log")),
                              ("sim_robot.launch", dict(image_dir=tmp / "images", auto_take="false",
                                                        move_time=0.05, output="log")))
        rospy.wait_for_service(SERVICE, timeout=60)
        rospy.wait_for_service("/detector/enable", timeout=60)
        h.wait_for(lambda: cls.status is not None and cls.status.state == "idle", 60, "a ready coordinator")
        cls.take_image = rospy.ServiceProxy(SERVICE, TakeImage)
        cls.enable = rospy.ServiceProxy("/detector/enable", SetBool)

    @classmethod
    def tearDownClass(cls):
        cls.launch.shutdown()

    def test_1_one_call_answers_the_cubes_left_to_right(self):
        for _ in range(len(SCENES)):
            served = len(self.log.frames)
            answer = self.take_image()
            self.assertTrue(answer.success, answer.message)
            h.wait_for(lambda: len(self.log.frames) > served, 5, "the served image")
            want = self.expected[self.log.frames[served][0]]
            self.assertEqual(list(answer.labels), [{"1": "one", "2": "two"}[c] for c in want])
            self.assertEqual(list(answer.class_ids), [int(c) for c in want])
            self.assertEqual(answer.message, f"{len(want)} cube(s)")
            self.assertTrue(all(s >= 0.5 for s in answer.scores))
            boxes = answer.detections.detections
            self.assertEqual([d.class_id for d in boxes], list(answer.class_ids))
            xs = [d.center_x for d in boxes]
            self.assertEqual(xs, sorted(xs))
            self.assertTrue(all(d.size_x > 0 and d.size_y > 0 for d in boxes))
            self.assertEqual((answer.detections.image_width, answer.detections.image_height), (640, 480))
        self.assertIs(rospy.get_param("/takeImage", False), False, "the param protocol is not involved")

    def test_2_disabled_detector_reason_then_served(self):
        self.assertTrue(self.enable(False).success)
        try:
            answer = self.take_image()
            self.assertFalse(answer.success)
            self.assertIn("disabled", answer.message)
            done = self.status.cycle
            rospy.set_param("/takeImage", True)
            h.wait_for(lambda: self.status.state == "not_ready" and "disabled" in self.status.last_error, 10,
                       "not_ready with the reason in last_error")
            rospy.sleep(1.0)
            self.assertIs(rospy.get_param("/takeImage"), True, "the request waits")
        finally:
            self.assertTrue(self.enable(True).success)
        h.wait_for(lambda: self.status.cycle > done and self.status.state == "idle", 30,
                   "the waiting request served once enabled")
        self.assertEqual(self.status.last_error, "")
        self.assertTrue(self.status.last_labels)


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_take_image", TakeImageTest)
