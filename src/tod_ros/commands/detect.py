"""tod detect: run an exported model on images, print and draw the detections (the tutorial's
plot_object_detection_saved_model.py; see docs/evaluation.md)."""
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError
from tod_ros.evaluation.loading import EVAL_BACKENDS

HELP = "run an exported model on images, print and draw the detections"


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("-m", "--model", "-s", "--saved-model", dest="model", default=None, metavar="DIR",
                        help="exported model folder or its saved_model/ (default with -p: training/<p>/exported)")
    parser.add_argument("--label-map", default=None, metavar="FILE",
                        help="label map (default: <model>/label_map.pbtxt, else the project's)")
    parser.add_argument("-i", "--images", nargs="+", default=None, metavar="PATH",
                        help="image file(s) or folder(s) (default with -p: images/<p>/test)")
    parser.add_argument("-n", "--max-objects", type=int, default=4, help="maximum number of objects (default 4)")
    parser.add_argument("-t", "--threshold", type=float, default=50.0,
                        help="detection threshold in %% (default 50)")
    parser.add_argument("--sorted", action="store_true", help="detections left to right instead of by score")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="annotated images (default: ./detections, with -p: training/<p>/detections)")
    parser.add_argument("--json", default=None, metavar="FILE", help="write the detections as JSON")
    parser.add_argument("--show", action="store_true", help="also show the images in a window (needs a display)")
    parser.add_argument("--backend", choices=EVAL_BACKENDS, default="savedmodel",
                        help="model file to run (default savedmodel; tflite_int8: model_int8.tflite)")
    parser.add_argument("--threads", type=int, default=2, help="TFLite interpreter threads (default 2)")


def run(args):
    from tod_ros.evaluation.batch import DetectConfig, failures, run_detect

    project = project_from(args)
    model = args.model or (str(project.export_dir) if project else None)
    images = args.images or ([str(project.split_dir("test"))] if project else None)
    if model is None or images is None:
        raise TodError("give --model DIR and -i IMAGE_OR_FOLDER (or -p/--project NAME)")
    out = args.out or (project.training_dir / "detections" if project else Path("detections"))
    cfg = DetectConfig(model=model, label_map=args.label_map or "", backend=args.backend,
                       threshold=args.threshold / 100.0, max_objects=args.max_objects, sort=args.sorted,
                       num_threads=args.threads)
    results = run_detect(cfg, images, out, args.json, args.show, log=_print, project=project)
    return 1 if failures(results) else 0


def _print(*parts, end="\n"):
    print(*parts, end=end, flush=True)


def main(argv=None):
    """``rosrun tod_ros plot_object_detection_saved_model.py -p <project> -s <saved_model> -i <images>``."""
    import sys

    from tod_ros.commands.convert import script_main

    return script_main(sys.modules[__name__], "plot_object_detection_saved_model.py", argv)
