"""Argument helpers shared by several verbs."""
from tod_ros.workspace import Project


def add_project_args(parser, required=False):
    """Add ``-p/--project`` and ``--workspace``."""
    parser.add_argument("-p", "--project", required=required, help="project name (folder under images/ and training/)")
    parser.add_argument("--workspace", default=None,
                        help="workspace root holding images/, training/, pre_trained/ (default: $TOD_WORKSPACE or .)")


def project_from(args):
    """The :class:`Project` named by ``args`` or None when no project was given."""
    return Project.at(args.project, args.workspace) if getattr(args, "project", None) else None
