"""tod capture: the same tool as ``rosrun tod_ros capture.py``."""


def add_arguments(parser):
    from tod_ros.nodes.capture_tool import add_capture_arguments

    add_capture_arguments(parser)


def run(args):
    from tod_ros.nodes.capture_tool import run_capture

    return run_capture(args)
