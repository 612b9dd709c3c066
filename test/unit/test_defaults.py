"""Every default is defined once: the CLI options, the YAML files and the verb help
derive from or restate unchanged the config dataclasses and commands._verbs.VERBS."""
import dataclasses
import importlib
from pathlib import Path

import pytest
import yaml

from tod_ros.cli import VERBS, build_parser
from tod_ros.evaluation.runner import EvalConfig
from tod_ros.detection import BACKENDS, DetectorConfig
from tod_ros.detection.config import LIVE_PARAMS

REPO = Path(__file__).resolve().parents[2]


def parse(verb, *argv):
    """The parsed options of ``tod <verb> <argv>`` (the defaults of every option not given)."""
    argv = [verb, *argv]
    return build_parser(argv).parse_args(argv)


DETECTOR_OPTIONS = ("backend", "score_threshold", "threshold", "max_detections", "classes", "threads", "label_map")


def detector_defaults(verb):
    """The DetectorConfig whose values a verb's detector options default to."""
    from tod_ros.commands import detect, evaluate, prelabel

    return {"detect": detect.DEFAULTS, "eval": evaluate.DEFAULTS.detector, "prelabel": prelabel.DEFAULTS.detector}[verb]


@pytest.mark.parametrize("verb", ["detect", "eval", "prelabel"])
def test_one_detector_vocabulary(verb):
    """tod detect, eval and prelabel name the detector's settings alike, and default to a DetectorConfig."""
    from tod_ros.commands._common import detector_config_of

    args, d = parse(verb), detector_defaults(verb)
    assert all(hasattr(args, name) for name in DETECTOR_OPTIONS)
    assert {p.name for p in LIVE_PARAMS} <= set(DETECTOR_OPTIONS)      # what dynparam shows, under the same names
    assert (args.backend, args.max_detections, args.threads) == (d.backend, d.max_detections, d.num_threads)
    cfg = detector_config_of(args, d, "m")
    assert cfg == dataclasses.replace(d, model_dir="m")
    assert detector_config_of(parse(verb, "-t", "30"), d, "m").score_threshold == 0.3
    assert detector_config_of(parse(verb, "--score-threshold", "0.3"), d, "m").score_threshold == 0.3
    with pytest.raises(SystemExit):
        parse(verb, "-t", "30", "--score-threshold", "0.3")


def test_the_tools_share_the_detector_nodes_defaults():
    node = DetectorConfig()
    for verb in ("detect", "eval", "prelabel"):
        d = detector_defaults(verb)
        assert (d.backend, d.score_threshold, d.num_threads) == (node.backend, node.score_threshold, node.num_threads)


def test_detect_options_make_a_detector_config():
    from tod_ros.commands.detect import detector_config

    cfg = detector_config(parse("detect", "-t", "30", "-n", "2", "--sorted"), "m")
    assert (cfg.model_dir, cfg.score_threshold, cfg.max_detections, cfg.sort) == ("m", 0.3, 2, "x")
    assert detector_config(parse("detect"), "m").sort == "score"       # the tutorial's order without --sorted
    assert detector_config(parse("detect", "--max-objects", "3"), "m").max_detections == 3


def test_eval_options_default_to_the_eval_config():
    args, d = parse("eval"), EvalConfig()
    assert (args.metrics_min_score, args.iou, args.worst) == (d.metrics_min_score, d.iou_threshold, d.worst)


def test_old_option_names_still_work():
    """Options renamed to the one vocabulary keep their old spelling (hidden from --help)."""
    assert parse("eval", "--error-score", "0.4").score_threshold == 0.4
    assert parse("eval", "--min-score", "0.2").metrics_min_score == 0.2
    assert parse("prelabel", "--min-score", "0.4").score_threshold == 0.4


def test_synth_options_default_to_the_synth_config():
    from tod_ros.dataset.synth import SynthConfig

    args, d = parse("synth"), SynthConfig()
    assert args.size == f"{d.width}x{d.height}"
    assert (args.scale, args.min_cubes, args.max_cubes, args.format, args.split) == (
        d.scale, d.min_cubes, d.max_cubes, d.image_format, d.split)
    assert (tuple(args.tables.split(",")), args.backgrounds) == (d.tables, d.backgrounds)


def test_prelabel_options_default_to_the_prelabel_config():
    from tod_ros.evaluation.proposals import PrelabelConfig

    assert parse("prelabel").check_below == PrelabelConfig().check_below


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


def test_the_coordinator_sends_every_cube_the_detector_reports_by_default():
    """docs/ros.md "Two score thresholds": the detector's threshold decides (live); the coordinator's
    is an optional robot-side filter, off by default."""
    from tod_ros.coordinator import CoordinatorConfig

    assert CoordinatorConfig().score_threshold == 0.0


def test_the_protocol_names_are_defined_once():
    from tod_ros.coordinator import CoordinatorConfig
    from tod_ros.protocol import LABEL, ROBOT_READY, TAKE_IMAGE
    from tod_ros.sim_robot import SimRobotConfig

    for cfg in (CoordinatorConfig(), SimRobotConfig()):
        assert (cfg.take_image_param, cfg.robot_ready_param, cfg.label_param) == (TAKE_IMAGE, ROBOT_READY, LABEL)
    values = yaml.safe_load((REPO / "config" / "protocol.yaml").read_text())
    assert values == {"take_image_param": TAKE_IMAGE, "robot_ready_param": ROBOT_READY, "label_param": LABEL}
    for launch in ("detect.launch", "sim_robot.launch"):
        text = (REPO / "launch" / launch).read_text()
        assert "config/protocol.yaml" in text, launch
        assert not any(name in text for name in (f'"{TAKE_IMAGE}"', f'"{ROBOT_READY}"', f'"{LABEL}"')), launch
