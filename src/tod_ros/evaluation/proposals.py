"""``tod prelabel``: a model's boxes on images without XML, written as pre-annotations to review.

The pure part (XML, never overwriting, the marker of unreviewed files) is
:mod:`tod_ros.dataset.prelabel`; here the model runs and the summary is printed.
"""
import dataclasses
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tod_ros.dataset.prelabel import CHECK_BELOW
from tod_ros.detection.config import DetectorConfig
from tod_ros.errors import TodError


def default_model_dir():
    """The demo model shipped with the package (``models/demo``, as detect.launch uses)."""
    from tod_ros.resources import DEMO_MODEL, model_dir

    return model_dir(DEMO_MODEL)


def prelabel_detector():
    """The detector settings of ``tod prelabel``: the node's, up to 20 boxes per image, best first."""
    return dataclasses.replace(DetectorConfig(), max_detections=20, sort="score")


@dataclass
class PrelabelConfig:
    """Settings of ``tod prelabel``: the detector's (boxes below its ``score_threshold`` are not
    written; ``model_dir`` empty: the shipped demo model) and which boxes to check first."""

    detector: DetectorConfig = field(default_factory=prelabel_detector)
    check_below: float = CHECK_BELOW

    def validate(self):
        """Raise TodError for unusable settings."""
        if not 0.0 <= self.check_below <= 1.0:
            raise TodError(f"--check-below must be in [0, 1], got {self.check_below:g}")
        return self

    def model_dir(self):
        """The model folder to load."""
        return Path(self.detector.model_dir).expanduser() if self.detector.model_dir else default_model_dir()


def run_prelabel(cfg, folders, sheet=None, log=print):
    """Pre-annotate the images without XML in ``folders``; ``sheet``: also write the review sheet
    (this run's proposals and the unreviewed pre-annotations already there). Returns the
    :class:`tod_ros.dataset.prelabel.PrelabelResult`, or None when there was nothing to do."""
    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.dataset.prelabel import images_without_xml, prelabel_images, unreviewed_images
    from tod_ros.detection import open_detector
    from tod_ros.progress import bar, stage

    cfg.validate()
    images = images_without_xml(folders)
    pending = unreviewed_images(folders) if sheet else []
    if not images and not pending:
        log("nothing to pre-annotate: every image already has its XML")
        return None
    with stage("model loading"):
        detector = open_detector(dataclasses.replace(cfg.detector, model_dir=str(cfg.model_dir())))
    log(f"model {detector.cfg.model_dir} ({detector.backend_name}), {len(images)} image(s) without XML")
    start = time.perf_counter()
    with stage("detection"):
        result = prelabel_images(images, detector.detect, check_below=cfg.check_below,
                                 progress=lambda it: bar(it, desc="prelabel", unit="image"),
                                 limits=ImageLimits.of(detector.cfg))
    _log_summary(result, len(images), time.perf_counter() - start, cfg, log)
    if sheet:
        _write_sheet(sheet, result.proposals, pending, detector, cfg, log)
    return result


def _write_sheet(path, proposals, pending, detector, cfg, log):
    """The review sheet of this run's proposals and of the unreviewed pre-annotations already there."""
    from tod_ros.dataset.imagesize import ImageLimits
    from tod_ros.dataset.prelabel import proposals_of
    from tod_ros.dataset.review_sheet import write_review_sheet
    from tod_ros.progress import bar, stage

    with stage("review sheet"):
        earlier = proposals_of(bar(pending, desc="sheet", unit="image"), detector.detect,
                               limits=ImageLimits.of(detector.cfg))
        sheet = write_review_sheet(proposals + earlier, Path(path), cfg.check_below, detector.label_map.names)
    log(f"review sheet: {sheet} ({len(proposals) + len(earlier)} image(s), most uncertain first; "
        f"magenta boxes with '?' score under {cfg.check_below:g})")


def _log_summary(result, n, seconds, cfg, log):
    for line in result.failed:
        print(f"error: {line}", file=sys.stderr, flush=True)
    log(f"{len(result.written)} pre-annotation(s) written, {result.boxes} box(es), "
        f"{len(result.skipped)} skipped (XML already there), {len(result.failed)} unreadable; "
        f"{seconds / max(1, n) * 1000:.0f} ms per image")
    if result.low:
        log(f"check first: {len(result.low)} box(es) scoring under {cfg.check_below:g}:")
        for score, xml, label in result.low[:20]:
            log(f"  {score:.2f} {label:<8} {xml}")
        if len(result.low) > 20:
            log(f"  ... {len(result.low) - 20} more")
    if result.written:
        log("review them with `tod label` (a box is kept as it is once you save or verify the image: "
            "Ctrl+S or Space); `tod convert` refuses unreviewed ones")
