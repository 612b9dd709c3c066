"""tod init <project>: create the tutorial's workspace tree."""
from tod_ros.workspace import Project

HELP = "create the workspace tree of a project"


def add_arguments(parser):
    parser.add_argument("project", help="project name, e.g. faces_cubes")
    parser.add_argument("--workspace", default=None, help="workspace root (default: $TOD_WORKSPACE or .)")


def run(args):
    project = Project.at(args.project, args.workspace)
    made = project.create()
    for d in made:
        print(f"created {d}")
    if not made:
        print(f"workspace of project '{project.name}' already complete under {project.root}")
    return 0
