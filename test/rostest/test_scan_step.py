#!/usr/bin/env python3
"""manipulate.py's scan step against detect.launch sim:=true (simulated table scene, demo model).
Before the calibration exists: cubes says calibrated: false, no cube_<i>, a WARN says to run tod
calibrate. Then the calibration is written (the detector reads it again) and the scan step runs:
call ros4pro/vision/predict with the camera's frame, then turn each cube's centre into a picking pose
in the robot's base frame with tf (the frame cube_<i> of the i-th cube, through a static transform
base -> table as a user measures it once). The poses must lie within 5 mm (mean) of where the scene
put the cubes, and tod_ros/TableCubes of that frame says calibrated with as many cubes."""
import math
import unittest

import numpy as np
import rospy
import rostest
import tf2_geometry_msgs  # noqa: F401  (registers PoseStamped with tf2)
import tf2_ros
from geometry_msgs.msg import PoseStamped, TransformStamped

import table_scene as ts
from rosgraph_msgs.msg import Log

from tod_ros.msg import TableCubes
from tod_ros.srv import VisionPredict

MEAN_MM = 5.0
BASE_T_TABLE = (0.20, -0.10, -0.05, math.pi / 2)    # x, y, z (m), yaw of the table in the robot's base frame


def static_base_to_table():
    """The transform base -> table of BASE_T_TABLE."""
    x, y, z, yaw = BASE_T_TABLE
    t = TransformStamped()
    t.header.stamp = rospy.Time.now()
    t.header.frame_id, t.child_frame_id = "base", "table"
    t.transform.translation.x, t.transform.translation.y, t.transform.translation.z = x, y, z
    t.transform.rotation.z, t.transform.rotation.w = math.sin(yaw / 2), math.cos(yaw / 2)
    return t


def in_base(x, y):
    """A table point (x, y, 0) in the base frame."""
    bx, by, bz, yaw = BASE_T_TABLE
    return (bx + x * math.cos(yaw) - y * math.sin(yaw), by + x * math.sin(yaw) + y * math.cos(yaw), bz)


class ScanStepTest(unittest.TestCase):
    def setUp(self):
        rospy.init_node("test_scan_step")
        self.buffer = tf2_ros.Buffer()
        self.listener = tf2_ros.TransformListener(self.buffer)
        self.static = tf2_ros.StaticTransformBroadcaster()
        self.static.sendTransform(static_base_to_table())
        self.logs = []
        rospy.Subscriber("/rosout", Log, self.logs.append, queue_size=1000)
        self.scene, self.truth, self.calibration = ts.launch_scene(self, calibrated=False)

    def cube_pose(self, i, stamp):
        """The pose of cube ``i`` in the base frame through tf (as manipulate.py turns a centre into a pose)."""
        centre = PoseStamped()
        centre.header.frame_id = f"cube_{i}"
        centre.header.stamp = stamp
        centre.pose.orientation.w = 1.0
        return self.buffer.transform(centre, "base", rospy.Duration(10.0))

    def uncalibrated(self):
        """Without a calibration: nothing placed, and the warning says how to calibrate."""
        seen = []
        sub = rospy.Subscriber("/cubes", TableCubes, seen.append)
        msg = ts.h.wait_for(lambda: seen, 90, "cubes of a frame (the simulated robot's cycles)")[0]
        sub.unregister()
        self.assertEqual((msg.calibrated, len(msg.cubes)), (False, 0))
        ts.h.wait_for(lambda: [m for m in self.logs if m.level == Log.WARN and "no table calibration at "
                               f"{self.calibration}" in m.msg and "run 'tod calibrate'" in m.msg], 20,
                      "the warning that says how to calibrate")
        self.assertFalse(self.buffer.can_transform("table", "cube_0", rospy.Time(0)))

    def test_scan(self):
        self.uncalibrated()
        ts.calibrate(self.scene, self.calibration)
        frame = ts.camera_frame()
        cubes_seen = []
        sub = rospy.Subscriber("/cubes", TableCubes, lambda m: cubes_seen.append(m)
                               if m.header.stamp == frame.header.stamp else None)
        self.addCleanup(sub.unregister)
        # the robot's own cycles publish cubes and cube_<i> too: once they arrive, both connections are up
        ts.h.wait_for(lambda: sub.get_num_connections() > 0, 60, "a connection to the detector's cubes")
        ts.h.wait_for(lambda: self.buffer.can_transform("table", "cube_0", rospy.Time(0)), 90,
                      "a first cube_0 frame on tf (the simulated robot's cycles)")
        frame.header.stamp = rospy.Time.now()
        resp = rospy.ServiceProxy(ts.SERVICE, VisionPredict)(frame)
        centres = [(x.data, y.data) for x, y in zip(resp.x_center, resp.y_center)]
        found = ts.matches(centres, self.truth)
        self.assertGreaterEqual(len(found), 3, f"only {len(found)} cubes: {centres}")
        errors = []
        for i, cube in found:
            pose = self.cube_pose(i, frame.header.stamp).pose.position
            tx, ty, tz = in_base(cube.x, cube.y)
            errors.append(np.hypot(pose.x - tx, pose.y - ty) * 1000.0)
            self.assertAlmostEqual(pose.z, tz, places=6)
            print(f"cube_{i} in base: ({pose.x:.4f}, {pose.y:.4f}) m, true ({tx:.4f}, {ty:.4f}): {errors[-1]:.1f} mm")
        self.assertLessEqual(float(np.mean(errors)), MEAN_MM, errors)
        msg = ts.h.wait_for(lambda: cubes_seen, 20, "tod_ros/TableCubes of the request's frame")[0]
        self.assertTrue(msg.calibrated)
        self.assertEqual(msg.header.frame_id, "table")
        self.assertEqual(len(msg.cubes), len(centres))


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_scan_step", ScanStepTest)
