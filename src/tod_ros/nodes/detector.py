"""detector node: an exported TOD model served over ROS.

- service ``detect`` (tod_ros/Detect): image in, detections out (success=false + message
  for a bad or unusable image, while disabled, or after a start-up error; never a crash);
- topic mode: subscribes ``image``, publishes ``detections`` (tod_ros/DetectionArray, the
  input image's header) and ``detections/image`` (annotated, only while subscribed);
- ``~status`` (tod_ros/DetectorStatus, latched): ready / disabled / error, and one message per
  frame of ``image`` that got no detections, with the reason;
- ``~enable`` (std_srvs/SetBool): while false no frame reaches the model;
- dynamic_reconfigure server in ``~`` (score_threshold, max_detections, classes): applies to the next frame;
- ``vision/predict`` (ros4pro/VisionPredict), ``cubes`` (tod_ros/TableCubes), tf ``cube_<i>``: see
  :mod:`tod_ros.ros.vision`.

A permanent start-up error (no model, wrong signature, bad params) is logged once; the node
then stays up in the error state instead of exiting and being respawned in a loop.
Private params: see :class:`tod_ros.detection.DetectorConfig` and config/detector.yaml.
"""
import dataclasses
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import rospy
from dynamic_reconfigure.server import Server as ReconfigureServer
from sensor_msgs.msg import Image
from std_srvs.srv import SetBool, SetBoolResponse

from tod_ros.cfg import DetectorParamsConfig
from tod_ros.detection import DetectorConfig, draw_detections, open_detector
from tod_ros.detection.config import LIVE_PARAMS, apply_live
from tod_ros.detection.model_files import old_files_notice
from tod_ros.detection.runtime import Gate, frame_problem, is_uncertain
from tod_ros.errors import TodError
from tod_ros.imaging import fill_image_msg, image_msg_to_bgr
from tod_ros.msg import Detection as DetectionMsg
from tod_ros.msg import DetectionArray, DetectorStatus
from tod_ros.ros.params import load_config
from tod_ros.ros.rosinit import init_node
from tod_ros.ros.vision import VisionLink
from tod_ros.srv import Detect, DetectResponse

IMAGE_BUFF_SIZE = 2 ** 24   # a 640x480 frame is ~1 MB: a small buffer would queue stale frames


def detection_msg(d):
    """tod_ros/Detection from a :class:`tod_ros.detection.Detection`."""
    return DetectionMsg(label=d.label, class_id=d.class_id, score=d.score,
                        center_x=d.center_x, center_y=d.center_y,
                        size_x=d.box_px[2] - d.box_px[0], size_y=d.box_px[3] - d.box_px[1],
                        box_normalized=list(d.box))


