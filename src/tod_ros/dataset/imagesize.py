"""Image format and size from the file header (PNG, JPEG, BMP), a fast full-decode check, and the one
rule every tool and the detector node apply to an image before decoding it (:class:`ImageLimits`,
:func:`check_image_file`, :func:`read_image`).

Reading a 640x480 JPEG header takes microseconds where a full decode takes milliseconds.
:func:`check_decodes` decodes the whole compressed stream (JPEG at 1/8 scale: every byte is
still entropy-decoded, so truncation or a broken stream is found, in about 0.6 ms a 640x480 image):
a truncated JPEG has a valid header but stops training with ``jpeg::Uncompress failed``.
"""
import struct
from dataclasses import dataclass

from tod_ros.errors import TodError

# JPEG start-of-frame markers carrying the size (not DHT C4, JPG C8, DAC CC).
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# JPEG markers without a length field.
_STANDALONE = {0x01, 0xD8} | set(range(0xD0, 0xD8))


def image_format(head):
    """'png', 'jpeg' or 'bmp' from the first bytes of a file (magic bytes), else None."""
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:2] == b"BM":
        return "bmp"
    return None


def _png_size(fh, path):
    fh.seek(8)
    chunk = fh.read(16)
    if len(chunk) < 16 or chunk[4:8] != b"IHDR":
        raise TodError(f"{path}: corrupt PNG header (no IHDR chunk)")
    width, height = struct.unpack(">II", chunk[8:16])
    return width, height


def _jpeg_size(fh, path):
    fh.seek(2)
    while True:
        byte = fh.read(1)
        while byte and byte != b"\xff":          # garbage between segments
            byte = fh.read(1)
        while byte == b"\xff":                    # fill bytes
            byte = fh.read(1)
        if not byte:
            raise TodError(f"{path}: corrupt JPEG (no start-of-frame marker before end of file)")
        marker = byte[0]
        if marker in _STANDALONE:
            continue
        if marker == 0xD9:
            raise TodError(f"{path}: corrupt JPEG (end of image before start-of-frame)")
        raw = fh.read(2)
        if len(raw) < 2:
            raise TodError(f"{path}: truncated JPEG header")
        length = struct.unpack(">H", raw)[0]
        if marker in _SOF_MARKERS:
            data = fh.read(5)
            if len(data) < 5:
                raise TodError(f"{path}: truncated JPEG start-of-frame")
            height, width = struct.unpack(">HH", data[1:5])
            return width, height
        if length < 2:
            raise TodError(f"{path}: corrupt JPEG segment length")
        fh.seek(length - 2, 1)


def _bmp_size(fh, path):
    fh.seek(14)
    raw = fh.read(12)
    if len(raw) < 12:
        raise TodError(f"{path}: truncated BMP header")
    header_size = struct.unpack("<I", raw[:4])[0]
    if header_size == 12:
        width, height = struct.unpack("<HH", raw[4:8])
    else:
        width, height = struct.unpack("<ii", raw[4:12])
    return abs(width), abs(height)


_READERS = {"png": _png_size, "jpeg": _jpeg_size, "bmp": _bmp_size}


def read_image_info(path):
    """``(width, height, format)`` of the image at ``path`` from its header; TodError if unreadable."""
    try:
        with open(path, "rb") as fh:
            fmt = image_format(fh.read(8))
            if fmt is None:
                raise TodError(f"{path}: not a PNG, JPEG or BMP image (unknown magic bytes)")
            width, height = _READERS[fmt](fh, path)
    except OSError as exc:
        raise TodError(f"{path}: cannot read image ({exc.strerror or exc})") from exc
    if width <= 0 or height <= 0:
        raise TodError(f"{path}: image header gives an empty size {width}x{height}")
    return width, height, fmt


