#!/usr/bin/env python3
"""detect.launch model_dir:=<missing folder> ready_timeout:=3: the detector stays up in its error
state; a /takeImage request waits in not_ready with the detector's reason in last_error, then is
given up with an error after ready_timeout (takeImage reset to false); take_image answers at once
with the reason. No node crashes or respawns."""
import time
import unittest

import rospy
import rostest

import rosharness as h
from tod_ros.msg import CoordinatorStatus
from tod_ros.srv import TakeImage

NODES = ("/coordinator", "/capture_node", "/detector")


class CoordinatorReadyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("test_coordinator_ready")
        cls.missing = h.make_tmpdir("tod_ready_") / "no_model_here"
        cls.statuses = []
        rospy.Subscriber("/status", CoordinatorStatus, cls.statuses.append, queue_size=100)
        rospy.set_param("/takeImage", False)
        cls.launch = h.Launch(("detect.launch", dict(model_dir=cls.missing, ready_timeout=3, output="log")))
        rospy.wait_for_service("/take_image", timeout=60)
        cls.pids = {n: h.wait_for(lambda n=n: h.node_pid(n), 30, f"{n} up") for n in NODES}

    @classmethod
    def tearDownClass(cls):
        cls.launch.shutdown()

    def tearDown(self):
        self.assertEqual({n: h.node_pid(n) for n in NODES}, self.pids, "no node died or respawned")

    def test_1_take_image_answers_the_reason_at_once(self):
        h.wait_for(lambda: self.statuses and self.statuses[-1].state == "not_ready"
                   and str(self.missing) in self.statuses[-1].last_error, 30, "not_ready naming the model folder")
        start = time.monotonic()
        answer = rospy.ServiceProxy("/take_image", TakeImage)()
        self.assertLess(time.monotonic() - start, 2.0)
        self.assertFalse(answer.success)
        self.assertIn("the detector is not ready", answer.message)
        self.assertIn(str(self.missing), answer.message)

    def test_2_request_waits_then_is_given_up(self):
        h.wait_for(lambda: self.statuses and self.statuses[-1].state == "not_ready", 30, "not_ready")
        start = time.monotonic()
        rospy.set_param("/takeImage", True)
        rospy.sleep(1.5)
        self.assertIs(rospy.get_param("/takeImage"), True, "the request waits while the detector is not ready")
        self.assertEqual(self.statuses[-1].state, "not_ready")
        self.assertIn(str(self.missing), self.statuses[-1].last_error)
        error = h.wait_for(lambda: [s for s in self.statuses if s.state == "error"], 10, "the give-up error")[0]
        self.assertGreater(time.monotonic() - start, 2.5)
        self.assertIn("gave up the /takeImage request after 3 s: the detector is not ready", error.last_error)
        self.assertIn(str(self.missing), error.last_error)
        self.assertIs(rospy.get_param("/takeImage"), False)


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_coordinator_ready", CoordinatorReadyTest)
