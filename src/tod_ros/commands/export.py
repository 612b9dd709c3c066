"""tod export: SavedModel with the TOD API's serving signature + TFLite, optionally int8 (see docs/training.md)."""
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError
from tod_ros.training.quantize import Int8Config


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("--model-dir", default=None,
                        help="folder written by tod train (default: training/<project>/model)")
    parser.add_argument("--out", default=None, help="output folder (default: training/<project>/exported)")
    parser.add_argument("--checkpoint", default=None, help="checkpoint prefix to export (default: the latest)")
    parser.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip model.tflite")
    parser.add_argument("--score-records", default="", metavar="RECORDS|none",
                        help="held-out TFRecord file(s), comma-separated, to calibrate the scores on (default: the "
                             "project's test.record and the start checkpoint's held-out images; none: raw scores)")
    parser.add_argument("--int8", action="store_true",
                        help="also write model_int8.tflite (full-integer post-training quantization)")
    parser.add_argument("--add-int8", default=None, metavar="EXPORT_DIR",
                        help="only add model_int8.tflite to a folder written by 'tod export' (no checkpoint needed)")
    parser.add_argument("--calibration", default=None, metavar="RECORDS_OR_DIR",
                        help="int8 calibration images: TFRecord file(s)/glob(s), comma-separated, or an images "
                             "folder (default: the model's train_records)")
    parser.add_argument("--calibration-images", type=int, default=Int8Config.num_images, metavar="N",
                        help="int8 calibration frames, spread evenly over the source "
                             f"(default {Int8Config.num_images})")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="post-processing overrides: max_total_detections, max_detections_per_class, "
                             "pre_nms_score_threshold, nms_iou_threshold; "
                             "serving input size: input_height, input_width "
                             "(multiples of 32; the weights do not depend on it)")


def run(args):
    int8 = Int8Config(calibration=args.calibration or "", num_images=args.calibration_images).validate()
    if args.add_int8:
        if args.overrides:
            raise TodError("--add-int8 keeps the export's post-processing: drop the KEY=VALUE overrides")
        from tod_ros.training.quantize import add_int8_to_export

        print(f"  int8 TFLite: {add_int8_to_export(Path(args.add_int8), int8)}")
        return 0
    project = project_from(args)
    model_dir = args.model_dir or (project.model_dir if project else None)
    out = args.out or (project.export_dir if project else None)
    if not model_dir or not out:
        raise TodError("give -p/--project NAME, or --model-dir DIR and --out DIR")
    from tod_ros.training.config import parse_key_values
    from tod_ros.training.export import export_model

    files = ("score calibration, SavedModel" + (", TFLite" if args.tflite else "")
             + (", int8 TFLite" if args.int8 else ""))
    print(f"exporting {model_dir} to {out}: {files} (each step's time on a terminal, all at the end)", flush=True)
    result = export_model(Path(model_dir), Path(out), checkpoint=args.checkpoint, tflite=args.tflite,
                          overrides=parse_key_values(args.overrides), int8=int8 if args.int8 else None,
                          score_records=args.score_records)
    print(f"exported {result.checkpoint} (input {result.input_size[0]}x{result.input_size[1]})")
    print(f"  SavedModel: {result.saved_model}")
    if result.tflite:
        print(f"  TFLite:     {result.tflite}")
    print(f"  {result.scores.summary()}")
    if result.tflite_int8:
        print(f"  int8 TFLite: {result.tflite_int8}")
    return 0
