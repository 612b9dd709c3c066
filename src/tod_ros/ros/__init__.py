"""ROS helpers of the nodes and of the commands that talk to a running robot: private params into a
config dataclass (the only ``get_param``), ``init_node``, the robot camera's GetImage client, the
detector's vision link, the demo's monitor. Only :mod:`tod_ros.nodes` and :mod:`tod_ros.commands`
(inside functions) import them."""
