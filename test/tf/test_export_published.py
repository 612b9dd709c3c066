"""The shipped pre-trained checkpoint (models/cubes_base, written by tod_ros.training.zoo without the
trainer's ``model/`` prefix) is read the export way: `tod export --model-dir models/cubes_base` works."""
import numpy as np
import pytest

from tod_ros import resources
from tod_ros.training.export import build_detection_module, load_trained

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.tf


def test_the_published_checkpoint_builds_the_export_module_with_its_weights():
    config, labels, prefix = load_trained(resources.model_dir(resources.BASE_MODEL))
    module = build_detection_module(config, labels, prefix)
    stored = tf.train.load_checkpoint(prefix)
    names = [n for n in stored.get_variable_to_shape_map() if n.startswith("backbone/") and "kernel" in n]
    assert names
    kernel = next(v for v in module.model.backbone.weights if "kernel" in v.name)
    assert any(np.array_equal(stored.get_tensor(n), kernel.numpy()) for n in names), kernel.name
