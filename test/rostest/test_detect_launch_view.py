#!/usr/bin/env python3
"""detect.launch sim:=true view:=true under Xvfb: image_view starts, subscribes to the annotated
detections image and opens its window "tod_ros detections" (skipped, with the reason, when Xvfb
or xdotool is not installed)."""
import os
import shutil
import subprocess
import time
import unittest

import rosgraph
import rospy
import rostest

import rosharness as h

SCENES = [[2, None, 1, 2]]


def free_display():
    """A display number with no X server lock file."""
    for n in range(90, 140):
        if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            return n
    raise RuntimeError("no free X display number")


class DetectLaunchViewTest(unittest.TestCase):
    def setUp(self):
        missing = [t for t in ("Xvfb", "xdotool") if shutil.which(t) is None]
        if missing:
            self.skipTest(f"{', '.join(missing)} not installed (tools/install.sh installs them)")
        rospy.init_node("test_detect_launch_view")
        display = free_display()
        self.xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_xvfb)
        os.environ["DISPLAY"] = f":{display}"           # inherited by the nodes roslaunch starts
        h.wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{display}"), 10, "Xvfb to start")
        tmp, _ = h.grid_fixture("tod_launch_view_", SCENES)
        h.set_sim_timing(cycle_idle=0.8, start_delay=0.5)
        self.launch = h.Launch(("detect.launch", dict(sim="true", view="true", model_dir=tmp / "model",
                                                      image_dir=tmp / "images", move_time=0.05, output="log")))
        self.addCleanup(self.launch.shutdown)

    def stop_xvfb(self):
        self.xvfb.terminate()
        self.xvfb.wait(10)

    def window(self):
        out = subprocess.run(["xdotool", "search", "--name", "tod_ros detections"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        return out.stdout.split()

    def test_image_view_window_on_the_detections(self):
        master = rosgraph.Master("/test_detect_launch_view")

        def subscribers():
            return dict(master.getSystemState()[1]).get("/detections/image", [])

        h.wait_for(lambda: "/detections_view" in subscribers(), 60, "image_view to subscribe to /detections/image")
        wid = h.wait_for(self.window, 30, "the image_view window 'tod_ros detections'")[0]
        time.sleep(3.0)       # a few annotated frames; the window must still be there
        self.assertIn(wid, self.window())
        self.assertIn("/detections_view", subscribers())
        geometry = subprocess.run(["xdotool", "getwindowgeometry", wid], stdout=subprocess.PIPE, text=True).stdout
        self.assertIn("Geometry:", geometry)


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_detect_launch_view", DetectLaunchViewTest)
