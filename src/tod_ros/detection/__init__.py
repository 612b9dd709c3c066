"""Running an exported detector on BGR frames, for every tool (node, ``tod detect/eval/prelabel``).

- :mod:`.config`: :class:`DetectorConfig` (the settings, defined once), the live parameters
- :mod:`.model_files`: the model folder and its label map
- :mod:`.backends`: SavedModel, TFLite, int8 TFLite (RGB in, raw outputs out)
- :mod:`.postprocess`: :class:`Detection`, decoding and the stages (threshold, classes, cap, sort)
- :mod:`.detector`: :class:`Detector` and :func:`open_detector`
- :mod:`.runtime`: what the detector node decides without ROS (enable switch, frame checks)

A model folder, as written by ``tod export`` or found in the TF2 Detection Model Zoo::

    <model_dir>/saved_model/      signature ``serving_default``: input uint8 [1,H,W,3] RGB;
                                  outputs detection_boxes [1,N,4] (normalized ymin,xmin,ymax,xmax),
                                  detection_scores [1,N], detection_classes [1,N] (1-based ids),
                                  num_detections [1]
    <model_dir>/model.tflite      optional, the same detector for TensorFlow Lite
    <model_dir>/model_int8.tflite optional, its int8 quantization (backend ``tflite_int8``)
    <model_dir>/label_map.pbtxt   ids -> names

Nothing here imports TensorFlow until a model is loaded.
"""
from tod_ros.detection.config import BACKENDS, DetectorConfig
from tod_ros.detection.detector import Detector, find_model, open_detector
from tod_ros.detection.postprocess import Detection, draw_detections, sort_detections

__all__ = ["BACKENDS", "Detection", "Detector", "DetectorConfig", "draw_detections", "find_model", "open_detector",
           "sort_detections"]
