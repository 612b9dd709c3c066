"""The code layout rules of docs/architecture.md, checked on the source (ast) and by importing it.

Who may import whom, no rospy outside ``tod_ros.nodes`` and ``tod_ros.ros`` (commands: only inside
functions), ``nodes/`` holding only node mains, no TensorFlow at import time outside the modules
that exist to drive it, file-name literals only in ``tod_ros.filenames``, every config dataclass's
``validate()`` returning the config, and the size limits (modules < 400 lines, functions < 60 lines,
lines of Python <= 120 characters).
"""
import ast
import dataclasses
import importlib
import subprocess
import sys

import pytest

from source_tree import MODULES, PACKAGE, imports_of, within

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_LINE_CHARS = 120
# Modules that exist to drive TensorFlow: they may import it at module level (they are only ever
# imported from inside the functions that need them).
TF_MODULES = {"tod_ros.training.task", "tod_ros.training.augment"}
NEUTRAL = {"tod_ros.capture", "tod_ros.errors", "tod_ros.fileio", "tod_ros.filenames", "tod_ros.imageops",
           "tod_ros.imaging", "tod_ros.progress", "tod_ros.resources", "tod_ros.workspace"}
ROS_ONLY = ("rospy", "rosgraph", "roslaunch", "rosnode", "dynamic_reconfigure", "sensor_msgs", "std_msgs",
            "std_srvs")


ADAPTERS = ("tod_ros.nodes", "tod_ros.ros", "tod_ros.commands", "tod_ros.cli")


def _library(name):
    """Everything but the ROS wiring (node mains and ROS helpers), the command adapters and the CLI."""
    return not within(name, *ADAPTERS, "tod_ros.msg", "tod_ros.srv", "tod_ros.cfg")


# (importer prefix, forbidden imported prefixes, why)
RULES = [
    ("tod_ros.detection", ("tod_ros.training", "tod_ros.evaluation", "tod_ros.dataset.report"),
     "detection runs models: drawing/letterbox come from tod_ros.imageops"),
    ("tod_ros.dataset", ("tod_ros.training", "tod_ros.evaluation", "tod_ros.detection"),
     "data sets do not depend on models"),
    ("tod_ros.dataset.tfrecord", ("tod_ros.dataset.report", "tod_ros.dataset.convert"),
     "no cycle convert -> tfrecord -> report -> convert"),
    ("tod_ros.evaluation", ("tod_ros.training",), "evaluation runs exported models only"),
    ("tod_ros.training", ("tod_ros.evaluation", "tod_ros.detection"),
     "training writes models (it does not run them) and does not depend on evaluation"),
    ("tod_ros.nodes", ("tod_ros.commands", "tod_ros.cli"), "nodes are ROS wiring over the library"),
    ("tod_ros.commands", ("tod_ros.nodes", "tod_ros.cli"),
     "commands import the ROS helpers of tod_ros.ros, never node mains; cli loads them by name (no cycle)"),
    ("tod_ros.training.quantize", ("tod_ros.training.export",), "export imports quantize: the shared part is tflite"),
    ("tod_ros.training.tflite", ("tod_ros.training.export", "tod_ros.training.quantize"),
     "export and quantize import tflite, never the other way round"),
    ("tod_ros.training.start", ("tod_ros.training.trainer",), "where training starts does not need the loop"),
    ("tod_ros.training.score_calibration", ("tod_ros.training.trainer",), "calibration does not need the loop"),
    ("tod_ros.ros", ("tod_ros.nodes", "tod_ros.commands", "tod_ros.cli"),
     "ROS helpers serve the nodes and the commands, over the library"),
]


@pytest.mark.parametrize("importer, forbidden, why", RULES, ids=[r[0] for r in RULES])
def test_import_rules(importer, forbidden, why):
    bad = [f"{name} imports {imp}" for name, path in MODULES.items() if within(name, importer)
           for imp in sorted(imports_of(path)) if within(imp, *forbidden)]
    assert bad == [], why


def test_library_never_imports_nodes_ros_commands_or_cli():
    bad = [f"{name} imports {imp}" for name, path in MODULES.items() if _library(name)
           for imp in sorted(imports_of(path)) if within(imp, *ADAPTERS)]
    assert bad == []


def test_neutral_modules_import_only_neutral_modules():
    bad = [f"{name} imports {imp}" for name in NEUTRAL for imp in sorted(imports_of(MODULES[name]))
           if within(imp, "tod_ros") and imp != "tod_ros" and not within(imp, *NEUTRAL)]
    assert bad == []


def test_no_ros_outside_the_nodes():
    """Library modules and the CLI never import rospy (nor other ROS client packages), even inside a function."""
    bad = [f"{name} imports {imp}" for name, path in MODULES.items() if _library(name) or name == "tod_ros.cli"
           for imp in sorted(imports_of(path)) if within(imp, *ROS_ONLY)]
    assert bad == []


