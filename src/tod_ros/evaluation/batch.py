"""``tod detect``: run an exported model on images; print, draw and save the detections.

The printed format follows the tutorial's ``plot_object_detection_saved_model.py``::

    Running inference for images/faces_cubes/test/image016.png... [2 1 1 2] two one one two
    [0.999408   0.99929774 0.9985869  0.99794155]
    [[0.4046488  0.13016616 0.6338345  0.31058723]
     ...]

(class ids, then the names; the scores; the normalized boxes [ymin, xmin, ymax, xmax]).
"""
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from tod_ros.errors import TodError
from tod_ros.fileio import IMAGE_EXTENSIONS, atomic_write, list_images


def collect_images(inputs):
    """Image files of ``inputs`` (files, or folders whose images are taken sorted by name)."""
    found = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            images = list_images(path)
            if not images:
                raise TodError(f"{path}: no image ({', '.join(IMAGE_EXTENSIONS)}) in this folder")
            found += images
        elif path.is_file():
            found.append(path)
        else:
            raise TodError(f"{path}: no such image or folder")
    if not found:
        raise TodError("no image given: use -i IMAGE_OR_FOLDER")
    return found


def arrays_of(detections):
    """``(class ids int array, scores float32 array, boxes float32 [n, 4])`` as the seed printed them."""
    ids = np.array([d.class_id for d in detections], dtype=int)
    scores = np.array([d.score for d in detections], dtype=np.float32)
    boxes = np.array([d.box for d in detections], dtype=np.float32).reshape(-1, 4)
    return ids, scores, boxes


def format_result(path, detections):
    """The printed lines of one image (seed format, plus the label names)."""
    ids, scores, boxes = arrays_of(detections)
    names = " ".join(d.label for d in detections)
    return [f"Running inference for {path}... {ids}" + (f" {names}" if names else ""), str(scores), str(boxes)]


def result_entry(path, detections):
    """The JSON entry of one image."""
    return {"image": str(path), "detections": [
        {"label": d.label, "class_id": int(d.class_id), "score": round(float(d.score), 6),
         "box": [round(float(v), 6) for v in d.box]} for d in detections]}


def _out_name(path, used):
    name = f"{Path(path).stem}.png"
    n = 1
    while name in used:
        n += 1
        name = f"{Path(path).stem}_{n}.png"
    used.add(name)
    return name


def run_detect(cfg, inputs, out_dir=None, json_path=None, show=False, log=print, project=None):
    """Detect on every image of ``inputs``: print, write annotated PNGs to ``out_dir`` and the JSON list.

    ``cfg`` is the detector's :class:`tod_ros.inference.DetectorConfig` (``model_dir``: an export
    folder or its ``saved_model/``; ``label_map`` empty: found by
    :func:`tod_ros.evaluation.loading.resolve_model`).

    An image that cannot be read or run is reported (``error: <file>: <reason>``) and skipped; its
    JSON entry has an ``error`` field. Returns the JSON list (one entry per image, in the printed
    order); :func:`failures` picks the failed entries.
    """
    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.evaluation.loading import read_bgr, resolve_model
    from tod_ros.imageops import write_png
    from tod_ros.inference import Detector, draw_detections

    cfg.validate()
    model_dir, lm_path = resolve_model(cfg.model_dir, cfg.label_map or None, project)
    paths = collect_images(inputs)
    log("Loading model...", end="")
    detector = Detector(replace(cfg, model_dir=str(model_dir), label_map=str(lm_path)))
    log(f"Done! Took {detector.load_seconds:.2f} seconds ({detector.backend_name})")
    results, drawn, used = [], [], set()
    for path in paths:
        try:
            bgr = read_bgr(path, ImageLimits.of(cfg))
            start = time.perf_counter()
            dets = detector.detect(bgr)
        except TodError as exc:       # one bad file does not stop the others; reported at the end
            log(f"\nerror: {exc}")
            results.append({"image": str(path), "error": str(exc), "detections": []})
            continue
        log("")
        for line in format_result(path, dets):
            log(line)
        log(f"({(time.perf_counter() - start) * 1000:.0f} ms)")
        results.append(result_entry(path, dets))
        picture = draw_detections(bgr, dets)
        if out_dir is not None:
            write_png(Path(out_dir) / _out_name(path, used), picture)
        drawn.append((path, picture))
    if out_dir is not None:
        log(f"\n{len(drawn)} annotated image(s) in {out_dir}")
    if json_path is not None:
        with atomic_write(json_path, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
            fh.write("\n")
        log(f"detections: {json_path}")
    if show:
        show_images(drawn, log)
    failed = failures(results)
    if failed:
        log(f"{len(failed)} of {len(paths)} image(s) could not be processed:")
        for entry in failed:
            log(f"  {entry['error']}")
    return results


def failures(results):
    """The entries of ``results`` (from :func:`run_detect`) whose image could not be processed."""
    return [r for r in results if r.get("error")]


def show_images(drawn, log=print):
    """Show the annotated images in a window (matplotlib), one after the other; needs a display."""
    from tod_ros.imageops import has_display

    if not has_display():
        log("--show: no display ($DISPLAY is not set): the annotated images are only written to files")
        return
    try:
        import matplotlib.pyplot as plt

        for path, bgr in drawn:
            plt.figure(str(path))
            plt.imshow(bgr[:, :, ::-1])
            plt.axis("off")
        plt.show()
    except Exception as exc:  # no GUI toolkit for matplotlib: the files are there anyway
        log(f"--show: cannot open a window ({type(exc).__name__}: {exc}); see the written files")
