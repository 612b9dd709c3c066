"""tod label -p <project>: annotate the project's images in labelImg++ (Pascal VOC XML beside each image)."""
import sys

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError


def add_arguments(parser):
    from tod_ros.dataset.annotate import SPLIT_CHOICES

    add_project_args(parser, required=True)
    parser.add_argument("--split", choices=SPLIT_CHOICES, default="all",
                        help="images/<p>/ with train/ and test/ (all, default), or only one split folder")
    parser.add_argument("--print-command", action="store_true", help="print the annotator's command, do not run it")


def run(args):
    from tod_ros.dataset.annotate import (AnnotatorConfig, annotator_command, label_folder, project_classes,
                                          refused_images, require_display, run_annotator, write_classes)

    project = project_from(args)
    if project is None:
        raise TodError("give -p/--project NAME")
    cfg = AnnotatorConfig()
    if not args.print_command:
        require_display()
    folder = label_folder(project, args.split)
    executable = cfg.find()
    classes = project_classes(project.label_map_path)
    classes_file = write_classes(project.training_dir / cfg.classes_file, classes)
    argv = annotator_command(executable, folder, classes_file)
    refused = refused_images(folder)
    for _, reason in refused:
        print(f"tod label: left out: {reason}", file=sys.stderr)
    if refused:
        print(f"tod label: {len(refused)} file(s) the annotator cannot open are left out (listed above)",
              file=sys.stderr, flush=True)
    print(f"annotating {folder} (classes: {', '.join(classes)}; XML saved beside each image; "
          "W: draw a box, Space: verify, D/A: next/previous image)", flush=True)
    if args.print_command:
        print(" ".join(repr(a) if not a or " " in a else a for a in argv))
        return 0
    status = run_annotator(argv)
    if status != 0:
        print(f"tod label: the annotator exited with status {status}", file=sys.stderr)
    return status
