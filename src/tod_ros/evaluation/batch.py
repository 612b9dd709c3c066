"""``tod detect``: run an exported model on images; print, draw and save the detections.

Printed per image: a heading (number, file, the labels in order, time) and a table of the
objects with their score and pixel box::

    [1/3] images/faces_cubes/test/image016.png: 4 object(s): two one one two (38 ms)
       #  label          score   xmin   ymin   xmax   ymax
       1  two            0.999     83    194    199    304
       ...

The JSON file keeps the tutorial's normalized boxes [ymin, xmin, ymax, xmax].
"""
import json
import time
from pathlib import Path

from tod_ros.errors import TodError
from tod_ros.fileio import IMAGE_EXTENSIONS, atomic_write, list_images
from tod_ros.progress import bar, lap, printing


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


def format_result(path, detections, number="", ms=None):
    """The printed lines of one image: a heading (``number`` such as ``[1/3] ``, the labels, ``ms``)
    and a table of the objects (label, score, pixel box)."""
    names = " ".join(d.label for d in detections)
    took = f" ({ms:.0f} ms)" if ms is not None else ""
    head = f"{number}{path}: {len(detections)} object(s)" + (f": {names}" if names else "") + took
    if not detections:
        return [head]
    width = max(5, max(len(d.label) for d in detections))
    lines = [head, f"  {'#':>2}  {'label':<{width}}  {'score':>5}  {'xmin':>5}  {'ymin':>5}  {'xmax':>5}  {'ymax':>5}"]
    for i, d in enumerate(detections, start=1):
        box = "  ".join(f"{round(float(v)):>5d}" for v in d.box_px)
        lines.append(f"  {i:>2}  {d.label:<{width}}  {float(d.score):>5.3f}  {box}")
    return lines


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

    ``cfg`` is the detector's :class:`tod_ros.detection.DetectorConfig` (``model_dir``: an export
    folder or its ``saved_model/``; ``label_map`` empty: found by :func:`tod_ros.detection.open_detector`).

    An image that cannot be read or run is reported (``error: <file>: <reason>``) and skipped; its
    JSON entry has an ``error`` field. Returns the JSON list (one entry per image, in the printed
    order); :func:`failures` picks the failed entries.
    """
    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.dataset.imagesize import read_image
    from tod_ros.imageops import write_png
    from tod_ros.detection import draw_detections, find_model, open_detector

    cfg = find_model(cfg, project)
    paths = collect_images(inputs)
    log("Loading model...", end="")
    detector = open_detector(cfg, find=False)
    log(f"Done! Took {detector.load_seconds:.2f} seconds ({detector.backend_name})")
    lap("model loading")
    results, drawn, used = [], [], set()
    for number, path in enumerate(bar(paths, desc="detect", unit="image"), start=1):
        try:
            bgr = read_image(path, ImageLimits.of(cfg))
            start = time.perf_counter()
            dets = detector.detect(bgr)
        except TodError as exc:       # one bad file does not stop the others; reported at the end
            with printing():
                log(f"\nerror: {exc}")
            results.append({"image": str(path), "error": str(exc), "detections": []})
            continue
        with printing():
            for line in ["", *format_result(path, dets, f"[{number}/{len(paths)}] ",
                                            (time.perf_counter() - start) * 1000)]:
                log(line)
        results.append(result_entry(path, dets))
        picture = draw_detections(bgr, dets)
        if out_dir is not None:
            write_png(Path(out_dir) / _out_name(path, used), picture)
        drawn.append((path, picture))
    lap("detection and drawing")
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
