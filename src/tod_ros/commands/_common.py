"""Argument helpers shared by several verbs, and the entry point of the seed-style scripts."""
import argparse
import sys

from tod_ros.commands._verbs import help_of
from tod_ros.errors import TodError, describe_os_error
from tod_ros.workspace import Project


def add_project_args(parser, required=False):
    """Add ``-p/--project`` and ``--workspace``."""
    parser.add_argument("-p", "--project", required=required, help="project name (folder under images/ and training/)")
    parser.add_argument("--workspace", default=None,
                        help="workspace root holding images/, training/, pre_trained/ (default: $TOD_WORKSPACE or .)")


def project_from(args):
    """The :class:`Project` named by ``args`` or None when no project was given."""
    return Project.at(args.project, args.workspace) if getattr(args, "project", None) else None


def add_detector_args(parser, defaults, max_aliases=(), threshold_help="detections scoring below F (0-1) are dropped"):
    """The detector's options, named and defaulted as the detector node's params (``defaults``: a
    DetectorConfig): ``--backend``, ``--score-threshold`` (or ``-t`` in percent, the tutorial's),
    ``--max-detections`` (also under ``max_aliases``), ``--classes``, ``--threads``, ``--label-map``."""
    from tod_ros.detection.config import BACKENDS

    group = parser.add_argument_group("detector (the detector node's settings, docs/ros.md)")
    group.add_argument("--label-map", default=None, metavar="FILE",
                       help="label map (default: <model>/label_map.pbtxt, else the project's)")
    group.add_argument("--backend", choices=BACKENDS, default=defaults.backend,
                       help="model file to run (default %(default)s: model.tflite when the export has one, else "
                            "saved_model/; tflite_int8: model_int8.tflite of 'tod export --int8')")
    threshold = group.add_mutually_exclusive_group()
    threshold.add_argument("--score-threshold", type=float, default=None, metavar="F",
                           help=f"{threshold_help} (default {defaults.score_threshold:g})")
    threshold.add_argument("-t", "--threshold", type=float, default=None, metavar="PERCENT",
                           help="the same threshold in percent, as the tutorial's scripts take it")
    group.add_argument(*max_aliases, "--max-detections", dest="max_detections", type=int,
                       default=defaults.max_detections, metavar="N",
                       help="at most N detections per image, the best scores (default %(default)s)")
    group.add_argument("--classes", default=defaults.classes, metavar="NAMES",
                       help="comma-separated label names to report (default: all)")
    group.add_argument("--threads", type=int, default=defaults.num_threads,
                       help="TFLite interpreter threads (default %(default)s)")


def add_old_name(parser, old, dest):
    """``old`` kept working as a hidden alias of the option whose destination is ``dest``."""
    import argparse

    parser.add_argument(old, dest=dest, type=float, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def detector_config_of(args, defaults, model):
    """The DetectorConfig of the options of :func:`add_detector_args`, over ``defaults``, for ``model``."""
    import dataclasses

    from tod_ros.detection.config import check_ranges, percent_threshold

    threshold = defaults.score_threshold if args.score_threshold is None else args.score_threshold
    if args.threshold is not None:
        threshold = percent_threshold(args.threshold)
    cfg = dataclasses.replace(defaults, model_dir=str(model), label_map=args.label_map or "", backend=args.backend,
                              score_threshold=threshold, max_detections=args.max_detections, classes=args.classes,
                              num_threads=args.threads)
    check_ranges(cfg, option=lambda name: "--" + name.replace("_", "-"))
    return cfg.validate()


def script_main(module, prog, argv=None):
    """Entry point of a seed-style script (``rosrun tod_ros <prog> -p <project>``) running ``module``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    argv = [a for a in argv if ":=" not in a]     # ROS remappings, left out as rospy.myargv does
    parser = argparse.ArgumentParser(prog=prog, description=help_of(module))
    module.add_arguments(parser)
    try:
        return int(module.run(parser.parse_args(argv)) or 0)
    except TodError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{prog}: error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
