"""tod train: train a detector with TensorFlow Model Garden (see docs/training.md).

``tod train -p cubes`` works with no config: paths come from the project layout, and training
fine-tunes the shipped pre-trained cube checkpoint (``tod_ros.training.start``). Overrides:
``--config FILE`` (YAML) and ``key=value`` (positional or ``--set key=value``), in that order.
"""
from tod_ros.commands._common import add_project_args, project_from


def add_arguments(parser):
    add_project_args(parser)
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="YAML file of overrides (see config/train.yaml), or a shipped preset by name: "
                             "pretrain_synthetic, finetune_real (docs/quality.md)")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="set_items",
                        help="override one config key (repeatable); same as a positional KEY=VALUE")
    parser.add_argument("--model-dir", default=None, help="checkpoint folder (default: training/<project>/model)")
    parser.add_argument("--from-scratch", action="store_true",
                        help="random initial weights instead of the shipped pre-trained checkpoint")
    parser.add_argument("--fresh", action="store_true",
                        help="start a new run even when the model folder holds one on the same data "
                             "(that run is moved to <model folder>.previous; other data does this by itself)")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="config overrides, e.g. num_steps=2000 batch_size=8")


def run(args):
    import dataclasses

    from tod_ros.training.config import explicit_keys, load_config
    from tod_ros.training.start import prepare

    items = list(args.overrides) + list(args.set_items)
    if args.model_dir:
        items.append(f"model_dir={args.model_dir}")
    config = load_config(args.config, items)
    project = project_from(args)
    explicit = explicit_keys(args.config, items)
    if args.print_config:
        import yaml

        from tod_ros.errors import TodError
        try:
            start = prepare(config, project, explicit, args.from_scratch, preset_applied=bool(args.config))
            config = start.config
            print(f"# {start.message}")
        except TodError as exc:
            print(f"# start point not resolved: {exc}")
        print(yaml.safe_dump(dataclasses.asdict(config), sort_keys=False), end="")
        return 0
    start = prepare(config, project, explicit, args.from_scratch, preset_applied=bool(args.config))
    from tod_ros.training.trainer import train

    train(start.config, project=project, start_message=start.message, fresh=args.fresh)
    return 0
