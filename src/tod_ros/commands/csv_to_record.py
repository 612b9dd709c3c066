"""tod csv-to-record: {train,test}_labels.csv -> TFRecord + label_map.pbtxt (the seed's generate_tfrecord.py)."""
from tod_ros.commands._common import project_from, script_main
from tod_ros.commands.convert import add_source_arguments, label_names, print_summary, specs_from


def add_arguments(parser):
    add_source_arguments(parser)


def run(args):
    from tod_ros.dataset.convert import convert_splits

    specs, label_map_path = specs_from(args, from_csv=True)
    summary = convert_splits(specs, label_map_path, label_map=args.label_map, label_names=label_names(args),
                             fix=args.fix, shards=args.shards, from_csv=True)
    print_summary(summary, csv=False, project=project_from(args))
    return 0


def main(argv=None):
    """``rosrun tod_ros generate_tfrecord.py -p <project>``."""
    import sys

    return script_main(sys.modules[__name__], "generate_tfrecord.py", argv)
