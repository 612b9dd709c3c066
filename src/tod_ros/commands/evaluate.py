"""tod eval: COCO / VOC metrics of an exported model on annotated images (see docs/evaluation.md)."""
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError
from tod_ros.evaluation.runner import EvalConfig
from tod_ros.inference import BACKENDS

DEFAULTS = EvalConfig()


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("-m", "--model", default=None, metavar="DIR",
                        help="exported model folder (or its saved_model/); default with -p: training/<p>/exported")
    parser.add_argument("--label-map", default=None, metavar="FILE",
                        help="label map (default: <model>/label_map.pbtxt, else the project's)")
    parser.add_argument("--images", default=None, metavar="DIR",
                        help="folder of images + labelImg XML (default with -p: images/<p>/test)")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="metrics file (default: <out>/metrics.json; with -p: training/<p>/eval/metrics.json)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="PR curves and worst images (default: next to the JSON, <json dir>/<json stem>/)")
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULTS.backend,
                        help="model file to evaluate (default %(default)s; tflite = what the robot runs, "
                             "tflite_int8 = model_int8.tflite of 'tod export --int8')")
    parser.add_argument("--min-score", type=float, default=DEFAULTS.min_score,
                        help="lowest detection score kept for the metrics (default %(default)s)")
    parser.add_argument("--max-detections", type=int, default=DEFAULTS.max_detections,
                        help="detections per image (default %(default)s)")
    parser.add_argument("--iou", type=float, default=DEFAULTS.iou_threshold,
                        help="IoU of VOC AP and of the error list (default %(default)s)")
    parser.add_argument("--error-score", type=float, default=DEFAULTS.error_score,
                        help="score threshold of the error list, i.e. the deployment threshold (default %(default)s)")
    parser.add_argument("--worst", type=int, default=DEFAULTS.worst,
                        help="annotated worst images written (default %(default)s)")
    parser.add_argument("--threads", type=int, default=DEFAULTS.num_threads,
                        help="TFLite interpreter threads (default %(default)s)")


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
    cfg = EvalConfig(model=model, images=images, label_map=args.label_map or "", backend=args.backend,
                     min_score=args.min_score, max_detections=args.max_detections,
                     iou_threshold=args.iou, error_score=args.error_score, worst=args.worst, num_threads=args.threads)
    run_eval(cfg, json_path, out, project=project)
    return 0
