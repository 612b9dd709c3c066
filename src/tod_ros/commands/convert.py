"""tod convert: labelImg XML -> {train,test}_labels.csv -> {train,test}.record + label_map.pbtxt.

With ``-p``, a project whose test/ has no annotated image converts train only, with one warning
line (:func:`skipped_warning`); an empty train/ is an error.
"""
import os
import sys
from pathlib import Path

from tod_ros.commands._common import add_project_args, project_from
from tod_ros.errors import TodError
from tod_ros.filenames import LABEL_MAP


def add_source_arguments(parser, shards=True):
    """Arguments shared by convert, xml-to-csv and csv-to-record."""
    add_project_args(parser)
    parser.add_argument("--images", metavar="DIR", default=None,
                        help="folder of images + XML instead of a project (its train/ and test/ if it has them)")
    parser.add_argument("--out", metavar="DIR", default=None, help="output folder with --images (default: DIR)")
    parser.add_argument("--label-map", metavar="FILE", default=None,
                        help="existing label_map.pbtxt whose ids are kept (other labels are errors)")
    parser.add_argument("--labels", default=None,
                        help="comma-separated class names giving ids 1..N in this order (default: sorted names found)")
    parser.add_argument("--fix", action="store_true",
                        help="clip boxes into the image and skip bad objects with a warning instead of stopping")
    parser.add_argument("--accept-prelabels", action="store_true",
                        help="convert pre-annotations of `tod prelabel` nobody has reviewed (refused by default)")
    if shards:
        parser.add_argument("--shards", type=int, default=1, metavar="N",
                            help="split each record into N files <name>.record-0000i-of-0000N (default 1)")


def add_arguments(parser):
    add_source_arguments(parser)


def specs_from(args, from_csv=False):
    """``(specs, label_map_path)`` of ``-p`` or ``--images/--out``; TodError when a project's train/ has no XML."""
    from tod_ros.dataset.convert import folder_specs, has_input, project_specs

    project = project_from(args)
    if project is not None and args.images:
        raise TodError("give either -p/--project or --images, not both")
    if project is not None:
        specs = project_specs(project)
        train = next(s for s in specs if s.name == "train")
        if not from_csv and not has_input(train):
            from tod_ros.dataset.split import split_hint

            raise TodError(f"{train.images_dir}: no annotated training image (no labelImg XML file), nothing "
                           f"written: annotate the images (`tod label -p {project.name}`), or {split_hint(project)}")
        return specs, project.label_map_path
    if not args.images:
        raise TodError("give -p/--project NAME (workspace layout) or --images DIR")
    out = Path(args.out or args.images)
    return folder_specs(args.images, out), out / LABEL_MAP


def label_names(args):
    """The ``--labels`` list or None."""
    return [n.strip() for n in args.labels.split(",") if n.strip()] if args.labels else None


def shown(path):
    """``path`` relative to the current folder when below it (as the seed printed it)."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else str(path)


def skipped_warning(summary, project):
    """The line saying an optional split (test/) was not converted, what was deleted, how to make one."""
    from tod_ros.dataset.split import split_hint

    written = [p.name for s in summary.splits.values() for p in (s.record_paths or [s.csv_path]) if p]
    folders = " and ".join(shown(s.images_dir) for s in summary.skipped)
    removed = f" (deleted the earlier {', '.join(shown(p) for p in summary.removed)})" if summary.removed else ""
    how = f"`tod eval -p {project.name}` needs a test split: {split_hint(project)}" if project else "see tod split"
    return f"no annotated test images in {folders}, so only {' and '.join(written)} was written{removed}; {how}"


def print_summary(summary, csv=True, records=True, project=None):
    """Print warnings (stderr), the seed's success lines and the counts."""
    for w in summary.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if summary.skipped:
        print(f"warning: {skipped_warning(summary, project)}", file=sys.stderr)
    for s in summary.splits.values():
        if csv and s.csv_path is not None:
            print(f"Successfully converted xml data in file <{shown(s.csv_path)}>.")
    for s in summary.splits.values():
        for p in s.record_paths if records else []:
            print(f"Successfully created the TFRecord file: {shown(p)}")
    if records and summary.label_map_path is not None:
        print(f"Successfully created the label map: {shown(summary.label_map_path)}")
    for line in summary.lines():
        print(f"  {line}")


def run(args):
    from tod_ros.dataset.convert import convert_splits

    specs, label_map_path = specs_from(args)
    summary = convert_splits(specs, label_map_path, label_map=args.label_map, label_names=label_names(args),
                             fix=args.fix, shards=args.shards, accept_prelabels=args.accept_prelabels)
    print_summary(summary, project=project_from(args))
    return 0
