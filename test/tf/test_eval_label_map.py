"""`tod eval --label-map` that disagrees with the model's own label map: swapped ids are
refused (they scored 0.000 without a word), a renaming is scored with a warning."""
import json
import re
import shutil

import pytest

from test_eval_detect import build_rect_model, run_tod, write_dataset

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("evallabelmap")
    return {"data": write_dataset(root / "test"), "model": build_rect_model(root / "model"), "root": root}


def _label_map(path, items):
    path.write_text("".join(f"item {{\n  id: {i}\n  name: '{n}'\n}}\n" for i, n in items))
    return path


def test_swapped_ids_are_refused(world, capsys):
    swapped = _label_map(world["root"] / "swapped.pbtxt", [(1, "two"), (2, "one")])
    js = world["root"] / "swapped.json"
    code, out, err = run_tod(capsys, "eval", "--model", world["model"], "--images", world["data"],
                             "--label-map", swapped, "--json", js)
    assert code == 1, out
    assert "disagrees with the model's own" in err and "'one' is id 2 there but id 1 in the model" in err
    assert not js.exists()


def test_renamed_labels_are_scored_with_a_warning(world, capsys, tmp_path):
    data = tmp_path / "renamed"
    shutil.copytree(world["data"], data)
    for xml in data.glob("*.xml"):
        xml.write_text(re.sub(r"<name>(one|two)</name>", lambda m: f"<name>{'un' if m.group(1) == 'one' else 'deux'}"
                              "</name>", xml.read_text()))
    renamed = _label_map(tmp_path / "fr.pbtxt", [(1, "un"), (2, "deux"), (3, "trois")])
    js = tmp_path / "fr.json"
    code, out, err = run_tod(capsys, "eval", "--model", world["model"], "--images", data, "--label-map", renamed,
                             "--json", js)
    assert code == 0, err
    assert "the model's 'one' is scored as 'un'" in err and "id(s) 3 are unknown to the model" in err
    assert json.loads(js.read_text())["mAP@0.5"] == pytest.approx(1.0)


def test_the_models_own_label_map_gives_no_warning(world, capsys):
    js = world["root"] / "own.json"
    code, out, err = run_tod(capsys, "eval", "--model", world["model"], "--images", world["data"],
                             "--label-map", world["model"] / "label_map.pbtxt", "--json", js)
    assert code == 0 and "warning" not in err
