"""tod report: counts per class and split, box sizes, and a contact sheet of the annotated images."""
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.dataset.report import SHEET_IMAGES
from tod_ros.errors import TodError


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("--images", metavar="DIR", default=None,
                        help="folder of images + XML instead of a project (its train/ and test/ if it has them)")
    parser.add_argument("--label-map", default=None, metavar="FILE", help="label map to check the labels against")
    parser.add_argument("--sheet", default=None, metavar="PNG", help="write a contact sheet with the boxes drawn")
    parser.add_argument("--max-images", type=int, default=SHEET_IMAGES,
                        help="images on the contact sheet (default %(default)s)")


def run(args):
    from tod_ros.dataset.convert import folder_specs, project_specs, split_optional
    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.dataset.report import contact_sheet, dataset_report

    project = project_from(args)
    if (project is None) == (args.images is None):
        raise TodError("give either -p/--project NAME or --images DIR")
    specs = project_specs(project) if project else folder_specs(args.images, args.images)
    specs, skipped = split_optional(specs)
    for spec in skipped:    # a dozen photos all in train/: convert and train go on without a test split
        print(f"note: no annotated images in {spec.images_dir} (no {spec.name} split; `tod eval -p` needs one)")
    label_map = read_label_map(args.label_map) if args.label_map else None
    report = dataset_report(specs, label_map)
    for line in report.lines():
        print(line)
    if args.sheet:
        anns = [a for s in specs for a in report.clean[s.name]]
        print(f"contact sheet: {contact_sheet(anns, report.class_names, Path(args.sheet), args.max_images)}")
    return 1 if report.problems else 0
