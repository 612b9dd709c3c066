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


# Written by labelimgplusplus 3.5.0 itself under Xvfb (Debian 12, Python 3.11, 2026-11-27): a box drawn
# with W on a colour 640x480 JPEG and saved with Ctrl+S, and a pre-annotation (database 'tod prelabel')
# of a grey PNG verified with Space. Writer: libs/formats/pascal_voc_io.py (PascalVocWriter): absolute
# <path>, database 'Unknown' on every save, depth 1 when Qt finds the image grey, verified="yes".
LABELIMGPP_DRAWN = """<annotation>
\t<folder>imgs2</folder>
\t<filename>c.jpg</filename>
\t<path>/tmp/lt/imgs2/c.jpg</path>
\t<source>
\t\t<database>Unknown</database>
\t</source>
\t<size>
\t\t<width>640</width>
\t\t<height>480</height>
\t\t<depth>3</depth>
\t</size>
\t<segmented>0</segmented>
\t<object>
\t\t<name>one</name>
\t\t<pose>Unspecified</pose>
\t\t<truncated>0</truncated>
\t\t<difficult>0</difficult>
\t\t<bndbox>
\t\t\t<xmin>249</xmin>
\t\t\t<ymin>47</ymin>
\t\t\t<xmax>378</xmax>
\t\t\t<ymax>176</ymax>
\t\t</bndbox>
\t</object>
</annotation>
"""
LABELIMGPP_VERIFIED = LABELIMGPP_DRAWN.replace("<annotation>", '<annotation verified="yes">', 1).replace(
    "<depth>3</depth>", "<depth>1</depth>").replace("c.jpg", "a.png")


@pytest.mark.parametrize("text, verified", [(LABELIMGPP_DRAWN, False), (LABELIMGPP_VERIFIED, True)])
def test_reads_labelimgplusplus_files_absolute_path_depth_1_verified(tmp_path, text, verified):
    name = "a.png" if verified else "c.jpg"
    make_image(tmp_path / name, 640, 480)
    (tmp_path / "x.xml").write_text(text)
    ann = read_voc(tmp_path / "x.xml")
    assert (ann.filename, ann.width, ann.height, ann.verified, ann.database) == (name, 640, 480, verified, "Unknown")
    assert ann.objects == [VocObject("one", 249, 47, 378, 176)]
    assert find_image(ann) == tmp_path / name          # the absolute <path> of another machine is not used
    back = read_voc(write_voc(tmp_path / "y.xml", ann))   # our writer keeps what theirs wrote
    assert (back.objects, back.verified, back.database, back.depth) == (ann.objects, verified, "Unknown", ann.depth)


def test_missing_segmented_source_depth_and_float_coordinates(tmp_path):
    (tmp_path / "m.xml").write_text("<annotation><filename>m.png</filename><size><width>64</width><height>48"
                                    "</height></size><object><name>two</name><bndbox><xmin>1.5</xmin><ymin>2.25"
                                    "</ymin><xmax>30.75</xmax><ymax>40</ymax></bndbox></object></annotation>")
    ann = read_voc(tmp_path / "m.xml")
    assert (ann.depth, ann.database, ann.verified) == (3, "", False)
    assert ann.objects == [VocObject("two", 1.5, 2.25, 30.75, 40)]


def test_our_files_read_by_labelimgplusplus_own_reader(tmp_path):
    """What tod writes (plain and pre-annotation) is read back by the annotator's PascalVocReader."""
    pascal_voc_io = pytest.importorskip("libs.formats.pascal_voc_io", reason="labelimgplusplus not installed")
    from tod_ros.dataset.prelabel import pre_annotation

    ann = pre_annotation("p.png", 64, 48, [("one", 0.9, (1.4, 2.6, 30.2, 40.9)), ("two", 0.2, (5, 5, 9, 9))],
                         score_threshold=0.5)
    reader = pascal_voc_io.PascalVocReader(str(write_voc(tmp_path / "p.xml", ann)))
    assert reader.get_shapes() == [("one", [(1, 3), (30, 3), (30, 41), (1, 41)], None, None, False, "rectangle")]
    assert reader.verified is False


def test_labelimgplusplus_writer_round_trip(tmp_path):
    """Files written by the annotator's own PascalVocWriter (libs/formats/pascal_voc_io.py) read back exactly."""
    pascal_voc_io = pytest.importorskip("libs.formats.pascal_voc_io", reason="labelimgplusplus not installed")
    writer = pascal_voc_io.PascalVocWriter("imgs", "w.png", [48, 64, 1], local_img_path=str(tmp_path / "w.png"))
    writer.add_bnd_box(1, 2, 30, 40, "one", 0)
    writer.add_bnd_box(33, 1, 64, 48, "two", 1)
    writer.verified = True
    writer.save(target_file=str(tmp_path / "w.xml"))
    ann = read_voc(tmp_path / "w.xml")
    assert (ann.width, ann.height, ann.depth, ann.verified, ann.database) == (64, 48, 1, True, "Unknown")
    # their writer sets <truncated> when a side is at 1 or at the image border
    assert ann.objects == [VocObject("one", 1, 2, 30, 40, truncated=True),
                           VocObject("two", 33, 1, 64, 48, difficult=True, truncated=True)]
