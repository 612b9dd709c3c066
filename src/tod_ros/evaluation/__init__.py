"""Evaluating and running exported detectors on annotated images.

- :mod:`.metrics`: pure numpy + pycocotools metrics (COCO mAP, VOC AP per class, per-image errors)
- :mod:`.plots`: precision-recall curves (matplotlib Agg) and annotated error images
- :mod:`.runner`: ``tod eval``: run a model on a folder of images + labelImg XML, write the report
- :mod:`.batch`: ``tod detect``: run a model on images, print / draw / save the detections

Nothing here imports TensorFlow at import time; the model is loaded through
:func:`tod_ros.detection.open_detector`.
"""
