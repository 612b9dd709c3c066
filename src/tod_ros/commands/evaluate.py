"""tod eval: COCO / VOC metrics of an exported model on annotated images (see docs/evaluation.md)."""
import dataclasses
from pathlib import Path

from tod_ros.commands._common import (add_detector_args, add_old_name, add_project_args, detector_config_of,
                                      project_from)
from tod_ros.errors import TodError
from tod_ros.evaluation.runner import EvalConfig

DEFAULTS = EvalConfig()


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("-m", "--model", default=None, metavar="DIR",
                        help="exported model folder (or its saved_model/); default with -p: training/<p>/exported")
    parser.add_argument("--images", default=None, metavar="DIR",
                        help="folder of images + labelImg XML (default with -p: images/<p>/test)")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="metrics file (default: <out>/metrics.json; with -p: training/<p>/eval/metrics.json)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="PR curves and worst images (default: next to the JSON, <json dir>/<json stem>/)")
    add_detector_args(parser, DEFAULTS.detector, threshold_help="the deployment threshold: the error list and the "
                      "worst images count the detections scoring at least F")
    add_old_name(parser, "--error-score", "score_threshold")
    add_old_name(parser, "--min-score", "metrics_min_score")
    parser.add_argument("--metrics-min-score", dest="metrics_min_score", type=float,
                        default=DEFAULTS.metrics_min_score, metavar="F",
                        help="the metrics see every detection scoring at least F (default %(default)s); the "
                             "error list and the worst images count those at --score-threshold")
    parser.add_argument("--iou", type=float, default=DEFAULTS.iou_threshold,
                        help="IoU of VOC AP and of the error list (default %(default)s)")
    parser.add_argument("--worst", type=int, default=DEFAULTS.worst,
                        help="annotated worst images written (default %(default)s)")


def check_test_split(project):
    """TodError naming ``project``'s test/ and how to make it when it holds no labelImg XML (nothing to evaluate)."""
    from tod_ros.dataset.split import split_hint
    from tod_ros.dataset.voc import has_xml

    folder = project.split_dir("test")
    if not has_xml(folder):
        raise TodError(f"{folder}: no annotated test images (no test split) to evaluate on: "
                       f"{split_hint(project)}, or give --images DIR")


def _paths(args, project):
    """(model, images, json, out) from the arguments and the project's layout."""
    if project and not args.images:
        check_test_split(project)
    model = args.model or (str(project.export_dir) if project else None)
    images = args.images or (str(project.split_dir("test")) if project else None)
    if model is None or images is None:
        raise TodError("give -p/--project NAME, or --model DIR and --images DIR")
    json_path = args.json
    if json_path is None:
        if args.out:
            json_path = Path(args.out) / "metrics.json"
        elif project:
            json_path = project.training_dir / "eval" / "metrics.json"
        else:
            raise TodError("give --json FILE (or --out DIR) for the metrics")
    out = args.out or (Path(json_path).parent if project and not args.json else None)
    return model, images, Path(json_path), out


def run(args):
    from tod_ros.evaluation.runner import run_eval

    project = project_from(args)
    model, images, json_path, out = _paths(args, project)
    cfg = dataclasses.replace(DEFAULTS, images=images, detector=detector_config_of(args, DEFAULTS.detector, model),
                              metrics_min_score=args.metrics_min_score, iou_threshold=args.iou, worst=args.worst)
    run_eval(cfg, json_path, out, project=project)
    return 0
