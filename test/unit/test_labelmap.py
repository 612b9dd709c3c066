"""label_map.pbtxt: TOD text format written and parsed back; inconsistent maps are errors naming the file."""
import pytest

from tod_ros.dataset.labelmap import LabelMap, label_map_for, parse_label_map, read_label_map, write_label_map
from tod_ros.errors import TodError


def test_from_names_ids_and_lookups():
    lm = LabelMap.from_names(["one", "two"])
    assert lm.names == ["one", "two"] and lm.num_classes == 2
    assert (lm.id_of("two"), lm.name_of(1)) == (2, "one")
    with pytest.raises(TodError, match="unknown label 'three'"):
        lm.id_of("three")
    with pytest.raises(TodError, match="unknown class id 7"):
        lm.name_of(7)


def test_written_text_is_the_tutorial_format_and_reads_back(tmp_path):
    path = write_label_map(tmp_path / "label_map.pbtxt", LabelMap.from_names(["one", "two"]))
    assert path.read_text() == "item {\n  id: 1\n  name: 'one'\n}\nitem {\n  id: 2\n  name: 'two'\n}\n"
    assert read_label_map(path) == LabelMap.from_names(["one", "two"])


def test_parser_accepts_quotes_comments_display_name_and_unknown_fields():
    text = """
    # classes of the cubes project
    item {
      name: "two"   # double quotes
      id: 2
      display_name: 'Deux'
    }
    item { id: 1; name: 'one' keypoints { id: 0 label: "x" } }
    item: < id: 5 name: 'it\\'s' >
    """
    lm = parse_label_map(text, "x.pbtxt")
    assert lm.names == ["one", "two", "it's"] and lm.ids == [1, 2, 5]
    assert lm.items[1].display_name == "Deux" and lm.max_id == 5 and lm.num_classes == 3


@pytest.mark.parametrize("text, reason", [
    ("item { id: 1 name: 'a' } item { id: 1 name: 'b' }", "duplicate id 1"),
    ("item { id: 1 name: 'a' } item { id: 2 name: 'a' }", "duplicate name 'a'"),
    ("item { id: 0 name: 'a' }", "id 0 is not allowed"),
    ("item { id: -3 name: 'a' }", "id -3 is not allowed"),
    ("item { id: 1 }", "missing name"),
    ("item { name: 'a' }", "item without id"),
    ("item { id: 'x' name: 'a' }", "id must be an integer"),
    ("item { id: 1 name: 'a' ", "unexpected end of file"),
    ("item { id: 1 name: 'a' } }", "unexpected '}'"),
    ("label { id: 1 name: 'a' }", "unexpected top-level field 'label'"),
    ("# nothing\n", "no item"),
    ("item { id: 1 name: 'a' } @", "unexpected character '@'"),
])
def test_inconsistent_or_malformed_maps_name_the_file(tmp_path, text, reason):
    path = tmp_path / "bad_map.pbtxt"
    path.write_text(text)
    with pytest.raises(TodError, match=reason) as info:
        read_label_map(path)
    assert str(path) in str(info.value)


def test_missing_file_named():
    with pytest.raises(TodError, match="nope.pbtxt: cannot read label map"):
        read_label_map("/nonexistent/nope.pbtxt")


def test_stable_order_existing_then_config_then_sorted():
    existing = LabelMap.from_names(["two", "one"])
    assert label_map_for({"one", "two"}, existing=existing) is existing
    assert label_map_for({"one", "two"}, names=["two", "one", "two"]).names == ["two", "one"]
    assert label_map_for({"two", "one"}).names == ["one", "two"]
