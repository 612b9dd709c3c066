"""tod xml-to-csv: labelImg XML -> {train,test}_labels.csv (the seed's xml_to_csv.py, validated)."""
from tod_ros.commands._common import project_from, script_main
from tod_ros.commands.convert import add_source_arguments, label_names, print_summary, specs_from


def add_arguments(parser):
    add_source_arguments(parser, shards=False)


def run(args):
    from dataclasses import replace

    from tod_ros.dataset.convert import convert_splits

    specs, _ = specs_from(args)
    specs = [replace(s, record_path=None) for s in specs]
    summary = convert_splits(specs, None, label_map=args.label_map, label_names=label_names(args), fix=args.fix,
                             accept_prelabels=args.accept_prelabels)
    print_summary(summary, records=False, project=project_from(args))
    return 0


def main(argv=None):
    """``rosrun tod_ros xml_to_csv.py -p <project>``."""
    import sys

    return script_main(sys.modules[__name__], "xml_to_csv.py", argv)
