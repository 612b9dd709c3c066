"""tod inspect <record>: class counts of a TFRecord; --draw N decoded examples with their boxes."""


def add_arguments(parser):
    parser.add_argument("record", help="TFRecord file, shard pattern (train.record-*) or sharded base name")
    parser.add_argument("--draw", type=int, default=0, metavar="N", help="draw the first N examples with their boxes")
    parser.add_argument("--out", default="inspect", metavar="DIR",
                        help="folder of the drawn PNG files (default ./inspect)")
    parser.add_argument("--label-map", default=None, metavar="FILE",
                        help="label_map.pbtxt to check the record's ids and names against")


def run(args):
    from tod_ros.dataset.tfrecord import draw_examples, record_stats

    stats = record_stats(args.record)
    print(f"{args.record}: {stats['images']} images ({stats['negatives']} without boxes), {stats['boxes']} boxes")
    for (cid, name), n in sorted(stats["classes"].items()):
        print(f"  {name} (id {cid}): {n}")
    print("  formats: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats["formats"].items())))
    print("  sizes: " + ", ".join(f"{w}x{h}: {n}" for (w, h), n in sorted(stats["sizes"].items())))
    status = 0
    if args.label_map:
        status = _check_ids(stats, args.label_map)
    if args.draw > 0:
        for p in draw_examples(args.record, args.draw, args.out):
            print(f"drew {p}")
    return status


def _check_ids(stats, path):
    import sys

    from tod_ros.dataset.labelmap import read_label_map

    lm = read_label_map(path)
    bad = [(cid, name) for cid, name in stats["classes"] if cid not in lm.ids or (name and lm.name_of(cid) != name)]
    for cid, name in bad:
        print(f"error: class {name!r} has id {cid} in the record but the label map {path} says "
              f"{lm.name_of(cid) if cid in lm.ids else 'nothing'} for that id", file=sys.stderr)
    return 1 if bad else 0
