"""RobotCamera: the client of the robot's GetImage service (``/get_image``), used by the CLI tool
``capture.py`` and by the ``capture_node`` node. Settings: :class:`tod_ros.capture.CameraConfig`."""
import os
import time

import rospy

from tod_ros.errors import TodError
from tod_ros.imaging import image_msg_to_bgr
from tod_ros.protocol import call_with_timeout
from tod_ros.srv import GetImage

RETRY_PAUSE = 0.2       # s between two attempts


class RobotCamera:
    """GetImage client: waits ~service_timeout for the service, each call bounded by ~call_timeout,
    ~retries extra attempts; an empty or corrupt frame counts as a failed attempt."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.name = rospy.resolve_name(cfg.service)
        try:
            rospy.wait_for_service(self.name, timeout=cfg.service_timeout)
        except rospy.ROSException:
            raise TodError(f"no robot answers on service {self.name} after {cfg.service_timeout:g} s: is the "
                           "robot's 'roslaunch poppy_controllers control.launch' (or 'roslaunch tod_ros "
                           "sim_robot.launch') running, and "
                           f"ROS_MASTER_URI={os.environ.get('ROS_MASTER_URI', '(unset)')} right?") from None
        self._proxy = rospy.ServiceProxy(self.name, GetImage)

    def grab(self):
        """Return one BGR frame; raise TodError after the retries are used up."""
        last = None
        for attempt in range(self.cfg.retries + 1):
            try:
                response = call_with_timeout(self._proxy, self.cfg.call_timeout)
                return image_msg_to_bgr(response.image)
            except (rospy.ServiceException, TodError) as exc:
                last = exc
                if attempt < self.cfg.retries:
                    time.sleep(RETRY_PAUSE)
        raise TodError(f"{self.name}: {last}")
