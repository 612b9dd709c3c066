"""Reading private params into config dataclasses (the only place nodes call get_param)."""
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
