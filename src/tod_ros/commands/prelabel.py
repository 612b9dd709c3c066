"""tod prelabel -p <project>: write the model's boxes as XML to review, for images without XML."""
import dataclasses
from pathlib import Path

from tod_ros.commands._common import (add_detector_args, add_old_name, add_project_args, detector_config_of,
                                      project_from)
from tod_ros.errors import TodError
from tod_ros.evaluation.proposals import PrelabelConfig

DEFAULTS = PrelabelConfig()


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("--images", metavar="DIR", default=None, help="a folder of images instead of a project")
    parser.add_argument("-m", "--model", metavar="DIR", default=None,
                        help="exported model folder (default: the shipped demo model models/demo)")
    parser.add_argument("--check-below", type=float, default=DEFAULTS.check_below,
                        help=f"boxes scoring below are listed to check first (default {DEFAULTS.check_below:g})")
    parser.add_argument("--sheet", metavar="PNG", default=None,
                        help="also write one contact sheet of every proposal (label and score on each box, the "
                             "most uncertain images first), the unreviewed pre-annotations of earlier runs included")
    add_detector_args(parser, DEFAULTS.detector, threshold_help="boxes scoring below F (0-1) are not written")
    add_old_name(parser, "--min-score", "score_threshold")


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
    from tod_ros.evaluation.proposals import default_model_dir, run_prelabel

    detector = detector_config_of(args, DEFAULTS.detector, args.model or default_model_dir())
    cfg = dataclasses.replace(DEFAULTS, detector=detector, check_below=args.check_below).validate()
    result = run_prelabel(cfg, _folders(args), args.sheet, log=lambda line: print(line, flush=True))
    return 1 if result is not None and result.failed else 0
