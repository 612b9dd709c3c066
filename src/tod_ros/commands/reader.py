"""tod reader: train the second stage that reads each detected cube's label, or add one to an exported model
(see docs/training.md, "The reader")."""
from tod_ros.errors import TodError


def add_arguments(parser):
    from tod_ros.training.reader import EPOCHS

    parser.add_argument("--images", action="append", default=[], metavar="DIR",
                        help="labelImg folder to train on (searched recursively; repeatable), e.g. 'tod synth "
                             "--fonts' images")
    parser.add_argument("--label-map", metavar="PBTXT", help="the labels to read (those of the detector's label map)")
    parser.add_argument("--out", metavar="READER.keras", help="the trained reader (+ its .json of labels)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="training epochs (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the training (default %(default)s)")
    parser.add_argument("--add", metavar="READER.keras",
                        help="instead of training: add this reader to the exported model of --model")
    parser.add_argument("--model", metavar="EXPORT_DIR", help="exported model folder for --add")
    parser.add_argument("--combine", nargs="+", metavar="READER.keras",
                        help="instead of training: write to --out one reader averaging these (same labels)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    from pathlib import Path

    if args.add:
        return _add(args)
    if args.combine:
        return _combine(args)
    if not (args.images and args.label_map and args.out):
        raise TodError("tod reader needs --images DIR, --label-map PBTXT and --out READER.keras "
                       "(or --add READER.keras --model EXPORT_DIR, or --combine READER.keras ... --out READER.keras)")
    if args.epochs < 1:
        raise TodError(f"--epochs must be >= 1, got {args.epochs}")
    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.training.model import quiet_tf_logs
    from tod_ros.training.reader import train_reader

    quiet_tf_logs()
    labels = read_label_map(args.label_map).names
    n, seconds = train_reader([Path(d) for d in args.images], labels, Path(args.out), args.epochs, args.seed,
                              progress=not args.quiet)
    print(f"wrote {args.out} (reads {', '.join(labels)}; {n} patches, {seconds:.0f} s)")
    return 0


def _combine(args):
    if not args.out or len(args.combine) < 2:
        raise TodError("--combine needs two readers or more and --out READER.keras")
    from tod_ros.training.model import quiet_tf_logs
    from tod_ros.training.reader import combine_readers

    quiet_tf_logs()
    n = combine_readers(args.combine, args.out)
    print(f"wrote {args.out}: the mean of {n} readers")
    return 0


def _add(args):
    from pathlib import Path

    from tod_ros import filenames
    from tod_ros.dataset.labelmap import read_label_map

    if not args.model:
        raise TodError("--add needs --model EXPORT_DIR (a folder written by 'tod export')")
    model = Path(args.model)
    if not (model / filenames.LABEL_MAP).is_file():
        raise TodError(f"{model}: no {filenames.LABEL_MAP}: give a folder written by 'tod export'")
    from tod_ros.training.model import quiet_tf_logs
    from tod_ros.training.reader import add_reader

    quiet_tf_logs()
    path = add_reader(args.add, model, read_label_map(model / filenames.LABEL_MAP).names)
    print(f"added {path} (and {filenames.READER_INFO})")
    return 0
