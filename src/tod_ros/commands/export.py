"""tod export: SavedModel with the TOD API's serving signature + TFLite (see docs/training.md)."""
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError

HELP = "export a trained model as SavedModel (TOD signature) and TFLite"


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("--model-dir", default=None, help="folder written by tod train (default: training/<project>/model)")
    parser.add_argument("--out", default=None, help="output folder (default: training/<project>/exported)")
    parser.add_argument("--checkpoint", default=None, help="checkpoint prefix to export (default: the latest)")
    parser.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip model.tflite")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="post-processing overrides: max_total_detections, max_detections_per_class, "
                             "score_threshold, nms_iou_threshold")


def run(args):
    project = project_from(args)
    model_dir = args.model_dir or (project.model_dir if project else None)
    out = args.out or (project.export_dir if project else None)
    if not model_dir or not out:
        raise TodError("give -p/--project NAME, or --model-dir DIR and --out DIR")
    from tod_ros.training.config import parse_key_values
    from tod_ros.training.export import export_model

    result = export_model(Path(model_dir), Path(out), checkpoint=args.checkpoint, tflite=args.tflite,
                          overrides=parse_key_values(args.overrides))
    print(f"exported {result.checkpoint} (input {result.input_size[0]}x{result.input_size[1]})")
    print(f"  SavedModel: {result.saved_model}")
    if result.tflite:
        print(f"  TFLite:     {result.tflite}")
    return 0
