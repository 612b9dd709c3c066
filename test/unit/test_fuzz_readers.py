"""Property-based fuzzing (hypothesis) of the VOC XML reader and the labels CSV reader.

Random and mutated inputs must give either a value or a :class:`TodError` naming the file, never
another exception (a traceback for the user). The sensor_msgs/Image -> BGR part of this fuzzing
lives with tod_ros.imaging's tests.
"""
import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis not installed (requirements.txt)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dataset_helpers import make_image  # noqa: E402
from tod_ros.dataset.csvio import read_csv  # noqa: E402
from tod_ros.dataset.validate import validate_annotations  # noqa: E402
from tod_ros.dataset.voc import VocAnnotation, VocObject, read_voc, to_xml  # noqa: E402
from tod_ros.errors import TodError  # noqa: E402

# no example database in the work tree; deterministic, bounded run time
FUZZ = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

VALID_XML = to_xml(VocAnnotation("a.png", 64, 48, objects=[VocObject("one", 5, 6, 30, 40.5),
                                                           VocObject("two", 1, 2, 3, 4, difficult=True)]))
VALID_CSV = ("filename,width,height,class,xmin,ymin,xmax,ymax\n"
             "a.png,64,48,one,5,6,30,40.5\na.png,64,48,two,1,2,3,4\nb.png,64,48,,,,,\n")
NASTY = st.sampled_from(["", " ", "-1", "0", "1e309", "-1e309", "inf", "nan", "NaN", "1e400", "99999999999999999999",
                         "3.5", "0x10", "&amp;", "<", "]]>", "\x00", "\ud800", "é", "../../etc/passwd", "/etc/passwd",
                         "a" * 300, "a/" * 200, "\n", ",", '"', "one", "two", "a.png", "<object>", "</annotation>"])


@pytest.fixture(scope="module")
def folder():
    path = Path(tempfile.mkdtemp(prefix="fuzz_"))
    make_image(path / "a.png", 64, 48)
    make_image(path / "b.png", 64, 48)
    yield path
    shutil.rmtree(path)


def mutate(text, data):
    """Apply 1-4 random edits: delete a slice, insert junk, swap in a nasty token, duplicate a slice."""
    for _ in range(data.draw(st.integers(1, 4))):
        n = len(text)
        i = data.draw(st.integers(0, n))
        j = data.draw(st.integers(i, min(n, i + 40)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + data.draw(st.one_of(NASTY, st.text(max_size=20))) + text[i:]
        elif kind == "replace":
            text = text[:i] + data.draw(NASTY) + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


def write(path, payload):
    if isinstance(payload, bytes):
        path.write_bytes(payload)
    else:
        path.write_bytes(payload.encode("utf-8", "surrogatepass"))
    return path


def read_and_validate_voc(xml):
    """What convert does with one XML file: read it, find and check its image."""
    try:
        ann = read_voc(xml)
        validate_annotations([ann], fix=False)
        validate_annotations([ann], fix=True)
    except TodError as exc:
        assert str(xml) in str(exc)


@FUZZ
@given(data=st.data())
def test_mutated_voc_xml_gives_a_value_or_a_tod_error(folder, data):
    read_and_validate_voc(write(folder / "m.xml", mutate(VALID_XML, data)))


@FUZZ
@given(payload=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_random_bytes_as_voc_xml(folder, payload):
    read_and_validate_voc(write(folder / "r.xml", payload))


@FUZZ
@given(fields=st.fixed_dictionaries({k: NASTY for k in ("filename", "width", "height", "depth", "name", "xmin",
                                                        "ymin", "xmax", "ymax", "difficult", "truncated", "path")}))
def test_nasty_field_values_in_voc_xml(folder, fields):
    from xml.sax.saxutils import escape

    f = {k: escape(v.replace("\x00", "").replace("\ud800", "?")) for k, v in fields.items()}
    text = (f"<annotation><filename>{f['filename']}</filename><path>{f['path']}</path><size><width>{f['width']}"
            f"</width><height>{f['height']}</height><depth>{f['depth']}</depth></size><object><name>{f['name']}"
            f"</name><difficult>{f['difficult']}</difficult><truncated>{f['truncated']}</truncated><bndbox>"
            f"<xmin>{f['xmin']}</xmin><ymin>{f['ymin']}</ymin><xmax>{f['xmax']}</xmax><ymax>{f['ymax']}</ymax>"
            "</bndbox></object></annotation>")
    read_and_validate_voc(write(folder / "n.xml", text))


def read_and_validate_csv(path, folder):
    try:
        anns = read_csv(path, folder)
        validate_annotations(anns, fix=True)
    except TodError as exc:
        assert str(path) in str(exc)


@FUZZ
@given(data=st.data())
def test_mutated_labels_csv_gives_a_value_or_a_tod_error(folder, data):
    read_and_validate_csv(write(folder / "m.csv", mutate(VALID_CSV, data)), folder)


@FUZZ
@given(payload=st.one_of(st.binary(max_size=300), st.text(max_size=300)),
       row=st.lists(NASTY, min_size=0, max_size=10))
def test_random_and_nasty_labels_csv(folder, payload, row):
    read_and_validate_csv(write(folder / "r.csv", payload), folder)
    header = "filename,width,height,class,xmin,ymin,xmax,ymax\n"
    line = ",".join('"' + v.replace('"', '""') + '"' for v in row)
    read_and_validate_csv(write(folder / "n.csv", header + line + "\n"), folder)


@pytest.mark.parametrize("filename", ["a" * 300 + ".png", "a/" * 2100 + "a.png"])
def test_image_names_the_system_refuses_are_not_found_not_a_crash(folder, filename):
    """Found by fuzzing: a 300-character <filename> made Path.is_file raise 'File name too long'."""
    xml = write(folder / "long.xml", f"<annotation><filename>{filename}</filename><size><width>64</width>"
                                     "<height>48</height></size></annotation>")
    clean, problems, _ = validate_annotations([read_voc(xml)])
    assert clean == [] and len(problems) == 1 and "not found" in problems[0]
