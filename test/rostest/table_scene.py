"""Helpers of the integration-day rostests: detect.launch sim:=true on the simulated table scene
(config/sim_table.yaml) with a calibration made from the rendered checkerboard, and the truth to
compare the vision service's answers with. Not a test itself (no executable bit)."""
import numpy as np
import rospy

import rosharness as h
from tod_ros.geometry.table import from_checkerboard
from tod_ros.sim_table import TableScene, render_board, truth
from tod_ros.srv import GetImage

SCENE = h.REPO / "config" / "sim_table.yaml"
SERVICE = "/ros4pro/vision/predict"
MATCH_PX = 20.0          # a response's centre this close to a cube's true centre is that cube


def calibrate(scene, path):
    """What ``tod calibrate --image`` does with the scene's checkerboard: the calibration file ``path``."""
    from_checkerboard(render_board(scene), source="sim checkerboard").save(path)


def launch_scene(test, calibrated=True):
    """Calibrate on the scene's checkerboard (unless not ``calibrated``), start detect.launch sim:=true
    on the scene; returns ``(scene, truth, calibration file)`` once vision/predict is up. The launch
    stops at the test's cleanup."""
    if not ((h.DEMO_MODEL / "saved_model").is_dir() or (h.DEMO_MODEL / "model.tflite").is_file()):
        test.skipTest(f"no trained demo model in {h.DEMO_MODEL}")
    scene = TableScene.load(SCENE)
    calibration = h.make_tmpdir("tod_table_") / "table.yaml"
    if calibrated:
        calibrate(scene, calibration)
    h.set_sim_timing(cycle_idle=0.8, start_delay=1.0)
    launch = h.Launch(("detect.launch", dict(sim="true", scene=SCENE, calibration=calibration, move_time=0.05,
                                             score_threshold=0.25, max_detections=8, output="log")))
    test.addCleanup(launch.shutdown)
    rospy.wait_for_service(SERVICE, timeout=120)
    rospy.wait_for_service("/get_image", timeout=60)
    return scene, truth(scene), calibration


def camera_frame():
    """The simulated robot's camera frame (sensor_msgs/Image, as the robot serves it)."""
    return rospy.ServiceProxy("/get_image", GetImage)().image


def matches(centres, cubes):
    """``[(index in the response, CubeTruth)]`` of the response centres close to a true cube's centre."""
    out = []
    for i, (x, y) in enumerate(centres):
        dist = [np.hypot(x - c.center[0], y - c.center[1]) for c in cubes]
        j = int(np.argmin(dist))
        if dist[j] <= MATCH_PX:
            out.append((i, cubes[j]))
    return out
