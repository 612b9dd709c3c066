"""Contact sheet: synthetic samples next to the real annotated photos, boxes drawn.

Used by ``tod synth --sheet docs/images/synth_vs_real.png`` so anyone can judge the likeness.
"""
from pathlib import Path

import cv2
import numpy as np

from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write, list_images

TILE = (300, 225)       # width, height of one tile
COLS = 4
COLORS = {"one": (0, 200, 255), "two": (0, 255, 0)}


def _tile(img, objects, caption):
    """Downscale ``img`` into a TILE (letterboxed), draw the boxes and a caption."""
    tw, th = TILE
    s = min(tw / img.shape[1], th / img.shape[0])
    small = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    tile = np.full((th, tw, 3), 255, np.uint8)
    y0, x0 = (th - small.shape[0]) // 2, (tw - small.shape[1]) // 2
    tile[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    for o in objects:
        p1 = (int(x0 + o.xmin * s), int(y0 + o.ymin * s))
        p2 = (int(x0 + o.xmax * s), int(y0 + o.ymax * s))
        col = COLORS.get(o.name, (255, 0, 255))
        cv2.rectangle(tile, p1, p2, col, 1)
        cv2.putText(tile, o.name, (p1[0] + 2, max(p1[1] - 3, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, col, 1, cv2.LINE_AA)
    cv2.putText(tile, caption, (4, th - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def _real_tiles(real_dir):
    from tod_ros.dataset.voc import read_voc

    tiles = []
    for img_path in list_images(real_dir):
        xml = img_path.with_suffix(".xml")
        img = cv2.imread(str(img_path), cv2.IMREAD_COLOR)
        if img is None or not xml.is_file():
            continue
        tiles.append(_tile(img, read_voc(xml).objects, f"real: {img_path.name}"))
    return tiles


def _grid(title, tiles):
    rows = [tiles[i:i + COLS] for i in range(0, len(tiles), COLS)]
    blank = np.full((TILE[1], TILE[0], 3), 255, np.uint8)
    body = [np.hstack(r + [blank] * (COLS - len(r))) for r in rows]
    head = np.full((28, TILE[0] * COLS, 3), 255, np.uint8)
    cv2.putText(head, title, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([head] + body)


def write_contact_sheet(path, real_dir, seed=0, config=None, n_synth=8):
    """Write a PNG grid: ``n_synth`` samples of ``generate`` (seed ``seed``) above the real annotated
    photos of ``real_dir`` (``tod synth --real``, default :func:`tod_ros.resources.real_cubes_dir`)."""
    from tod_ros.dataset.synth import SynthConfig, render_sample

    real_dir = Path(real_dir)
    if not real_dir.is_dir():
        raise TodError(f"{real_dir}: no such folder of real annotated photos (give --real DIR)")
    cfg = config or SynthConfig()
    synth = []
    for i in range(1, n_synth + 1):
        img, objects = render_sample(np.random.default_rng([seed, i]), cfg)
        synth.append(_tile(img, objects, f"synthetic: seed {seed}, image {i}"))
    real = _real_tiles(real_dir)
    if not real:
        raise TodError(f"{real_dir}: no annotated image (image + .xml) found")
    sheet = np.vstack([_grid(f"synthetic (tod synth --seed {seed})", synth), _grid(f"real ({real_dir.name})", real)])
    ok, buf = cv2.imencode(".png", sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise TodError(f"{path}: could not encode the contact sheet")
    with atomic_write(path, "wb") as fh:
        fh.write(buf.tobytes())
    return Path(path)
