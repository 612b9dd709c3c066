"""The model files a detector runs (SavedModel, TFLite, int8 TFLite): RGB image in, raw outputs out.

The files of a model folder are listed in :mod:`tod_ros.detection`. TensorFlow (or LiteRT) is
imported when a model is loaded, never at import of this module.
"""
import warnings
from pathlib import Path

import numpy as np

from tod_ros import filenames
from tod_ros.detection.config import TFLITE_FILES, DetectorConfig
from tod_ros.errors import TodError
from tod_ros.nativelog import native_log_captured

SIGNATURE = "serving_default"
REQUIRED_OUTPUTS = ("detection_boxes", "detection_scores", "detection_classes")


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


def open_backend(cfg):
    """The backend of a validated :class:`DetectorConfig` (``auto`` resolved from the model folder)."""
    name = cfg.resolved_backend()
    if name in TFLITE_FILES:
        return TFLiteBackend(Path(cfg.model_dir) / TFLITE_FILES[name], cfg.num_threads, cfg.tflite_class_offset,
                             cfg.tflite_resize)
    return SavedModelBackend(cfg.model_dir)
