#!/usr/bin/env python3
"""detect.launch as a user would start it, twice:

1. ``ns:=ergo1 sim:=true``: the tod_ros nodes run in /ergo1 while the robot protocol params
   (/takeImage, /robotReady, /label) and /get_image stay global: the simulated robot (global)
   gets the labels of the images it served, cycle after cycle.
2. ``ns:=broken model_dir:=/missing``: the detector reports the start-up error once and stays up
   in the error state (same pid, no respawn loop); ``detect`` answers success false with the
   reason and ``detector/status`` says ``error``.
"""
import os
import subprocess
import unittest

import rosgraph
import rosnode
import rospy
import rostest
from rosgraph_msgs.msg import Log

import rosharness as h
from tod_ros.msg import DetectorStatus
from tod_ros.srv import Detect

SCENES = [[2, None, 1, 2], [1, 1, None, None]]


class DetectLaunchNamespaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("test_detect_launch_ns")
        cls.logs = []
        rospy.Subscriber("/rosout", Log, cls.logs.append, queue_size=1000)
        cls.tmp, cls.expected = h.grid_fixture("tod_launch_ns_", SCENES)

    def test_0_launch_namespaces(self):
        """roslaunch --nodes: no ns (the default), ns:=ergo1, ROS_NAMESPACE alone and with ns."""
        def nodes(ros_namespace=None, *args):
            env = {k: v for k, v in os.environ.items() if k != "ROS_NAMESPACE"}
            if ros_namespace:
                env["ROS_NAMESPACE"] = ros_namespace
            out = subprocess.run(["roslaunch", "--nodes", str(h.LAUNCH_DIR / "detect.launch"), "sim:=true", *args],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stdout)
            return set(out.stdout.split())

        self.assertEqual(nodes(), {"/detector", "/capture_node", "/coordinator", "/sim_robot"})
        self.assertEqual(nodes(None, "ns:=ergo1"),
                         {"/ergo1/detector", "/ergo1/capture_node", "/ergo1/coordinator", "/sim_robot"})
        self.assertEqual(nodes("r2"), {"/r2/detector", "/r2/capture_node", "/r2/coordinator", "/r2/sim_robot"})
        self.assertIn("/r2/a/detector", nodes("r2", "ns:=a"))
        self.assertIn("/ergo1/detections_view", nodes(None, "ns:=ergo1", "view:=true"))
        for pkg in ("image_view", "nodelet"):      # what image_view needs to start (tools/install.sh)
            self.assertEqual(subprocess.run(["rospack", "find", pkg], stdout=subprocess.DEVNULL).returncode, 0, pkg)

    def test_1_nodes_in_a_namespace_robot_protocol_global(self):
        h.set_sim_timing(cycle_idle=0.8, start_delay=0.5)
        log = h.CycleLog()
        launch = h.Launch(("detect.launch", dict(sim="true", ns="ergo1", model_dir=self.tmp / "model",
                                                 image_dir=self.tmp / "images", move_time=0.05, output="log")))
        self.addCleanup(launch.shutdown)
        h.wait_for(lambda: len(log.robot) >= 2, 60, "2 complete robot cycles")
        for image, labels in log.robot[:2]:
            self.assertEqual(labels, self.expected[image], f"labels the global robot received for {image}")
        nodes = set(rosnode.get_node_names())
        self.assertTrue({"/ergo1/detector", "/ergo1/coordinator", "/sim_robot"} <= nodes, nodes)
        self.assertFalse({"/detector", "/coordinator"} & nodes, nodes)
        master = rosgraph.Master("/test_detect_launch_ns")
        services = {name for name, _ in master.getSystemState()[2]}
        for srv in ("/ergo1/detect", "/ergo1/detector/enable", "/ergo1/detector/set_parameters", "/get_image"):
            self.assertIn(srv, services)
        for name, value in (("take_image_param", "/takeImage"), ("robot_ready_param", "/robotReady"),
                            ("label_param", "/label")):
            self.assertEqual(rospy.get_param(f"/ergo1/coordinator/{name}"), value)
        self.assertTrue(rospy.has_param("/label") and rospy.has_param("/robotReady"))
        self.assertTrue(rospy.has_param("/ergo1/detector/model_dir"))

    def test_2_missing_model_is_reported_once_and_the_node_stays_up(self):
        launch = h.Launch(("detect.launch", dict(ns="broken", model_dir="/missing", output="log")))
        self.addCleanup(launch.shutdown)
        rospy.wait_for_service("/broken/detect", timeout=30)
        pid = h.wait_for(lambda: h.node_pid("/broken/detector"), 10, "the detector's pid")
        res = rospy.ServiceProxy("/broken/detect", Detect)()
        self.assertFalse(res.success)
        self.assertIn("~model_dir /missing is not a folder", res.message)
        status = rospy.wait_for_message("/broken/detector/status", DetectorStatus, timeout=5)
        self.assertEqual((status.state, status.message),
                         ("error", "~model_dir /missing is not a folder: give the folder of an exported model"))
        rospy.sleep(5.0)    # detect.launch respawns a dead node after 1 s: it must not have died
        self.assertEqual(h.node_pid("/broken/detector"), pid, "same process: no exit, no respawn")
        errors = [m.msg for m in self.logs if m.name == "/broken/detector" and m.level >= Log.ERROR]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("cannot start: ~model_dir /missing is not a folder", errors[0])


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_detect_launch_ns", DetectLaunchNamespaceTest)
