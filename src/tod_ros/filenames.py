"""File names of the folders tod_ros writes and reads (one definition each; no imports).

A training folder (``training/<project>/``, ``tod train --model-dir``) and an exported model
folder (``tod export --out``, ``models/demo``, a detector's ``~model_dir``)::

    label_map.pbtxt        LABEL_MAP     ids -> names (also training/<project>/label_map.pbtxt)
    train_config.yaml      TRAIN_CONFIG  the TrainConfig the model was trained (and exported) with
    loss_history.csv       LOSS_HISTORY  training: step, loss, ...
    train_inputs.json      TRAIN_INPUTS  training: digests of the data trained on (resume or start over)
    eval_metrics.json      EVAL_METRICS  training: the final evaluation
    loss_curve.png         LOSS_CURVE    training: the loss plot
    saved_model/           SAVED_MODEL_DIR  export: the SavedModel (SAVED_MODEL_PB inside)
    model.tflite           TFLITE        export: the fp32 TFLite detector
    model_int8.tflite      TFLITE_INT8   export (--int8): its full-integer quantization
    score_calibration.json SCORE_CALIBRATION  export: the score map inside the exported models
    heldout.record         HELDOUT_RECORD  a pre-trained checkpoint's held-out images (scores calibrated on them)
    reader.tflite          OLD_READER    exports of older versions: a second stage no longer used
"""
LABEL_MAP = "label_map.pbtxt"
TRAIN_CONFIG = "train_config.yaml"
LOSS_HISTORY = "loss_history.csv"
TRAIN_INPUTS = "train_inputs.json"
EVAL_METRICS = "eval_metrics.json"
LOSS_CURVE = "loss_curve.png"
CALIBRATION_DIR = "calibration"      # a workspace's table calibration: calibration/table.yaml (tod calibrate)
TABLE_CALIBRATION = "table.yaml"
SAVED_MODEL_DIR = "saved_model"
SAVED_MODEL_PB = "saved_model.pb"
TFLITE = "model.tflite"
TFLITE_INT8 = "model_int8.tflite"
SCORE_CALIBRATION = "score_calibration.json"
HELDOUT_RECORD = "heldout.record"
OLD_READER = "reader.tflite"