class DetectorNode:
    """Holds the model (None after a start-up error), the live settings and the ROS handles."""

    def __init__(self, detector, cfg, error=""):
        self.detector = detector
        self.cfg = cfg
        self.gate = Gate(error)
        self.count = 0
        self._saver = ThreadPoolExecutor(max_workers=1) if cfg.save_uncertain and detector else None
        self.pub = rospy.Publisher("detections", DetectionArray, queue_size=5)
        self.pub_image = rospy.Publisher("detections/image", Image, queue_size=2)
        self.pub_status = rospy.Publisher("~status", DetectorStatus, queue_size=10, latch=True)
        self.publish_state()
        rospy.Service("detect", Detect, self.handle_detect)
        rospy.Service("~enable", SetBool, self.handle_enable)
        self.vision = VisionLink(self)
        rospy.Subscriber("image", Image, self.on_image, queue_size=1, buff_size=IMAGE_BUFF_SIZE)
        self._reconfigure = ReconfigureServer(DetectorParamsConfig, self.on_reconfigure)

    # ------------------------------------------------------------------ state
    def state(self):
        """ready | disabled | error."""
        return "error" if self.gate.error else ("ready" if self.gate.enabled else "disabled")

    def publish_state(self, header=None, message=None, frame_dropped=False):
        """Publish the node state on ~status (or, with ``header``, the reason a frame was dropped)."""
        msg = DetectorStatus(state=self.state(), frame_dropped=frame_dropped,
                             message=self.gate.error if message is None else message)
        if header is not None:
            msg.header = header
        else:
            msg.header.stamp = rospy.Time.now()
        self.pub_status.publish(msg)

    def handle_enable(self, req):
        """~enable (std_srvs/SetBool): switch detection on or off."""
        success, message = self.gate.set_enabled(req.data)
        rospy.loginfo("detector: %s", message)
        self.publish_state(message=message)
        return SetBoolResponse(success=success, message=message)

    def on_reconfigure(self, config, _level):
        """dynamic_reconfigure callback: new settings for the next frame, or the old ones kept."""
        names = self.detector.label_map.names if self.detector else None
        try:
            self.cfg = apply_live(self.cfg, config, names)
        except TodError as exc:
            rospy.logwarn("detector: reconfigure refused, settings unchanged: %s", exc)
        if self.detector is not None:
            self.detector.cfg = self.cfg
        for p in LIVE_PARAMS:
            config[p.name] = getattr(self.cfg, p.name)
        rospy.loginfo("detector: score_threshold %.2f, max_detections %d, classes %s", self.cfg.score_threshold,
                      self.cfg.max_detections, self.cfg.classes or "(all)")
        return config

    # ------------------------------------------------------------------ detection
    def refusal(self, image_msg):
        """Why this frame does not go to the model ("" when it does)."""
        return self.gate.refusal() or frame_problem(image_msg.width, image_msg.height, self.cfg)

    def run(self, image_msg):
        """DetectionArray for an Image message (header copied); raises TodError for bad images."""
        bgr = image_msg_to_bgr(image_msg)
        cfg = self.cfg
        saving = self._saver is not None
        start = time.perf_counter()
        found = self.detector.detect(bgr, min(cfg.score_threshold, cfg.uncertain_min) if saving else None)
        latency_ms = (time.perf_counter() - start) * 1000.0
        detections = [d for d in found if d.score >= cfg.score_threshold] if saving else found
        if saving and is_uncertain(found, cfg):
            self._saver.submit(self.save_uncertain, bgr, found)
        self.count += 1
        rospy.logdebug("detector: %d detection(s) in %.1f ms", len(detections), latency_ms)
        if self.count % 100 == 1:
            rospy.loginfo("detector: request %d took %.1f ms (%d detection(s))", self.count, latency_ms,
                          len(detections))
        result = DetectionArray(header=image_msg.header, image_width=bgr.shape[1], image_height=bgr.shape[0],
                                detections=[detection_msg(d) for d in detections], latency_ms=latency_ms)
        return result, bgr, detections

    def save_uncertain(self, bgr, detections):
        """Save an uncertain frame and its unreviewed pre-annotation for ``tod label`` (worker thread,
        never overwriting a file); never raises."""
        from tod_ros.dataset.prelabel import save_prelabeled

        try:
            image, _ = save_prelabeled(self.cfg.save_uncertain, bgr, detections, prefix="uncertain")
            rospy.loginfo("detector: uncertain frame (best score %.2f) saved as %s",
                          max(d.score for d in detections), image)
        except (TodError, OSError) as exc:
            rospy.logwarn_throttle(30.0, "detector: could not save an uncertain frame: %s" % exc)

    def detect_or_reason(self, image_msg):
        """(result, bgr, detections, "") or (None, None, None, why this frame got no detections)."""
        reason = self.refusal(image_msg)
        if reason:
            return None, None, None, reason
        try:
            return (*self.run(image_msg), "")
        except TodError as exc:
            return None, None, None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a frame must never take the node down
            rospy.logerr("detector: unexpected error on a %dx%d %s frame", image_msg.width, image_msg.height,
                         image_msg.encoding, exc_info=True)
            return None, None, None, f"detector error on this frame: {type(exc).__name__}: {exc}"

    def handle_detect(self, req):
        """Service handler: never raises; success false and the reason when the frame is not detected."""
        result, _, detections, reason = self.detect_or_reason(req.image)
        if reason:
            if not self.gate.refusal():
                rospy.logwarn("detector: bad request: %s", reason)
            return DetectResponse(success=False, message=reason)
        return DetectResponse(success=True, message=f"{len(detections)} detection(s)", result=result)

    def on_image(self, msg):
        """Topic mode: publish the detections of each frame (and the annotated frame when wanted)."""
        result, bgr, detections, reason = self.detect_or_reason(msg)
        if reason:
            self.publish_state(header=msg.header, message=reason, frame_dropped=True)
            if self.gate.enabled:
                rospy.logwarn_throttle(10.0, "detector: skipped a frame: %s" % reason)
            return
        self.pub.publish(result)
        self.vision.on_frame(msg.header, bgr, detections)
        if self.pub_image.get_num_connections() > 0:
            annotated = fill_image_msg(Image(), draw_detections(bgr, detections), encoding="bgr8")
            annotated.header = msg.header
            self.pub_image.publish(annotated)


