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
