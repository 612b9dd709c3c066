"""Running an exported detector (SavedModel or TFLite) on BGR frames.

A model folder, as written by ``tod export`` or found in the TF2 Detection Model Zoo::

    <model_dir>/saved_model/      signature ``serving_default``: input uint8 [1,H,W,3] RGB;
                                  outputs detection_boxes [1,N,4] (normalized ymin,xmin,ymax,xmax),
                                  detection_scores [1,N], detection_classes [1,N] (1-based ids),
                                  num_detections [1]
    <model_dir>/model.tflite      optional, the same detector for TensorFlow Lite
    <model_dir>/model_int8.tflite optional, its int8 quantization (backend ``tflite_int8``)
    <model_dir>/label_map.pbtxt   ids -> names

Only :class:`Detector` needs TensorFlow, imported when a model is loaded; the
post-processing (:func:`postprocess`) is pure numpy.
"""
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from tod_ros import filenames
from tod_ros.dataset.imagesize import ImageLimits
from tod_ros.errors import TodError
from tod_ros.imaging import check_bgr
from tod_ros.nativelog import native_log_captured

BACKENDS = ("auto", "savedmodel", "tflite", "tflite_int8")
TFLITE_FILES = {"tflite": filenames.TFLITE, "tflite_int8": filenames.TFLITE_INT8}   # backend -> file in model_dir
SORTS = ("x", "score", "none")
TFLITE_RESIZES = ("letterbox", "stretch")
SIGNATURE = "serving_default"
REQUIRED_OUTPUTS = ("detection_boxes", "detection_scores", "detection_classes")


