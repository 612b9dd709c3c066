"""tod detect: run an exported model on images, print and draw the detections (the tutorial's
plot_object_detection_saved_model.py; see docs/evaluation.md)."""
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError
from tod_ros.evaluation.loading import CLI_BACKEND
from tod_ros.inference import BACKENDS, DetectorConfig

DEFAULTS = DetectorConfig()     # -n, -t and --threads default to the detector node's settings


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("-m", "--model", "-s", "--saved-model", dest="model", default=None, metavar="DIR",
                        help="exported model folder or its saved_model/ (default with -p: training/<p>/exported)")
    parser.add_argument("--label-map", default=None, metavar="FILE",
                        help="label map (default: <model>/label_map.pbtxt, else the project's)")
    parser.add_argument("-i", "--images", nargs="+", default=None, metavar="PATH",
                        help="image file(s) or folder(s) (default with -p: images/<p>/test)")
    parser.add_argument("-n", "--max-objects", type=int, default=DEFAULTS.max_detections,
                        help="maximum number of objects (default %(default)s)")
    parser.add_argument("-t", "--threshold", type=float, default=DEFAULTS.score_threshold * 100,
                        help="detection threshold in %% (default %(default)g)")
    parser.add_argument("--sorted", action="store_true", help="detections left to right instead of by score")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="annotated images (default: ./detections, with -p: training/<p>/detections)")
    parser.add_argument("--json", default=None, metavar="FILE", help="write the detections as JSON")
    parser.add_argument("--show", action="store_true", help="also show the images in a window (needs a display)")
    parser.add_argument("--backend", choices=BACKENDS, default=CLI_BACKEND,
                        help="model file to run (default %(default)s; tflite_int8: model_int8.tflite)")
    parser.add_argument("--threads", type=int, default=DEFAULTS.num_threads,
                        help="TFLite interpreter threads (default %(default)s)")


def detector_config(args, model):
    """The :class:`DetectorConfig` of the options (-t in %, --sorted: left to right, else best first)."""
    if not 0.0 <= args.threshold <= 100.0:
        raise TodError(f"-t must be a percentage in [0, 100], got {args.threshold:g}")
    if args.max_objects < 1:
        raise TodError(f"-n must be >= 1, got {args.max_objects}")
    return DetectorConfig(model_dir=model, label_map=args.label_map or "", backend=args.backend,
                          score_threshold=args.threshold / 100.0, max_detections=args.max_objects,
                          sort="x" if args.sorted else "score", num_threads=args.threads)


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
