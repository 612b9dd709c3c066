"""Building the tf-models-official (Model Garden) experiment and task from a :class:`TrainConfig`.

Built from the bare ``retinanet`` experiment of ``official.vision.configs.retinanet`` (not the
COCO one: that assumes gs:// checkpoints, a COCO annotation file, bf16, sync BN, batch 256 and
horizontal flips, which mirror the digits). TensorFlow is imported inside the functions.
"""
_MOBILENETS = {"mobilenet_v2": "MobileNetV2", "mobilenet_v3_small": "MobileNetV3Small",
               "mobilenet_v3_large": "MobileNetV3Large"}
_RESNETS = {"resnet18": 18, "resnet34": 34, "resnet50": 50}


def backbone_config(config):
    """The ``official.vision.configs.backbones.Backbone`` of ``config.backbone``."""
    from official.vision.configs import backbones

    if config.backbone in _MOBILENETS:
        return backbones.Backbone(type="mobilenet", mobilenet=backbones.MobileNet(
            model_id=_MOBILENETS[config.backbone], filter_size_scale=config.backbone_width))
    return backbones.Backbone(type="resnet", resnet=backbones.ResNet(
        model_id=_RESNETS[config.backbone], depth_multiplier=config.backbone_width))


def _model_config(config, num_labels):
    from official.vision.configs import common, decoders
    from official.vision.configs import retinanet as rcfg

    return rcfg.RetinaNet(
        num_classes=num_labels + 1,  # tfm counts the background as class 0
        input_size=[config.input_height, config.input_width, 3],
        min_level=config.min_level, max_level=config.max_level,
        anchor=rcfg.Anchor(num_scales=config.anchor_scales, aspect_ratios=list(config.anchor_aspect_ratios),
                           anchor_size=config.anchor_size),
        backbone=backbone_config(config),
        decoder=decoders.Decoder(type="fpn", fpn=decoders.FPN(
            num_filters=config.fpn_filters, use_separable_conv=config.separable_conv)),
        head=rcfg.RetinaNetHead(num_convs=config.head_convs, num_filters=config.fpn_filters,
                                use_separable_conv=config.separable_conv),
        detection_generator=rcfg.DetectionGenerator(
            pre_nms_score_threshold=config.pre_nms_score_threshold, nms_iou_threshold=config.nms_iou_threshold,
            pre_nms_top_k=config.pre_nms_top_k,
            max_num_detections=config.max_total_detections, use_class_agnostic_nms=config.class_agnostic_nms),
        norm_activation=common.NormActivation(use_sync_bn=False, norm_momentum=config.bn_momentum,
                                              activation="relu"),
    )


def _input_paths(paths, replay, replay_weight):
    """``input_path`` (and ``weights``) of a DataConfig: one list, or a weighted mix with replayed records."""
    from official.modeling.hyperparams import base_config

    if not replay:
        return ",".join(paths), None
    return (base_config.Config({"own": ",".join(paths), "replay": ",".join(replay)}),
            base_config.Config({"own": 1.0 - replay_weight, "replay": replay_weight}))


def _data_config(config, paths, training, replay=()):
    from official.vision.configs import common
    from official.vision.configs import retinanet as rcfg

    input_path, weights = _input_paths(paths, replay, config.replay_weight)
    return rcfg.DataConfig(
        input_path=input_path, weights=weights,
        is_training=training,
        global_batch_size=config.batch_size if training else config.eval_batch_size,
        dtype="bfloat16" if config.use_bfloat16 else "float32",
        shuffle_buffer_size=config.shuffle_buffer,
        seed=config.seed if training else None,
        drop_remainder=training,
        decoder=common.DataDecoder(type="simple_decoder", simple_decoder=common.TfExampleDecoder(
            regenerate_source_id=True)),  # TOD's image/source_id is a file name, tfm wants a number
        parser=rcfg.Parser(aug_rand_hflip=config.aug_hflip,
                           aug_scale_min=config.aug_scale_min if training else 1.0,
                           aug_scale_max=config.aug_scale_max if training else 1.0,
                           max_num_instances=config.max_number_of_boxes),
    )


