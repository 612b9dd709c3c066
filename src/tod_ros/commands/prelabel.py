"""tod prelabel -p <project>: write the model's boxes as XML to review, for images without XML."""
import sys
import time
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.dataset.prelabel import PrelabelConfig
from tod_ros.errors import TodError
from tod_ros.inference import BACKENDS

DEFAULTS = PrelabelConfig()


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("--images", metavar="DIR", default=None, help="a folder of images instead of a project")
    parser.add_argument("--model", metavar="DIR", default=None,
                        help="exported model folder (default: the shipped demo model models/demo)")
    parser.add_argument("--min-score", type=float, default=DEFAULTS.min_score,
                        help=f"boxes scoring below are not written (default {DEFAULTS.min_score:g})")
    parser.add_argument("--check-below", type=float, default=DEFAULTS.check_below,
                        help=f"boxes scoring below are listed to check first (default {DEFAULTS.check_below:g})")
    parser.add_argument("--max-detections", type=int, default=DEFAULTS.max_detections,
                        help=f"boxes per image at most (default {DEFAULTS.max_detections})")
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULTS.backend,
                        help=f"model file to run (default {DEFAULTS.backend})")
    parser.add_argument("--sheet", metavar="PNG", default=None,
                        help="also write one contact sheet of every proposal (label and score on each box, the "
                             "most uncertain images first), the unreviewed pre-annotations of earlier runs included")


def _folders(args):
    project = project_from(args)
    if (project is None) == (args.images is None):
        raise TodError("give either -p/--project NAME or --images DIR")
    if project is None:
        if not Path(args.images).is_dir():
            raise TodError(f"{args.images}: no such folder")
        return [args.images]
    if not project.images_dir.is_dir():
        raise TodError(f"{project.images_dir}: no such folder (run `tod init {project.name}` first)")
    return [project.images_dir, project.split_dir("train"), project.split_dir("test")]


def run(args):
    from tod_ros.progress import bar, stage

    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.dataset.prelabel import images_without_xml, prelabel_images, unreviewed_images
    from tod_ros.evaluation.loading import resolve_model
    from tod_ros.inference import Detector, DetectorConfig

    cfg = PrelabelConfig(model=args.model or "", min_score=args.min_score, check_below=args.check_below,
                         max_detections=args.max_detections, backend=args.backend).validate()
    images = images_without_xml(_folders(args))
    pending = unreviewed_images(_folders(args)) if args.sheet else []
    if not images and not pending:
        print("nothing to pre-annotate: every image already has its XML")
        return 0
    model_dir, label_map = resolve_model(str(cfg.model_dir()))
    with stage("model loading"):
        detector = Detector(DetectorConfig(model_dir=str(model_dir), label_map=str(label_map), backend=cfg.backend,
                                           score_threshold=cfg.min_score, max_detections=cfg.max_detections))
    print(f"model {model_dir} ({detector.backend_name}), {len(images)} image(s) without XML", flush=True)
    start = time.perf_counter()
    with stage("detection"):
        result = prelabel_images(images, detector.detect, cfg.min_score, cfg.check_below,
                                 progress=lambda it: bar(it, desc="prelabel", unit="image"),
                                 limits=ImageLimits.of(detector.cfg))
    seconds = time.perf_counter() - start
    _print_summary(result, len(images), seconds, cfg)
    if args.sheet:
        _write_sheet(args.sheet, result.proposals, pending, detector, cfg)
    return 1 if result.failed else 0


def _write_sheet(path, proposals, pending, detector, cfg):
    """The review sheet of this run's proposals and of the unreviewed pre-annotations already there."""
    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.dataset.prelabel import proposals_of
    from tod_ros.dataset.review_sheet import write_review_sheet
    from tod_ros.progress import bar, stage

    with stage("review sheet"):
        earlier = proposals_of(bar(pending, desc="sheet", unit="image"), detector.detect, cfg.min_score,
                               limits=ImageLimits.of(detector.cfg))
        sheet = write_review_sheet(proposals + earlier, Path(path), cfg.check_below, detector.label_map.names)
    print(f"review sheet: {sheet} ({len(proposals) + len(earlier)} image(s), most uncertain first; "
          f"magenta boxes with '?' score under {cfg.check_below:g})")


def _print_summary(result, n, seconds, cfg):
    for line in result.failed:
        print(f"error: {line}", file=sys.stderr)
    print(f"{len(result.written)} pre-annotation(s) written, {result.boxes} box(es), "
          f"{len(result.skipped)} skipped (XML already there), {len(result.failed)} unreadable; "
          f"{seconds / max(1, n) * 1000:.0f} ms per image")
    if result.low:
        print(f"check first: {len(result.low)} box(es) scoring under {cfg.check_below:g}:")
        for score, xml, label in result.low[:20]:
            print(f"  {score:.2f} {label:<8} {xml}")
        if len(result.low) > 20:
            print(f"  ... {len(result.low) - 20} more")
    if result.written:
        print("review them with `tod label` (a box is kept as it is once you save or verify the image: "
              "Ctrl+S or Space); `tod convert` refuses unreviewed ones")
