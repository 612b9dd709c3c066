"""The parameter server for the nodes: private params read into config dataclasses
(:func:`load_config`) and the protocol params of the pure classes (:class:`RosParams`).
The only place in tod_ros that calls ``rospy.get_param`` / ``rospy.set_param``."""
import dataclasses

import rospy


def load_config(cls, namespace="~"):
    """Instantiate dataclass ``cls`` from private params named like its fields.

    Missing params keep the dataclass default; values are coerced to the default's type.
    """
    values = {}
    for field in dataclasses.fields(cls):
        name = namespace + field.name
        if not rospy.has_param(name):
            continue
        value = rospy.get_param(name)
        default = field.default if field.default is not dataclasses.MISSING else None
        if isinstance(default, bool):
            value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            value = type(default)(value)
        elif isinstance(default, str):
            value = str(value)
        values[field.name] = value
    return cls(**values)


class RosParams:
    """The param store of :mod:`tod_ros.protocol` on the ROS parameter server (names as rospy's)."""

    def get(self, name, default=None):
        """The value of param ``name``, ``default`` when it is not set."""
        return rospy.get_param(name, default)

    def set(self, name, value):
        """Set param ``name``."""
        rospy.set_param(name, value)
