"""``rospy.init_node`` for every node of the package, without the log-folder race message.

Each process of a launch (roslaunch, the master, every node) points ``<log dir>/latest`` at the
run's log folder when it starts (``rosgraph.roslogging.renew_latest_logdir``: remove the link,
make it again). Nodes started together race on it, and the loser printed ``INFO: cannot create a
symlink to latest log directory: [Errno 17] File exists`` at launch although the link was made,
by the winner, to the same folder. Here the loser's error is taken for what it is.
"""
import rospy


def tolerate_latest_link_race():
    """Make ``rosgraph.roslogging.renew_latest_logdir`` accept that another process of the same
    launch made (or is making) the ``latest`` link; idempotent."""
    import rosgraph.roslogging as roslogging

    original = roslogging.renew_latest_logdir
    if getattr(original, "tolerates_race", False):
        return

    def renew_latest_logdir(logfile_dir):
        try:
            return original(logfile_dir)
        except (FileExistsError, FileNotFoundError):     # a sibling process removed or made it meanwhile
            return True

    renew_latest_logdir.tolerates_race = True
    roslogging.renew_latest_logdir = renew_latest_logdir


def init_node(name, **kwargs):
    """``rospy.init_node(name, **kwargs)`` after :func:`tolerate_latest_link_race`."""
    tolerate_latest_link_race()
    rospy.init_node(name, **kwargs)
