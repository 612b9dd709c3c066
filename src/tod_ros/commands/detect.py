"""tod detect: run an exported model on images, print and draw the detections (the tutorial's
plot_object_detection_saved_model.py; see docs/evaluation.md)."""
import dataclasses
from pathlib import Path

from tod_ros.commands._common import add_detector_args, add_project_args, detector_config_of, project_from
from tod_ros.detection.config import DetectorConfig
from tod_ros.errors import TodError

DEFAULTS = dataclasses.replace(DetectorConfig(), sort="score")   # the detector node's settings, best first


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("-m", "--model", "-s", "--saved-model", dest="model", default=None, metavar="DIR",
                        help="exported model folder or its saved_model/ (default with -p: training/<p>/exported)")
    parser.add_argument("-i", "--images", nargs="+", default=None, metavar="PATH",
                        help="image file(s) or folder(s) (default with -p: images/<p>/test)")
    add_detector_args(parser, DEFAULTS, max_aliases=("-n", "--max-objects"))
    parser.add_argument("--sorted", action="store_true", help="detections left to right instead of by score")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="annotated images (default: ./detections, with -p: training/<p>/detections)")
    parser.add_argument("--json", default=None, metavar="FILE", help="write the detections as JSON")
    parser.add_argument("--show", action="store_true", help="also show the images in a window (needs a display)")


def detector_config(args, model):
    """The :class:`DetectorConfig` of the options (``--sorted``: left to right, else best first)."""
    cfg = detector_config_of(args, DEFAULTS, model)
    return dataclasses.replace(cfg, sort="x") if args.sorted else cfg


def run(args):
    from tod_ros.evaluation.batch import failures, run_detect

    project = project_from(args)
    model = args.model or (str(project.export_dir) if project else None)
    images = args.images or ([str(project.split_dir("test"))] if project else None)
    if model is None or images is None:
        raise TodError("give --model DIR and -i IMAGE_OR_FOLDER (or -p/--project NAME)")
    out = args.out or (project.training_dir / "detections" if project else Path("detections"))
    results = run_detect(detector_config(args, model), images, out, args.json, args.show, log=_print,
                         project=project)
    return 1 if failures(results) else 0


def _print(*parts, end="\n"):
    print(*parts, end=end, flush=True)


def main(argv=None):
    """``rosrun tod_ros plot_object_detection_saved_model.py -p <project> -s <saved_model> -i <images>``."""
    import sys

    from tod_ros.commands._common import script_main

    return script_main(sys.modules[__name__], "plot_object_detection_saved_model.py", argv)
