"""Frames the running detector was unsure about, saved with their pre-annotations for ``tod label``.

``detect.launch save_uncertain:=<folder>``: each frame whose best detection score lies in
[``uncertain_min``, ``uncertain_max``) (DetectorConfig) is saved as ``uncertainNNN.png`` (never
overwriting a file) with ``uncertainNNN.xml`` beside it: the model's boxes as Pascal VOC, in the
form labelImg reads, to be reviewed and corrected by a person.
"""
from pathlib import Path

from tod_ros.capture import save_frame

PREFIX = "uncertain"


def pre_annotation(image_path, bgr, detections):
    """The VocAnnotation of the model's ``detections`` (inference Detections) on a saved frame."""
    from tod_ros.dataset.voc import VocAnnotation, VocObject

    h, w = bgr.shape[:2]
    objects = [VocObject(d.label, round(max(0.0, d.box_px[0]), 1), round(max(0.0, d.box_px[1]), 1),
                         round(min(float(w), d.box_px[2]), 1), round(min(float(h), d.box_px[3]), 1))
               for d in detections]
    image_path = Path(image_path)
    return VocAnnotation(filename=image_path.name, width=w, height=h, depth=3, objects=objects,
                         folder=image_path.parent.name, path=str(image_path))


def save_uncertain_frame(folder, bgr, detections):
    """Save ``bgr`` as the next free ``uncertainNNN.png`` in ``folder`` and its pre-annotation
    ``uncertainNNN.xml`` (written atomically); returns (image path, xml path)."""
    from tod_ros.dataset.voc import write_voc

    image_path = save_frame(folder, bgr, prefix=PREFIX)
    xml_path = image_path.with_suffix(".xml")
    write_voc(xml_path, pre_annotation(image_path, bgr, detections))
    return image_path, xml_path
