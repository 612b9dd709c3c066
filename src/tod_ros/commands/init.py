"""tod init <project>: create the tutorial's workspace tree."""
from tod_ros.workspace import Project


def add_arguments(parser):
    parser.add_argument("project", help="project name, e.g. faces_cubes")
    parser.add_argument("--workspace", default=None, help="workspace root (default: $TOD_WORKSPACE or .)")


def run(args):
    project = Project.at(args.project, args.workspace)
    made = project.create()
    for d in made:
        print(f"created {d}")
    link = _link_base(project)
    if link:
        print(f"linked {link} -> the shipped pre-trained cube checkpoint (tod train fine-tunes it by default)")
    if not made and not link:
        print(f"workspace of project '{project.name}' already complete under {project.root}")
    return 0


def _link_base(project):
    from tod_ros.errors import TodError
    from tod_ros.resources import BASE_MODEL, model_dir

    try:
        target = model_dir(BASE_MODEL)
    except TodError:
        return None
    return project.link_pre_trained(BASE_MODEL, target) if target.is_dir() else None