def quiet_tf_logs():
    """Silence TensorFlow's harmless Python-side noise: tf_keras's warning that the FPN ignores the
    backbone's level 6, absl INFO lines, and the SavedModel writer's "Skipping full serialization"
    warnings (24 per export). Errors still print."""
    import logging
    import warnings

    from absl import logging as absl_logging

    warnings.filterwarnings("ignore", message="Input dict contained keys")
    absl_logging.set_verbosity(absl_logging.WARNING)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _optimizer_config(config):
    from official.modeling import optimization

    lr = ({"type": "cosine", "cosine": {"initial_learning_rate": config.learning_rate,
                                        "decay_steps": config.num_steps}}
          if config.lr_schedule == "cosine" else
          {"type": "constant", "constant": {"learning_rate": config.learning_rate}})
    opt = ({"type": "adam", "adam": {}} if config.optimizer == "adam" else
           {"type": "sgd", "sgd": {"momentum": 0.9}})
    spec = {"optimizer": opt, "learning_rate": lr}
    if config.warmup_steps > 0:
        spec["warmup"] = {"type": "linear", "linear": {"warmup_steps": config.warmup_steps,
                                                        "warmup_learning_rate": config.learning_rate * 0.1}}
    return optimization.OptimizationConfig(spec)


def experiment_config(config, num_labels, train_paths=(), eval_paths=(), replay_paths=()):
    """The Model Garden ``ExperimentConfig`` of ``config`` for ``num_labels`` classes (without background)."""
    from official.core import config_definitions as cfg
    from official.core import exp_factory
    from official.vision.configs import retinanet as rcfg  # noqa: F401  (registers 'retinanet')

    exp = exp_factory.get_exp_config("retinanet")
    exp.task.model = _model_config(config, num_labels)
    exp.task.train_data = _data_config(config, list(train_paths), True, list(replay_paths))
    exp.task.validation_data = _data_config(config, list(eval_paths), False)
    exp.task.losses = rcfg.Losses(l2_weight_decay=config.weight_decay)
    exp.task.annotation_file = None  # COCO ground truth is built from the eval records
    exp.task.max_num_eval_detections = config.max_total_detections
    if config.fine_tune_checkpoint:
        exp.task.init_checkpoint = config.fine_tune_checkpoint
        exp.task.init_checkpoint_modules = "all" if config.fine_tune_checkpoint_type == "detection" else "backbone"
    exp.runtime = cfg.RuntimeConfig(
        distribution_strategy=config.distribution_strategy or "one_device",
        mixed_precision_dtype="mixed_bfloat16" if config.use_bfloat16 else "float32")
    exp.trainer = cfg.TrainerConfig(
        train_steps=config.num_steps, steps_per_loop=config.log_every, summary_interval=config.log_every,
        checkpoint_interval=config.checkpoint_every, max_to_keep=config.keep_checkpoints,
        validation_interval=config.eval_every or config.num_steps, validation_steps=-1,
        optimizer_config=_optimizer_config(config), best_checkpoint_export_subdir="")
    exp.validate()
    return exp


def build_task(exp, config):
    """The :class:`TodRetinaNetTask` of ``exp`` with ``config``'s photometric and rotation augmentation."""
    from tod_ros.training.augment import Photometric, QuarterTurn, Rotation
    from tod_ros.training.task import TodRetinaNetTask

    photometric = Photometric(brightness=config.aug_brightness, contrast=config.aug_contrast,
                              saturation=config.aug_saturation, hue=config.aug_hue,
                              grayscale_prob=config.aug_grayscale_prob)
    rotation = Rotation(max_angle=config.aug_rotation, prob=config.aug_rotation_prob)
    return TodRetinaNetTask(exp.task, photometric=photometric, rotation=rotation,
                            quarter_turn=QuarterTurn(config.aug_quarter_turn_prob))
