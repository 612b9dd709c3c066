"""How a user's label map is compared with the model's own (tod eval / tod detect --label-map)."""
import pytest

from dataset_helpers import cubes_label_map
from tod_ros.dataset.labelmap import LabelMap, LabelItem, write_label_map
from tod_ros.errors import TodError
from tod_ros.detection.model_files import check_label_map, compare_label_maps, resolve_model

OWN = cubes_label_map()


def _lm(*pairs):
    return LabelMap([LabelItem(i, n) for i, n in pairs])


def test_same_map_agrees():
    assert compare_label_maps(_lm((1, "one"), (2, "two")), OWN) == ([], [])


def test_swapped_ids_conflict():
    conflicts, _ = compare_label_maps(_lm((1, "two"), (2, "one")), OWN)
    assert conflicts == ["'one' is id 2 there but id 1 in the model", "'two' is id 1 there but id 2 in the model"]


def test_renamed_missing_and_extra_ids_warn():
    conflicts, warnings = compare_label_maps(_lm((1, "un"), (3, "trois")), OWN)
    assert conflicts == []
    assert any("the model's 'one' is scored as 'un'" in w for w in warnings)
    assert any("id 2 ('two') is missing" in w for w in warnings)
    assert any("id(s) 3 are unknown to the model" in w for w in warnings)


def test_resolve_model_refuses_swapped_ids_before_loading_anything(tmp_path):
    model = tmp_path / "exported"
    model.mkdir()
    write_label_map(model / "label_map.pbtxt", OWN)
    write_label_map(tmp_path / "swapped.pbtxt", _lm((1, "two"), (2, "one")))
    with pytest.raises(TodError, match="disagrees with the model's own"):
        resolve_model(str(model), str(tmp_path / "swapped.pbtxt"))


def test_no_own_label_map_nothing_to_check(tmp_path):
    write_label_map(tmp_path / "given.pbtxt", _lm((1, "two"), (2, "one")))
    seen = []
    check_label_map(tmp_path / "given.pbtxt", tmp_path / "absent.pbtxt", seen.append)
    assert seen == []


def test_an_old_export_with_a_reader_is_named_once_and_still_opens(tmp_path):
    """An export of an older version still carries reader.tflite: the tools say it is not used."""
    from tod_ros.detection.model_files import old_files_notice

    model = tmp_path / "old"
    model.mkdir()
    (model / "label_map.pbtxt").write_text("item { id: 1 name: 'one' }\n")
    assert old_files_notice(model) == ""
    (model / "reader.tflite").write_bytes(b"old")
    warnings = []
    assert resolve_model(str(model), warn=warnings.append) == (model, model / "label_map.pbtxt")
    assert len(warnings) == 1 and "reader.tflite is the second stage of an older tod_ros and is not used" in warnings[0]
    assert "re-export" in old_files_notice(model)
