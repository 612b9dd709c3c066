"""Training and export of detectors built with TensorFlow Model Garden (tf-models-official).

Pure-Python entry points (TensorFlow is imported inside the functions that need it):

* :mod:`tod_ros.training.config`: ``TrainConfig``, ``load_config(path, overrides)``
* :mod:`tod_ros.training.trainer`: ``train(config, project=None) -> TrainResult``
* :mod:`tod_ros.training.export`: ``export_model(model_dir, out_dir, ...)``
"""