def check_decodes(path, fmt=None):
    """Raise :class:`TodError` naming ``path`` when its image data cannot be decoded (truncated, corrupt).

    JPEG is decoded at 1/8 scale (Pillow's draft mode): the compressed data is read to the end,
    the pixels are not upsampled, so the check costs a fraction of a full decode.
    """
    from PIL import Image

    try:
        with Image.open(path) as img:
            fmt = fmt or (img.format or "").lower()
            if img.format == "JPEG":
                img.draft("L", (max(1, img.width // 8), max(1, img.height // 8)))
            img.load()
    except OSError as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise TodError(f"{path}: cannot read image ({exc.strerror or exc})") from exc
        raise TodError(f"{path}: corrupt {(fmt or 'image').upper()} data, cannot be decoded ({exc})") from exc
    except Exception as exc:       # Pillow raises ValueError, SyntaxError, DecompressionBombError... on bad data
        raise TodError(f"{path}: corrupt {(fmt or 'image').upper()} data, cannot be decoded "
                       f"({type(exc).__name__}: {exc})") from exc


@dataclass(frozen=True)
class ImageLimits:
    """The images every path accepts (tod detect / eval / prelabel / convert / label and the detector
    node, whose ~min_image_side, ~max_aspect_ratio, ~max_image_pixels default to these).

    The pixel count is checked from the header, before any decoding: a 20000x20000 PNG of a few
    hundred KB is refused without allocating its 1.2 GB of pixels.
    """

    min_image_side: int = 16            # images with a shorter side (px) are refused
    max_aspect_ratio: float = 10.0      # images with long side / short side above this are refused
    max_image_pixels: int = 16777216    # images with more pixels (4096x4096) are refused

    @classmethod
    def of(cls, cfg):
        """The limits held by a config with the same three fields (e.g. a DetectorConfig)."""
        return cls(cfg.min_image_side, cfg.max_aspect_ratio, cfg.max_image_pixels)

    def validate(self, prefix=""):
        """Raise TodError for limits no image could meet; returns self. ``prefix``: "~" for node params."""
        if self.min_image_side < 1:
            raise TodError(f"{prefix}min_image_side must be >= 1, got {self.min_image_side}")
        if self.max_aspect_ratio < 1.0:
            raise TodError(f"{prefix}max_aspect_ratio must be >= 1, got {self.max_aspect_ratio}")
        if self.max_image_pixels < self.min_image_side ** 2:
            raise TodError(f"{prefix}max_image_pixels must be >= {prefix}min_image_side squared, "
                           f"got {self.max_image_pixels}")
        return self

    def problem(self, width, height, prefix=""):
        """Why a ``width`` x ``height`` image is refused, or "" (``prefix``: "~" names node params)."""
        if width <= 0 or height <= 0:
            return f"empty image ({width}x{height}): nothing to detect"
        problems = []
        short, long_ = min(width, height), max(width, height)
        if short < self.min_image_side:
            problems.append(f"a side of {short} px is below {prefix}min_image_side ({self.min_image_side} px)")
        if long_ / short > self.max_aspect_ratio:
            problems.append(f"its aspect ratio {long_ / short:.0f}:1 is above {prefix}max_aspect_ratio "
                            f"({self.max_aspect_ratio:g}:1)")
        if width * height > self.max_image_pixels:
            problems.append(f"its {width * height} pixels are more than {prefix}max_image_pixels "
                            f"({self.max_image_pixels})")
        return "; ".join(problems)


def check_image_file(path, limits=ImageLimits(), decode=True):
    """``(width, height, format)`` of an image file that every tool may read; TodError naming ``path``
    otherwise: unreadable or unknown header, outside ``limits`` (from the header, nothing decoded),
    or (``decode``) compressed data that does not decode to the end (a truncated JPEG).
    """
    width, height, fmt = read_image_info(path)
    problem = limits.problem(width, height)
    if problem:
        raise TodError(f"{path}: image {width}x{height} refused: {problem}")
    if decode:
        check_decodes(path, fmt)
    return width, height, fmt


def read_image(path, limits=ImageLimits()):
    """The image at ``path`` as BGR uint8, after :func:`check_image_file`; TodError naming ``path``."""
    from tod_ros.imageops import decode_image

    _, _, fmt = check_image_file(path, limits, decode=False)
    if fmt == "jpeg":
        check_decodes(path, fmt)        # the rule of tod convert: OpenCV's imread fills a truncated JPEG in grey
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise TodError(f"{path}: cannot read image ({exc.strerror or exc})") from exc
    return decode_image(data, path)
