"""Reading labelImg / Pascal VOC XML: by tag name, hardened parser, image lookup, header-only sizes."""

import cv2
import numpy as np
import pytest

from dataset_helpers import make_image, make_pair, real_cubes_or_skip
from tod_ros.dataset.imagesize import read_image_info
from tod_ros.dataset.voc import VocAnnotation, VocObject, find_image, read_folder, read_voc, write_voc
from tod_ros.errors import TodError

REORDERED = """<?xml version="1.0"?>
<annotation verified="yes">
  <object>
    <bndbox><ymax>40.5</ymax><xmax>30</xmax><ymin>6.25</ymin><xmin>5</xmin></bndbox>
    <extra>ignored</extra>
    <name> one </name>
  </object>
  <size><depth>3</depth><height>48</height><width>64</width></size>
  <filename>a.png</filename>
  <object><difficult>1</difficult><name>two</name><truncated>1</truncated>
    <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>
</annotation>
"""


def test_fields_found_by_tag_name_with_floats_and_optional_flags(tmp_path):
    xml = tmp_path / "a.xml"
    xml.write_text(REORDERED)
    ann = read_voc(xml)
    assert ann.xml_path == xml
    assert (ann.filename, ann.width, ann.height, ann.depth) == ("a.png", 64, 48, 3)
    assert ann.objects[0] == VocObject("one", 5.0, 6.25, 30.0, 40.5, difficult=False, truncated=False)
    assert ann.objects[1] == VocObject("two", 1.0, 2.0, 3.0, 4.0, difficult=True, truncated=True)


def test_write_then_read_round_trip_and_negative_example(tmp_path):
    ann = VocAnnotation("x.jpg", 640, 480, objects=[VocObject("one", 1.5, 2, 300, 400, difficult=True)])
    back = read_voc(write_voc(tmp_path / "x.xml", ann))
    assert back.objects == ann.objects and (back.width, back.height) == (640, 480)
    empty = read_voc(write_voc(tmp_path / "y.xml", VocAnnotation("y.jpg", 64, 48)))
    assert empty.objects == []


def test_read_folder_sorted_by_file_name(tmp_path):
    for stem in ("b", "a", "c"):
        make_pair(tmp_path, stem, [("one", 1, 1, 5, 5)])
    assert [a.xml_path.name for a in read_folder(tmp_path)] == ["a.xml", "b.xml", "c.xml"]


def test_real_cubes_xml(tmp_path):
    src = real_cubes_or_skip()
    anns = read_folder(src)
    assert len(anns) == 12
    ergo = next(a for a in anns if a.filename == "ergo_cubes_212_1.png")
    assert [o.name for o in ergo.objects] == ["two", "one", "two"]
    assert (ergo.objects[0].xmin, ergo.objects[0].ymax) == (31, 270)
    for a in anns:
        w, h, fmt = read_image_info(find_image(a))
        assert (w, h) == (a.width, a.height)
        assert fmt == ("png" if a.filename.endswith(".png") else "jpeg")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<annotation><filename>&lol9;</filename></annotation>
"""


def test_billion_laughs_rejected_quickly_naming_the_file(tmp_path):
    xml = tmp_path / "evil.xml"
    xml.write_text(BILLION_LAUGHS)
    with pytest.raises(TodError, match=r"evil\.xml: rejected") as info:
        read_voc(xml)
    assert len(str(info.value)) < 500


def test_external_entity_rejected_and_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xml = tmp_path / "xxe.xml"
    xml.write_text(f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]>'
                   "<annotation><filename>&x;</filename></annotation>")
    with pytest.raises(TodError, match=r"xxe\.xml: rejected") as info:
        read_voc(xml)
    assert "TOPSECRET" not in str(info.value)


@pytest.mark.parametrize("body, reason", [
    ("<annotation><filename>a.png</filename>", "not well-formed"),
    ("<annotation><size><width>4</width></size></annotation>", "missing or empty <filename>"),
    ("<voc><filename>a.png</filename></voc>", "expected <annotation>"),
    ("<annotation><filename>a.png</filename><object><name>one</name><bndbox><xmin>1</xmin><ymin>x</ymin>"
     "<xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>", r"object 1 \('one'\): <ymin> is not a number"),
    ("<annotation><filename>a.png</filename><object><name>one</name></object>"
     "<object><name></name><bndbox/></object></annotation>", r"object 1 \('one'\): missing <bndbox>"),
    ("<annotation><filename>a.png</filename><object><name>one</name><bndbox><xmin>1</xmin><ymin>2</ymin>"
     "<xmax>3</xmax></bndbox></object></annotation>", r"object 1 \('one'\): missing <ymax>"),
])
def test_bad_xml_names_file_and_reason(tmp_path, body, reason):
    xml = tmp_path / "bad.xml"
    xml.write_text(body)
    with pytest.raises(TodError, match=reason) as info:
        read_voc(xml)
    assert str(xml) in str(info.value)


def test_image_found_by_filename_path_or_xml_stem_never_outside(tmp_path):
    data = tmp_path / "data"
    make_image(data / "img.png")
    make_image(tmp_path / "outside.png")
    ann = lambda **kw: VocAnnotation(width=64, height=48, xml_path=data / "img.xml", **kw)  # noqa: E731
    assert find_image(ann(filename="img.png")) == data / "img.png"
    assert find_image(ann(filename="gone.png", path="img.png")) == data / "img.png"
    assert find_image(ann(filename="img")) == data / "img.png"             # old labelImg: no extension
    assert find_image(ann(filename="renamed.jpg")) == data / "img.png"     # XML's stem
    other = VocAnnotation("../outside.png", 64, 48, path=str(tmp_path / "outside.png"), xml_path=data / "zz.xml")
    assert find_image(other) is None
    assert find_image(VocAnnotation("/etc/passwd", 1, 1, xml_path=data / "zz.xml")) is None


def test_header_only_sizes_png_jpeg_progressive_and_bmp(tmp_path):
    img = np.zeros((37, 53, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), img)
    cv2.imwrite(str(tmp_path / "b.jpg"), img)
    cv2.imwrite(str(tmp_path / "c.jpg"), img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    cv2.imwrite(str(tmp_path / "d.bmp"), img)
    cv2.imwrite(str(tmp_path / "e.png"), img[:, :, 0])
    assert read_image_info(tmp_path / "a.png") == (53, 37, "png")
    assert read_image_info(tmp_path / "b.jpg") == (53, 37, "jpeg")
    assert read_image_info(tmp_path / "c.jpg") == (53, 37, "jpeg")
    assert read_image_info(tmp_path / "d.bmp") == (53, 37, "bmp")
    assert read_image_info(tmp_path / "e.png") == (53, 37, "png")
    (tmp_path / "z.png").write_bytes(b"not an image at all")
    with pytest.raises(TodError, match=r"z\.png: not a PNG, JPEG or BMP"):
        read_image_info(tmp_path / "z.png")
    (tmp_path / "t.jpg").write_bytes((tmp_path / "b.jpg").read_bytes()[:40])
    with pytest.raises(TodError, match=r"t\.jpg: .*JPEG"):
        read_image_info(tmp_path / "t.jpg")