def _module_level_imports(path):
    """The module names imported by the statements of a module that run at its import (not in functions)."""
    out, todo = set(), list(ast.parse(path.read_text(encoding="utf-8")).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        todo.extend(ast.iter_child_nodes(node))
    return out


def test_commands_import_ros_only_inside_functions():
    """``tod --help`` and the verbs that need no robot run without ROS: a command imports rospy (or
    ``tod_ros.ros``) inside the function that talks to the robot."""
    bad = [f"{name} imports {imp}" for name, path in MODULES.items() if within(name, "tod_ros.commands")
           for imp in sorted(_module_level_imports(path)) if within(imp, *ROS_ONLY, "tod_ros.ros")]
    assert bad == []


def test_nodes_hold_only_node_mains(repo):
    """Every module of ``tod_ros.nodes`` is the ``main()`` of an executable in nodes/ (helpers: tod_ros.ros)."""
    run = {f"tod_ros.nodes.{line.split()[1].rsplit('.', 1)[-1]}" for exe in (repo / "nodes").iterdir()
           for line in exe.read_text(encoding="utf-8").splitlines()
           if line.startswith("from tod_ros.nodes.") and line.endswith(" import main")}
    assert {n for n in MODULES if within(n, "tod_ros.nodes") and n != "tod_ros.nodes"} == run


def test_importing_the_library_imports_neither_tensorflow_nor_rospy():
    names = sorted(n for n in MODULES if _library(n) and n not in TF_MODULES and n != "tod_ros.dataset.annotate_app")
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "    bad = [m for m in ('tensorflow', 'rospy') if m in sys.modules]\n"
            "    assert not bad, f'importing {name} imported {bad}'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_file_names_are_defined_in_tod_ros_filenames():
    from tod_ros import filenames

    literals = {v for k, v in vars(filenames).items() if k.isupper()}
    bad = []
    for name, path in MODULES.items():
        if name == "tod_ros.filenames":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in literals:
                bad.append(f"{name}:{node.lineno}: {node.value!r}")
    assert bad == []


def _config_classes():
    for name in MODULES:
        if not _library(name) and not within(name, "tod_ros.nodes"):
            continue
        if name in TF_MODULES or name == "tod_ros.dataset.annotate_app" or within(name, "tod_ros.nodes"):
            continue
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == name
                    and hasattr(obj, "validate")):
                yield obj


def _valid_instance(cls):
    """An instance whose validate() passes: defaults, plus the required paths some configs need."""
    for extra in ({}, {"model_dir": "m"}, {"image_dir": "x"}, {"out_dir": "x"}):
        try:
            obj = cls(**{k: v for k, v in extra.items() if k in {f.name for f in dataclasses.fields(cls)}})
            obj.validate()
            return obj
        except Exception:
            continue
    pytest.skip(f"{cls.__name__}: no valid default instance")


CONFIGS = sorted(set(_config_classes()), key=lambda c: c.__qualname__)


@pytest.mark.parametrize("cls", CONFIGS, ids=[c.__name__ for c in CONFIGS])
def test_every_config_validate_returns_the_config(cls):
    """One convention for the config dataclasses: ``validate()`` raises on bad values and returns
    the config itself, so ``cfg = Config(...).validate()`` works everywhere."""
    obj = _valid_instance(cls)
    assert obj.validate() is obj


def test_modules_and_functions_stay_small():
    too_long = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines (max {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {lines} lines (max {MAX_FUNCTION_LINES})")
    assert too_long == []


def _is_python_script(path):
    with open(path, "rb") as f:
        return f.readline().startswith(b"#!/usr/bin/env python")


def _python_files(repo):
    """The package, the tests and the Python executables (bench/, scripts/, nodes/, tools/)."""
    files = list(PACKAGE.rglob("*.py")) + list((repo / "test").rglob("*.py"))
    for folder in ("bench", "scripts", "nodes", "tools"):
        for path in sorted((repo / folder).glob("*")):
            if path.is_file() and (path.suffix == ".py" or _is_python_script(path)):
                files.append(path)
    return files


def test_python_lines_stay_readable(repo):
    too_wide = [f"{path.relative_to(repo)}:{i}: {len(line)} characters (max {MAX_LINE_CHARS})"
                for path in _python_files(repo)
                for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if len(line) > MAX_LINE_CHARS]
    assert too_wide == []


def test_bench_never_imports_the_tests(repo):
    """bench/ stands on its own: no test/ helper module imported, no test/ folder put on sys.path."""
    helpers = {p.stem for p in (repo / "test").glob("*.py")}
    bad = []
    for path in _python_files(repo):
        if path.parent != repo / "bench":
            continue
        text = path.read_text(encoding="utf-8")
        bad += [f"{path.name} imports {imp}" for imp in sorted(imports_of(path)) if imp.split(".")[0] in helpers]
        bad += [f"{path.name} puts test/ on sys.path" for line in text.splitlines()
                if "sys.path" in line and '"test"' in line]
    assert bad == []
