"""Every default is defined once (issue 12.1): the CLI options, the YAML files and the verb help
derive from or restate unchanged the config dataclasses and commands._verbs.VERBS."""
import dataclasses
import importlib
from pathlib import Path

import pytest
import yaml

from tod_ros.cli import VERBS, build_parser
from tod_ros.evaluation.runner import EvalConfig
from tod_ros.inference import BACKENDS, DetectorConfig

REPO = Path(__file__).resolve().parents[2]


def parse(verb, *argv):
    """The parsed options of ``tod <verb> <argv>`` (the defaults of every option not given)."""
    argv = [verb, *argv]
    return build_parser(argv).parse_args(argv)


def test_detect_options_default_to_the_detector_config():
    args, d = parse("detect"), DetectorConfig()
    assert (args.max_objects, args.threshold / 100.0, args.threads) == (d.max_detections, d.score_threshold,
                                                                          d.num_threads)


def test_detect_options_make_a_detector_config():
    from tod_ros.commands.detect import detector_config

    cfg = detector_config(parse("detect", "-t", "30", "-n", "2", "--sorted"), "m")
    assert (cfg.model_dir, cfg.score_threshold, cfg.max_detections, cfg.sort) == ("m", 0.3, 2, "x")
    assert detector_config(parse("detect"), "m").sort == "score"       # the tutorial's order without --sorted


def test_eval_options_default_to_the_eval_config():
    args, d = parse("eval"), EvalConfig()
    assert {"backend": args.backend, "min_score": args.min_score, "max_detections": args.max_detections,
            "iou_threshold": args.iou, "error_score": args.error_score, "worst": args.worst,
            "num_threads": args.threads} == {k: getattr(d, k) for k in ("backend", "min_score", "max_detections",
                                                                        "iou_threshold", "error_score", "worst",
                                                                        "num_threads")}


def test_eval_error_score_and_threads_are_the_detectors():
    assert EvalConfig().error_score == DetectorConfig().score_threshold
    assert EvalConfig().num_threads == DetectorConfig().num_threads


def test_synth_options_default_to_the_synth_config():
    from tod_ros.dataset.synth import SynthConfig

    args, d = parse("synth"), SynthConfig()
    assert args.size == f"{d.width}x{d.height}"
    assert (args.scale, args.min_cubes, args.max_cubes, args.format, args.split) == (
        d.scale, d.min_cubes, d.max_cubes, d.image_format, d.split)
    assert (tuple(args.tables.split(",")), args.backgrounds) == (d.tables, d.backgrounds)


def test_prelabel_options_default_to_the_prelabel_config():
    from tod_ros.dataset.prelabel import PrelabelConfig

    args, d = parse("prelabel"), PrelabelConfig()
    assert (args.min_score, args.check_below, args.max_detections, args.backend) == (
        d.min_score, d.check_below, d.max_detections, d.backend)


def test_capture_options_default_to_the_capture_config():
    from tod_ros.capture import CaptureConfig

    args, d = parse("capture"), CaptureConfig()
    assert (args.project, args.prefix, args.service, args.timeout, args.retries, args.count, args.interval) == (
        d.project, d.prefix, d.service, d.service_timeout, d.retries, d.count, d.interval)


@pytest.mark.parametrize("verb", ["detect", "eval", "prelabel"])
def test_one_backend_list(verb):
    action = next(a for a in build_parser([verb])._subparsers._group_actions[0].choices[verb]._actions
                  if a.dest == "backend")
    assert tuple(action.choices) == BACKENDS


def test_detector_yaml_restates_the_dataclass_defaults():
    values = yaml.safe_load((REPO / "config" / "detector.yaml").read_text())
    defaults = DetectorConfig()
    assert values == {k: getattr(defaults, k) for k in values}


def test_train_yaml_example_values_are_the_dataclass_defaults():
    from tod_ros.training.config import TrainConfig

    values = yaml.safe_load((REPO / "config" / "train.yaml").read_text())
    defaults = {k: v for k, v in dataclasses.asdict(TrainConfig()).items()}
    assert {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()} == {
        k: list(defaults[k]) if isinstance(defaults[k], tuple) else defaults[k] for k in values}


def test_verb_help_is_defined_only_in_cli_verbs():
    for verb, (module_name, help_text) in VERBS.items():
        module = importlib.import_module(f"tod_ros.commands.{module_name}")
        assert not hasattr(module, "HELP"), f"tod_ros.commands.{module_name}.HELP: the help of '{verb}' is in cli.VERBS"
        assert help_text and "\n" not in help_text


def test_every_command_module_is_a_verb():
    modules = {p.stem for p in (REPO / "src" / "tod_ros" / "commands").glob("*.py") if not p.stem.startswith("_")}
    assert modules == {m for m, _ in VERBS.values()}


def test_seed_scripts_take_their_description_from_cli_verbs(capsys):
    from tod_ros.commands import xml_to_csv
    from tod_ros.commands._verbs import help_of

    with pytest.raises(SystemExit):
        xml_to_csv.main(["--help"])
    assert help_of(xml_to_csv) in " ".join(capsys.readouterr().out.split())


def test_split_and_report_options_default_to_the_library_constants():
    from tod_ros.dataset.report import SHEET_IMAGES
    from tod_ros.dataset.split import SEED, TEST_RATIO

    args = parse("split")
    assert (args.test_ratio, args.seed) == (TEST_RATIO, SEED)
    assert parse("report").max_images == SHEET_IMAGES


def test_the_coordinator_filters_at_the_detectors_threshold_by_default():
    """docs/ros.md "Two score thresholds": the coordinator's is a robot-side filter whose default is
    the detector's (one definition)."""
    from tod_ros.coordinator import CoordinatorConfig

    assert CoordinatorConfig().score_threshold == DetectorConfig().score_threshold
