"""The import graph of docs/architecture.md ("Who imports whom"), read from the source: no cycle, and
no module importing a layer above its own. A new module must be given a layer here (and in the doc)."""
import pytest

from source_tree import MODULES, cycles, import_graph, within

# Bottom to top. A module may import its own layer (without a cycle) and the layers below.
LAYERS = (
    ("neutral", ("tod_ros.errors", "tod_ros.fileio", "tod_ros.filenames", "tod_ros.progress", "tod_ros.resources",
                 "tod_ros.imaging", "tod_ros.imageops", "tod_ros.workspace", "tod_ros.capture", "tod_ros.nativelog",
                 "tod_ros.protocol")),
    ("data", ("tod_ros.dataset", "tod_ros.geometry")),
    ("detection", ("tod_ros.detection",)),
    ("library", ("tod_ros.training", "tod_ros.evaluation", "tod_ros.coordinator", "tod_ros.detector_link",
                 "tod_ros.sim_robot", "tod_ros.sim_table", "tod_ros.vision", "tod_ros.doctor")),
    ("ros", ("tod_ros.ros",)),
    ("adapters", ("tod_ros.nodes", "tod_ros.commands")),
    ("cli", ("tod_ros.cli",)),
)
PACKAGES_ONLY = {"tod_ros"}     # the package root: it imports none of the package, every layer may name it


def layer_of(module):
    """The index of ``module``'s layer in :data:`LAYERS`, or None."""
    found = [i for i, (_, prefixes) in enumerate(LAYERS) if within(module, *prefixes)]
    return found[0] if found else None


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_every_module_has_a_layer():
    assert [m for m in MODULES if m not in PACKAGES_ONLY and layer_of(m) is None] == []


def test_no_import_cycle(graph):
    assert cycles(graph) == []


def test_nothing_imports_upwards(graph):
    up = [f"{m} ({LAYERS[layer_of(m)][0]}) imports {i} ({LAYERS[layer_of(i)][0]})"
          for m, imported in sorted(graph.items()) if m not in PACKAGES_ONLY
          for i in sorted(imported) if i not in PACKAGES_ONLY and layer_of(i) > layer_of(m)]
    assert up == []


def test_the_checks_catch_a_cycle_and_an_upward_import():
    """The checks themselves: a made-up graph with both faults is caught."""
    fake = {"tod_ros.errors": {"tod_ros.dataset.voc"}, "tod_ros.dataset.voc": {"tod_ros.errors"}}
    assert cycles(fake) == [["tod_ros.dataset.voc", "tod_ros.errors"]]
    assert layer_of("tod_ros.dataset.voc") > layer_of("tod_ros.errors")


def test_the_package_root_imports_none_of_the_package(graph):
    assert graph["tod_ros"] == set()
