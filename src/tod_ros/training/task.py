"""Model Garden's ``RetinaNetTask`` with two additions: our augmentations, partial restore.

* ``build_inputs``: same decoder/parser/reader as tfm's, with the photometric jitter and the
  in-plane rotation of :mod:`tod_ros.training.augment` applied to decoded training examples.
* ``initialize``: ``detection`` restores the whole detector; when the checkpoint's class head
  has another number of classes (another label set), everything but the final classification
  layer is restored. ``classification`` restores the backbone only.
"""
import tensorflow as tf
from official.common import dataset_fn
from official.vision.dataloaders import input_reader, input_reader_factory, retinanet_input, tf_example_decoder
from official.vision.tasks.retinanet import RetinaNetTask

from tod_ros.errors import TodError
from tod_ros.training.augment import Photometric, QuarterTurn, Rotation


class TodRetinaNetTask(RetinaNetTask):
    """RetinaNet task of tod_ros (see the module docstring)."""

    def __init__(self, params, photometric=None, rotation=None, quarter_turn=None, logging_dir=None, name=None):
        super().__init__(params, logging_dir=logging_dir, name=name)
        self.photometric = photometric or Photometric()
        self.rotation = rotation or Rotation()
        self.quarter_turn = quarter_turn or QuarterTurn()

    def _decode_fn(self, params):
        decoder = tf_example_decoder.TfExampleDecoder(
            regenerate_source_id=params.decoder.get().regenerate_source_id)
        augments = (self.photometric, self.rotation, self.quarter_turn)
        if not (params.is_training and any(a.active for a in augments)):
            return decoder.decode

        def decode(serialized):
            data = decoder.decode(serialized)
            if self.photometric.active:
                data["image"] = self.photometric(data["image"])
            if self.rotation.active:
                data = self.rotation(data)
            if self.quarter_turn.active:
                data = self.quarter_turn(data)
            return data
        return decode

    def build_inputs(self, params, input_context=None):
        """The tfm RetinaNet input pipeline, photometric augmentation added for training."""
        model = self.task_config.model
        p = params.parser
        parser = retinanet_input.Parser(
            output_size=model.input_size[:2], min_level=model.min_level, max_level=model.max_level,
            num_scales=model.anchor.num_scales, aspect_ratios=model.anchor.aspect_ratios,
            anchor_size=model.anchor.anchor_size, dtype=params.dtype,
            match_threshold=p.match_threshold, unmatched_threshold=p.unmatched_threshold,
            box_coder_weights=model.detection_generator.box_coder_weights,
            aug_type=p.aug_type, aug_rand_hflip=p.aug_rand_hflip, aug_rand_jpeg=p.aug_rand_jpeg,
            aug_scale_min=p.aug_scale_min, aug_scale_max=p.aug_scale_max,
            skip_crowd_during_training=p.skip_crowd_during_training, max_num_instances=p.max_num_instances,
            pad=p.pad, keep_aspect_ratio=p.keep_aspect_ratio)
        reader = input_reader_factory.input_reader_generator(
            params, dataset_fn=dataset_fn.pick_dataset_fn(params.file_type),
            decoder_fn=self._decode_fn(params), combine_fn=input_reader.create_combine_fn(params),
            parser_fn=parser.parse_fn(params.is_training))
        return reader.read(input_context=input_context)

    def initialize(self, model):
        """Restore ``init_checkpoint`` (see the module docstring); no-op without one."""
        path = self.task_config.init_checkpoint
        if not path:
            return
        path = resolve_checkpoint(path)
        if self.task_config.init_checkpoint_modules == "all":
            items = detector_items(model, _head_compatible(model, path))
        else:
            items = {"backbone": model.backbone}
        status = tf.train.Checkpoint(**items).read(path)
        try:
            status.expect_partial().assert_existing_objects_matched()
        except AssertionError as exc:
            raise TodError(f"fine_tune_checkpoint {path} does not match the model: {exc}") from None
        if not _restored_anything(model.backbone, path):
            raise TodError(f"fine_tune_checkpoint {path}: no backbone variable found in it "
                           f"(wrong backbone or not a detector/backbone checkpoint?)")
        self.restored_from = path


def resolve_checkpoint(path):
    """Checkpoint prefix of ``path`` (a prefix, or a folder: its latest checkpoint); raises TodError."""
    if tf.io.gfile.isdir(path):
        latest = tf.train.latest_checkpoint(path)
        if not latest:
            raise TodError(f"fine_tune_checkpoint {path}: folder holds no checkpoint")
        return latest
    if not tf.io.gfile.glob(path + ".index") and not tf.io.gfile.exists(path):
        raise TodError(f"fine_tune_checkpoint {path}: no such checkpoint (give a prefix such as ckpt-900 or a folder)")
    return path


def detector_items(model, with_classifier=True):
    """Trackables to restore: backbone, decoder, head (without its last classification layer if asked)."""
    head = model.head
    if with_classifier:
        head_items = head
    else:
        names = ("_cls_convs", "_cls_norms", "_box_convs", "_box_norms", "_box_regressor")
        head_items = tf.train.Checkpoint(**{n: getattr(head, n) for n in names if hasattr(head, n)})
    items = {"backbone": model.backbone, "head": head_items}
    if model.decoder is not None:
        items["decoder"] = model.decoder
    return items


def _classifier_shapes(path):
    reader = tf.train.load_checkpoint(path)
    return {k: s for k, s in reader.get_variable_to_shape_map().items()
            if k.startswith("head/_classifier/") and k.endswith("VARIABLE_VALUE")}


def _head_compatible(model, path):
    """False when the checkpoint's class head has another shape (another label set)."""
    saved = _classifier_shapes(path)
    if not saved:
        return True
    ours = {tuple(v.shape) for v in model.head._classifier.weights}
    return {tuple(s) for s in saved.values()} <= ours


def _restored_anything(backbone, path):
    reader = tf.train.load_checkpoint(path)
    return any(k.startswith("backbone/") for k in reader.get_variable_to_shape_map())
