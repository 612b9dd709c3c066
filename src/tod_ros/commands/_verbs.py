"""The verbs of ``tod``: which command module runs each and its one-line help (the only place),
read by :mod:`tod_ros.cli` and by the seed-style scripts (:func:`tod_ros.commands._common.script_main`)."""

# verb -> (module in tod_ros.commands, one-line help). Order = order in `tod --help`.
VERBS = {
    "init": ("init", "create the workspace tree images/<project>/{train,test}, training/<project>/ and "
                      "pre_trained/ (a link to the shipped pre-trained checkpoint)"),
    "doctor": ("doctor", "check the installation (ROS, package build, TensorFlow, Model Garden, cv_bridge, GPU)"),
    "capture": ("capture", "save images from the robot's get_image service (same as rosrun tod_ros capture.py)"),
    "label": ("label", "annotate the project's images in labelImg++ (Pascal VOC XML beside each image)"),
    "prelabel": ("prelabel", "write the model's boxes as XML to review for images without XML"),
    "split": ("split", "move image+XML pairs of a project into train/ and test/"),
    "convert": ("convert", "labelImg XML -> CSV -> TFRecord + label_map.pbtxt"),
    "xml-to-csv": ("xml_to_csv", "labelImg XML -> images/<project>/{train,test}_labels.csv (first half of convert)"),
    "csv-to-record": ("csv_to_record", "images/<project>/{train,test}_labels.csv -> training/<project>/"
                                    "{train,test}.record + label map (second half of convert)"),
    "inspect": ("inspect", "print class counts of a TFRecord and draw a few decoded examples"),
    "report": ("report", "dataset report: counts per class and split, box sizes, contact sheet"),
    "synth": ("synth", "generate synthetic cube images with labelImg XML"),
    "rotate": ("rotate", "turn annotated images and their boxes by 90, 180 or 270 degrees (exact)"),
    "train": ("train", "train a detector with TensorFlow Model Garden"),
    "export": ("export", "export a trained model as SavedModel (TOD signature) and TFLite (fp32, optionally int8)"),
    "eval": ("evaluate", "COCO / VOC mAP of an exported model on annotated images"),
    "detect": ("detect", "run an exported model on images, print and draw the detections"),
    "calibrate": ("calibrate", "find the table for the robot's camera (a checkerboard, or 4 points with table "
                               "coordinates): cube positions in metres"),
}


def help_of(module):
    """The one-line help of a command module (by its name in :mod:`tod_ros.commands`)."""
    name = module.__name__.rsplit(".", 1)[-1]
    return next(help_text for module_name, help_text in VERBS.values() if module_name == name)
