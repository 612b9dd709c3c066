"""tod split -p <project>: move image+XML pairs of images/<project>/ into train/ and test/."""
from tod_ros.commands._common import add_project_args, project_from
from tod_ros.dataset.split import MIN_TEST_BOXES, SEED, TEST_RATIO
from tod_ros.errors import TodError


def add_arguments(parser):
    add_project_args(parser, required=False)
    parser.add_argument("--images", metavar="DIR", default=None, help="folder to split instead of a project's")
    parser.add_argument("--test-ratio", type=float, default=TEST_RATIO,
                        help="fraction of pairs moved to test/ (default %(default)s)")
    parser.add_argument("--min-test-boxes", type=int, default=MIN_TEST_BOXES,
                        help="test/ takes more pairs than --test-ratio (up to a third) until it holds this many "
                             "boxes (default %(default)s; 0: the ratio only)")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed of the split (default %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, move nothing")


def run(args):
    from tod_ros.dataset.split import apply_plan, plan_split

    project = project_from(args)
    if (project is None) == (args.images is None):
        raise TodError("give either -p/--project NAME or --images DIR")
    plan = plan_split(project.images_dir if project else args.images, args.test_ratio, args.seed,
                      args.min_test_boxes)
    if not args.dry_run:
        apply_plan(plan)
    for line in plan.lines():
        print(("would move " if args.dry_run else "moved ") + line if "->" in line else line)
    return 0
