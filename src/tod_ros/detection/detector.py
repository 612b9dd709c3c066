"""The detector: an exported model, its label map and the stages after it (:mod:`.postprocess`).

:func:`open_detector` is how every tool opens one (the detector node, ``tod detect``, ``tod eval``,
``tod prelabel``, the robustness suite, the benchmarks): it finds the model folder and its label
map (:mod:`.model_files`), checks the settings and loads the model.
"""
import dataclasses
import threading
import time
from pathlib import Path
from typing import Optional

import numpy as np

from tod_ros.detection.backends import open_backend
from tod_ros.detection.config import check_classes
from tod_ros.detection.model_files import resolve_model
from tod_ros.detection.postprocess import decode, run_stages, stages
from tod_ros.errors import TodError
from tod_ros.imaging import check_bgr


class Detector:
    """An exported model plus its label map: ``detect(bgr) -> [Detection]``. Thread-safe.

    ``cfg`` may be replaced between frames (live settings): each frame uses one snapshot of it.
    """

    def __init__(self, config):
        cfg = config.validate()
        self.cfg = cfg
        if not Path(cfg.model_dir).expanduser().is_dir():
            raise TodError(f"~model_dir {cfg.model_dir} is not a folder: give the folder of an exported model")
        from tod_ros.dataset.labelmap import read_label_map

        label_path = cfg.label_map_path()
        if not label_path.is_file():
            raise TodError(f"no label map at {label_path} (set ~label_map, or put label_map.pbtxt in the model folder)")
        self.label_map = read_label_map(label_path)
        check_classes(cfg, self.label_map.names)
        start = time.perf_counter()
        self.backend_name = cfg.resolved_backend()
        self._backend = open_backend(cfg)
        self.load_seconds = time.perf_counter() - start
        self._lock = threading.Lock()

    def warm_up(self, width=640, height=480):
        """Run the model on blank frames so the first real request is not slow; returns seconds."""
        start = time.perf_counter()
        for _ in range(max(1, self.cfg.warmup_runs)):
            self.detect(np.zeros((height, width, 3), np.uint8))
        return time.perf_counter() - start

    def detect(self, bgr, score_threshold: Optional[float] = None):
        """Detections in a BGR frame: the ``max_detections`` best at or above the threshold (the
        config's, or ``score_threshold`` for this call), of the configured classes, sorted."""
        check_bgr(bgr)
        cfg = self.cfg
        import cv2

        rgb = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2RGB)   # = bgr[:, :, ::-1], 100x faster
        with self._lock:
            raw = self._backend.run(rgb)
        threshold = cfg.score_threshold if score_threshold is None else score_threshold
        found = decode(*raw, bgr.shape[1], bgr.shape[0], self.label_map)
        return run_stages(found, stages(threshold, cfg.class_names(), cfg.max_detections, cfg.sort))


def find_model(cfg, project=None, warn=None):
    """``cfg`` with ``model_dir`` the export folder (``cfg.model_dir`` may be it or its ``saved_model/``:
    then backend ``auto`` runs the SavedModel) and ``label_map`` found: ``cfg.label_map`` (checked
    against the model's own; ``warn`` prints disagreements), else the model's ``label_map.pbtxt``,
    else the ``project``'s. Loads nothing: TodError names what is missing before any slow work starts."""
    cfg.validate()
    kwargs = {} if warn is None else {"warn": warn}
    model_dir, label_map = resolve_model(cfg.model_dir, cfg.label_map or None, project, **kwargs)
    backend = cfg.backend
    if backend == "auto" and Path(cfg.model_dir).expanduser().resolve() != Path(model_dir).resolve():
        backend = "savedmodel"      # its saved_model/ folder was named: that is the model to run
    return dataclasses.replace(cfg, model_dir=str(model_dir), label_map=str(label_map), backend=backend)


def open_detector(cfg, project=None, warn=None, find=True):
    """The :class:`Detector` of ``cfg`` (a :class:`tod_ros.detection.config.DetectorConfig`), loaded.

    With ``find`` (the command line tools), the model and label map are found by :func:`find_model`;
    without (the node, or a config :func:`find_model` already returned), ``model_dir`` and
    ``label_map`` are taken as they are. TodError names what is wrong.
    """
    return Detector(find_model(cfg, project, warn) if find else cfg.validate())
