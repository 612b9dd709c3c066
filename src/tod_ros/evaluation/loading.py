"""Finding an exported model and its label map, and opening it as a :class:`tod_ros.inference.Detector`."""
from pathlib import Path

from tod_ros.errors import TodError

EVAL_BACKENDS = ("savedmodel", "tflite", "tflite_int8", "auto")   # the choices of --backend (tod eval, tod detect)


def resolve_model(model, label_map=None, project=None):
    """``(model_dir, label_map_path)`` of an export folder or of its ``saved_model/`` folder.

    The label map is ``label_map`` when given, else ``label_map.pbtxt`` in the export folder,
    else the project's ``training/<project>/label_map.pbtxt``.
    """
    if not model:
        raise TodError("no model: give --model DIR (the folder written by 'tod export', or its saved_model/)")
    path = Path(model).expanduser()
    if not path.is_dir():
        raise TodError(f"{path}: no such model folder (give the folder written by 'tod export', "
                       "or a SavedModel folder with saved_model.pb)")
    if (path / "saved_model.pb").is_file() and path.name == "saved_model":
        path = path.parent                        # <export>/saved_model -> <export>
    if label_map:
        lm = Path(label_map).expanduser()
        if not lm.is_file():
            raise TodError(f"{lm}: no such label map file")
        return path, lm
    candidates = [path / "label_map.pbtxt"]
    if project is not None:
        candidates.append(project.label_map_path)
    for c in candidates:
        if c.is_file():
            return path, c
    raise TodError(f"no label map for {path}: give --label-map FILE (looked for "
                   + ", ".join(str(c) for c in candidates) + ")")


def open_detector(model_dir, label_map_path, backend="savedmodel", score_threshold=0.5, max_detections=4,
                  sort="score", num_threads=2):
    """Load the model (imports TensorFlow or LiteRT) as a Detector with these settings."""
    from tod_ros.inference import Detector, DetectorConfig

    if backend not in EVAL_BACKENDS:
        raise TodError(f"--backend must be one of {', '.join(EVAL_BACKENDS)}, got {backend!r}")
    cfg = DetectorConfig(model_dir=str(model_dir), label_map=str(label_map_path), backend=backend,
                         score_threshold=score_threshold, max_detections=max_detections, sort=sort,
                         num_threads=num_threads, warmup_runs=1)
    return Detector(cfg)


def read_bgr(path):
    """The image at ``path`` as BGR uint8; TodError naming the file when it cannot be read."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise TodError(f"{path}: cannot read image (missing, empty or not an image)")
    return img