def check_save_folder(cfg):
    """``cfg``, or a copy with ``save_uncertain`` off (and a warning) when that folder is not writable."""
    folder = Path(cfg.save_uncertain).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError("not writable")
    except OSError as exc:
        rospy.logwarn("detector: uncertain frames will not be saved: cannot write to %s (%s)", folder,
                      exc.strerror or exc)
        return dataclasses.replace(cfg, save_uncertain="")
    return cfg


def load_detector():
    """(detector, cfg, "") or (None, cfg, the start-up error) from the private params."""
    cfg = DetectorConfig()
    try:
        cfg = load_config(DetectorConfig)
        cfg.validate()
        detector = open_detector(cfg, find=False)
    except (TodError, ValueError) as exc:
        return None, cfg, str(exc)
    if cfg.save_uncertain:
        cfg = check_save_folder(cfg)
    notice = old_files_notice(cfg.model_dir)
    if notice:
        rospy.logwarn("detector: %s", notice)
    rospy.loginfo("detector: loaded %s (%s backend) in %.2f s, labels %s", cfg.model_dir,
                  detector.backend_name, detector.load_seconds, ", ".join(detector.label_map.names))
    rospy.loginfo("detector: warm-up took %.2f s", detector.warm_up())
    return detector, cfg, ""


def wait_for_rosout(timeout=5.0):
    """Wait until every subscriber of /rosout is connected to this node, so that a log line
    written right after start-up (a start-up error) reaches rqt_console and /rosout listeners."""
    import rosgraph
    from rospy.impl import rosout

    pub = getattr(rosout, "_rosout_pub", None)
    if pub is None:
        return
    try:
        _, subscribers, _ = rosgraph.Master(rospy.get_name()).getSystemState()
    except Exception:  # noqa: BLE001 - best effort: log anyway
        return
    wanted = len(dict(subscribers).get("/rosout", []))
    deadline = time.monotonic() + timeout
    while pub.get_num_connections() < wanted and time.monotonic() < deadline:
        time.sleep(0.05)


def main():
    """Entry point of ``rosrun tod_ros detector``."""
    init_node("detector")
    detector, cfg, error = load_detector()
    if error:
        wait_for_rosout()
        rospy.logerr("detector: cannot start: %s -- the node stays up without a model (detect answers "
                     "success: false with this error, frames on %s are dropped, %s says state: error); "
                     "fix the cause and restart the node", error, rospy.resolve_name("image"),
                     rospy.resolve_name("~status"))
    DetectorNode(detector, cfg, error)
    if not error:
        rospy.loginfo("detector: ready (threshold %.2f, max %d, sort %s, classes %s)%s", cfg.score_threshold,
                      cfg.max_detections, cfg.sort, cfg.classes or "all",
                      f", saving uncertain frames to {cfg.save_uncertain}" if cfg.save_uncertain else "")
    rospy.spin()