@dataclass
class DetectorConfig:
    """Settings of the detector (private params of the detector node, config/detector.yaml)."""

    model_dir: str = ""
    label_map: str = ""                 # default: <model_dir>/label_map.pbtxt
    backend: str = "auto"               # auto (tflite when <model_dir>/model.tflite exists) | savedmodel | tflite
                                        # | tflite_int8 (<model_dir>/model_int8.tflite, tod export --int8)
    score_threshold: float = 0.5
    max_detections: int = 4
    sort: str = "x"                     # x (left to right) | score | none
    num_threads: int = 2                # TFLite interpreter threads
    tflite_class_offset: int = -1       # added to TFLite class outputs; -1 = auto (see docs/ros.md)
    tflite_resize: str = "letterbox"    # fixed-size TFLite input: letterbox (tod export) | stretch
    warmup_runs: int = 2
    classes: str = ""                   # comma-separated label names to report; empty = all
    min_image_side: int = ImageLimits.min_image_side       # the image limits of every tool (one definition)
    max_aspect_ratio: float = ImageLimits.max_aspect_ratio
    max_image_pixels: int = ImageLimits.max_image_pixels
    save_uncertain: str = ""            # folder for frames whose best score is in [uncertain_min, uncertain_max)
    uncertain_min: float = 0.3
    uncertain_max: float = 0.6

    def validate(self):
        """Raise TodError for settings the detector cannot run with."""
        if not self.model_dir:
            raise TodError("~model_dir is not set: give the folder of an exported model (with saved_model/)")
        if self.backend not in BACKENDS:
            raise TodError(f"~backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.tflite_resize not in TFLITE_RESIZES:
            raise TodError(f"~tflite_resize must be one of {', '.join(TFLITE_RESIZES)}, got {self.tflite_resize!r}")
        if self.sort not in SORTS:
            raise TodError(f"~sort must be one of {', '.join(SORTS)}, got {self.sort!r}")
        if not 0.0 <= self.score_threshold <= 1.0:
            raise TodError(f"~score_threshold must be in [0, 1], got {self.score_threshold}")
        if not 1 <= self.max_detections <= 100:
            raise TodError(f"~max_detections must be in [1, 100], got {self.max_detections}")
        from tod_ros.detector_runtime import check_runtime_settings
        check_runtime_settings(self)
        return self

    def class_names(self):
        """The label names of ``classes`` (comma-separated) as a tuple; empty = all classes."""
        return tuple(n.strip() for n in self.classes.split(",") if n.strip())

    def label_map_path(self):
        """The label map file: ``label_map`` or ``<model_dir>/label_map.pbtxt``."""
        return Path(self.label_map or Path(self.model_dir) / filenames.LABEL_MAP).expanduser()

    def resolved_backend(self):
        """``backend`` with ``auto`` resolved by looking at the model folder."""
        if self.backend != "auto":
            return self.backend
        return "tflite" if (Path(self.model_dir).expanduser() / filenames.TFLITE).is_file() else "savedmodel"


@dataclass(frozen=True)
class Detection:
    """One detected object."""

    label: str
    class_id: int
    score: float
    box: Tuple[float, float, float, float]      # normalized [ymin, xmin, ymax, xmax]
    box_px: Tuple[float, float, float, float]   # pixels [xmin, ymin, xmax, ymax]

    @property
    def center_x(self):
        """Horizontal center in pixels."""
        return (self.box_px[0] + self.box_px[2]) / 2.0

    @property
    def center_y(self):
        """Vertical center in pixels."""
        return (self.box_px[1] + self.box_px[3]) / 2.0


def sort_detections(detections, how="x"):
    """Detections ordered left to right (``x``), by decreasing score (``score``) or unchanged."""
    if how == "x":
        return sorted(detections, key=lambda d: (d.center_x, d.center_y))
    if how == "score":
        return sorted(detections, key=lambda d: -d.score)
    return list(detections)


def _name(label_map, class_id):
    if label_map is None:
        return str(class_id)
    try:
        return label_map.name_of(class_id)
    except TodError:
        return f"class_{class_id}"


def postprocess(boxes, scores, classes, num, width, height, label_map=None,
                score_threshold=DetectorConfig.score_threshold, max_detections=DetectorConfig.max_detections,
                sort=DetectorConfig.sort, keep_labels=()):
    """Raw detector outputs (batch dimension removed) -> sorted list of :class:`Detection`.

    Keeps the ``max_detections`` best scores >= ``score_threshold`` (of the label names in
    ``keep_labels`` when given), then sorts them.
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    classes = np.asarray(classes).reshape(-1)
    n = min(len(scores), len(boxes), len(classes))
    if num is not None:
        n = min(n, int(np.asarray(num).reshape(-1)[0]))
    best = [i for i in np.argsort(-scores[:n], kind="stable") if scores[i] >= score_threshold
            and (not keep_labels or _name(label_map, int(round(float(classes[i])))) in keep_labels)][:max_detections]
    out = []
    for i in best:
        ymin, xmin, ymax, xmax = (float(np.clip(v, 0.0, 1.0)) for v in boxes[i])
        class_id = int(round(float(classes[i])))
        out.append(Detection(label=_name(label_map, class_id), class_id=class_id, score=float(scores[i]),
                             box=(ymin, xmin, ymax, xmax),
                             box_px=(xmin * width, ymin * height, xmax * width, ymax * height)))
    return sort_detections(out, sort)


# --------------------------------------------------------------------------- backends

def check_signature(model_dir, input_specs, output_names):
    """Raise TodError naming what is missing when a signature is not the TOD detection signature.

    ``input_specs``: {name: (dtype name, rank)}; ``output_names``: iterable of output keys.
    """
    problems = []
    if len(input_specs) != 1:
        problems.append(f"expected 1 image input (input_tensor uint8 [1,H,W,3]), has {len(input_specs)}: "
                        f"{', '.join(sorted(input_specs)) or 'none'}")
    else:
        (name, (dtype, rank)), = input_specs.items()
        if dtype not in ("uint8", "float32") or rank != 4:
            problems.append(f"input {name!r} is {dtype} of rank {rank}, expected uint8 [1,H,W,3]")
    missing = [o for o in REQUIRED_OUTPUTS if o not in output_names]
    if missing:
        problems.append(f"missing output(s) {', '.join(missing)} (has: {', '.join(sorted(output_names)) or 'none'})")
    if problems:
        raise TodError(f"{model_dir}: signature '{SIGNATURE}' is not a TF Object Detection signature: "
                       + "; ".join(problems))


class SavedModelBackend:
    """A SavedModel with the TOD ``serving_default`` signature."""

    name = "savedmodel"

    def __init__(self, model_dir):
        import tensorflow as tf

        model_dir = Path(model_dir).expanduser()
        saved = model_dir / filenames.SAVED_MODEL_DIR
        path = saved if saved.is_dir() else model_dir
        if not (path / filenames.SAVED_MODEL_PB).is_file():
            raise TodError(f"no SavedModel in {model_dir}: expected {model_dir}/saved_model/saved_model.pb "
                           "(written by 'tod export', or a TF2 Detection Model Zoo folder)")
        try:
            self._model = tf.saved_model.load(str(path))
        except Exception as exc:  # TF raises many types for broken files
            raise TodError(f"{path}: cannot load the SavedModel ({type(exc).__name__}: {exc})") from exc
        signatures = getattr(self._model, "signatures", {})
        if SIGNATURE not in signatures:
            raise TodError(f"{path}: no '{SIGNATURE}' signature (has: {', '.join(signatures) or 'none'}); "
                           "export it with the TOD detection signature")
        self._fn = signatures[SIGNATURE]
        _, kwargs = self._fn.structured_input_signature
        specs = {k: (v.dtype.name, v.shape.rank) for k, v in kwargs.items()}
        check_signature(path, specs, self._fn.structured_outputs.keys())
        (self._input, (dtype, _)), = specs.items()
        self._dtype = tf.as_dtype(dtype)
        self._tf = tf

    def run(self, rgb):
        """Raw outputs (boxes, scores, classes, num) for one RGB image."""
        tensor = self._tf.convert_to_tensor(rgb[np.newaxis], dtype=self._dtype)
        out = self._fn(**{self._input: tensor})
        num = out.get("num_detections")
        return (out["detection_boxes"].numpy()[0], out["detection_scores"].numpy()[0],
                out["detection_classes"].numpy()[0], None if num is None else num.numpy())


def tflite_interpreter(path, num_threads):
    """LiteRT's interpreter (starts in 0.2 s, no TensorFlow import), else tf.lite's; allocated."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    with warnings.catch_warnings(), native_log_captured(keep=lambda line: "XNNPACK delegate" not in line):
        warnings.simplefilter("ignore")     # tf.lite.Interpreter warns that it is deprecated
        interpreter = Interpreter(model_path=path, num_threads=num_threads)
        interpreter.allocate_tensors()
    return interpreter


def _tflite_role(name):
    name = name.lower()
    for role in ("boxes", "scores", "classes", "num"):
        if role in name:
            return role
    return None


class TFLiteBackend:
    """A ``model.tflite``: the converted TOD signature, or the TFLite_Detection_PostProcess layout."""

    name = "tflite"
    # Output order of TFLite_Detection_PostProcess (SSD exports) when outputs carry no names.
    POSTPROCESS_ORDER = ("boxes", "classes", "scores", "num")

    def __init__(self, path, num_threads=DetectorConfig.num_threads, class_offset=DetectorConfig.tflite_class_offset,
                 resize=DetectorConfig.tflite_resize):
        path = Path(path).expanduser()
        if not path.is_file():
            how = "tod export --int8" if path.name == TFLITE_FILES["tflite_int8"] else "tod export"
            raise TodError(f"no TFLite model at {path} (use ~backend:=savedmodel, or export with '{how}')")
        try:
            self._interp = tflite_interpreter(str(path), num_threads)
        except Exception as exc:
            raise TodError(f"{path}: cannot load the TFLite model ({type(exc).__name__}: {exc})") from exc
        inputs = self._interp.get_input_details()
        if len(inputs) != 1 or len(inputs[0]["shape"]) != 4:
            raise TodError(f"{path}: expected 1 image input [1,H,W,3], has "
                           f"{[(d['name'], list(d['shape'])) for d in inputs]}")
        self._in = inputs[0]
        self._roles, named = self._output_roles(path)
        # Signature outputs keep the SavedModel's 1-based ids; the PostProcess op gives 0-based ones.
        self.class_offset = class_offset if class_offset >= 0 else (0 if named else 1)
        self._fixed_hw = tuple(int(v) for v in self._in["shape"][1:3])
        self._dynamic = any(int(v) < 0 for v in self._in.get("shape_signature", self._in["shape"])[1:3])
        self._resize = resize

    def _output_roles(self, path):
        """{role: output index}; whether the roles came from output names."""
        outputs = self._interp.get_output_details()
        sig = self._interp.get_signature_list().get(SIGNATURE)
        roles = {}
        if sig:
            runner_outputs = self._interp.get_signature_runner(SIGNATURE).get_output_details()
            by_index = {d["index"]: i for i, d in enumerate(outputs)}
            for key, det in runner_outputs.items():
                if _tflite_role(key) and det["index"] in by_index:
                    roles[_tflite_role(key)] = by_index[det["index"]]
        if len(roles) < 3:
            roles = {r: i for i, d in enumerate(outputs) if (r := _tflite_role(d["name"]))}
        named = len(roles) >= 3
        if not named and len(outputs) == 4:
            roles = {r: i for i, r in enumerate(self.POSTPROCESS_ORDER)}
        missing = [r for r in ("boxes", "scores", "classes") if r not in roles]
        if missing:
            raise TodError(f"{path}: cannot find the {', '.join(missing)} output(s) among "
                           f"{[d['name'] for d in outputs]} (expected a TOD detection model)")
        return roles, named

    def _fit(self, rgb):
        """The input tensor for ``rgb`` and a function mapping output boxes back to the frame."""
        import cv2

        h, w = rgb.shape[:2]
        if (h, w) == self._fixed_hw:
            return rgb, None
        if self._dynamic:
            self._interp.resize_tensor_input(self._in["index"], [1, h, w, 3])
            self._interp.allocate_tensors()
            self._fixed_hw = (h, w)
            return rgb, None
        if self._resize == "stretch":
            return cv2.resize(rgb, (self._fixed_hw[1], self._fixed_hw[0]), interpolation=cv2.INTER_AREA), None
        # tod export: the frame at the top-left of a mean-padded canvas; boxes are canvas-relative
        from tod_ros.imageops import letterbox, to_original

        canvas, box = letterbox(rgb, *self._fixed_hw)
        return canvas, lambda boxes: to_original(boxes, box)

    def run(self, rgb):
        """Raw outputs (boxes, scores, classes, num) for one RGB image."""
        tensor, unbox = self._fit(rgb)
        self._interp.set_tensor(self._in["index"], tensor[np.newaxis].astype(self._in["dtype"]))
        self._interp.invoke()
        outputs = self._interp.get_output_details()

        def get(role):
            return self._interp.get_tensor(outputs[self._roles[role]]["index"])

        num = get("num") if "num" in self._roles else None
        boxes = get("boxes")[0] if unbox is None else unbox(get("boxes")[0])
        return boxes, get("scores")[0], get("classes")[0] + self.class_offset, num


class Detector:
    """An exported model plus its label map: ``detect(bgr) -> [Detection]``. Thread-safe."""

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
        start = time.perf_counter()
        self.backend_name = cfg.resolved_backend()
        if self.backend_name in TFLITE_FILES:
            self._backend = TFLiteBackend(Path(cfg.model_dir) / TFLITE_FILES[self.backend_name], cfg.num_threads,
                                          cfg.tflite_class_offset, cfg.tflite_resize)
        else:
            self._backend = SavedModelBackend(cfg.model_dir)
        self.load_seconds = time.perf_counter() - start
        self._lock = threading.Lock()

    def warm_up(self, width=640, height=480):
        """Run the model on blank frames so the first real request is not slow; returns seconds."""
        start = time.perf_counter()
        for _ in range(max(1, self.cfg.warmup_runs)):
            self.detect(np.zeros((height, width, 3), np.uint8))
        return time.perf_counter() - start

    def detect(self, bgr, score_threshold: Optional[float] = None):
        """Detections in a BGR frame, best ``max_detections`` above the threshold, sorted."""
        check_bgr(bgr)
        cfg = self.cfg      # one snapshot: the node may swap in live settings between frames
        import cv2

        rgb = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2RGB)   # = bgr[:, :, ::-1], 100x faster
        with self._lock:
            boxes, scores, classes, num = self._backend.run(rgb)
        threshold = cfg.score_threshold if score_threshold is None else score_threshold
        return postprocess(boxes, scores, classes, num, bgr.shape[1], bgr.shape[0], self.label_map,
                           threshold, cfg.max_detections, cfg.sort, cfg.class_names())


def draw_detections(bgr, detections):
    """A copy of ``bgr`` with boxes and ``label score`` drawn (for the annotated topic)."""
    from tod_ros.imageops import draw_boxes

    return draw_boxes(bgr, [d.box_px for d in detections], [f"{d.label} {d.score:.2f}" for d in detections],
                      colors=[(0, 255, 0)] * len(detections))
