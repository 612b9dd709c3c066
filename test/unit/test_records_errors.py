"""How a TensorFlow error of the training loop is reported (messages as TensorFlow 2.20 prints them)."""
from tod_ros.training.records import error_detail, from_input_pipeline, input_error

CORRUPT_JPEG = """Graph execution error:

Detected at node decode_image/DecodeImage defined at (most recent call last):
<stack traces unavailable>
Error in user-defined function passed to ParallelMapDatasetV2:9 transformation with iterator: \
Iterator::Root::Prefetch::MapAndBatch::ParallelMapV2: jpeg::Uncompress failed. Invalid JPEG data or crop window.
\t [[{{node decode_image/DecodeImage}}]]
\t [[MultiDeviceIteratorGetNextFromShard]]
\t [[RemoteCall]]
\t [[while/body/_1/IteratorGetNext]] [Op:__inference_loop_fn_21341]"""

MODEL_ERROR = """Graph execution error:

Detected at node retina_net_model/conv2d/Conv2D defined at (most recent call last):
<stack traces unavailable>
Incompatible shapes: [8,32,40,64] vs. [8,32,41,64]
\t [[{{node retina_net_model/add}}]] [Op:__inference_loop_fn_1]"""


class InvalidArgumentError(Exception):
    """Stands in for tf.errors.InvalidArgumentError: only its name and message are read."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class DataLossError(InvalidArgumentError):
    pass


def test_the_detail_is_the_line_that_says_what_failed_not_graph_execution_error():
    detail = error_detail(InvalidArgumentError(CORRUPT_JPEG))
    assert detail == "jpeg::Uncompress failed. Invalid JPEG data or crop window."
    assert error_detail(InvalidArgumentError(MODEL_ERROR)) == "Incompatible shapes: [8,32,40,64] vs. [8,32,41,64]"
    assert error_detail(InvalidArgumentError("")) == "InvalidArgumentError"


def test_only_errors_raised_by_the_input_iterator_blame_the_records():
    assert from_input_pipeline(InvalidArgumentError(CORRUPT_JPEG))
    assert from_input_pipeline(DataLossError("corrupted record at 12"))
    assert not from_input_pipeline(InvalidArgumentError(MODEL_ERROR))


def test_the_input_error_names_the_records_and_the_failure():
    text = str(input_error(InvalidArgumentError(CORRUPT_JPEG), ["a/train.record", "b/replay.record"]))
    assert "a/train.record, b/replay.record" in text
    assert "Invalid JPEG data or crop window. 'tod inspect <record>'" in text
    assert "Graph execution error" not in text
