# Source me:  source setup_env.sh
# Activates the project's venv (.venv) and catkin workspace (.catkin_ws), so that
# roslaunch/rosrun/rostest tod_ros ... and the `tod` command work. Run `make setup` first.
TOD_REPO="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
if [ ! -f "$TOD_REPO/.venv/bin/activate" ] || [ ! -f "$TOD_REPO/.catkin_ws/devel/setup.bash" ]; then
  echo "tod_ros is not set up yet: run 'make setup' (or tools/install.sh) in $TOD_REPO" >&2
  return 1 2>/dev/null || exit 1
fi
# ROS's own profile scripts read unset variables: scripts with `set -u` (tools/*.sh) source us too
case $- in *u*) _tod_nounset=1; set +u ;; *) _tod_nounset="" ;; esac
# shellcheck disable=SC1091
source "$TOD_REPO/.venv/bin/activate"
# shellcheck disable=SC1091
source "$TOD_REPO/.catkin_ws/devel/setup.bash"
if [ -n "$_tod_nounset" ]; then set -u; fi
unset _tod_nounset
# ROS_HOME / ROS_LOG_DIR are left to the user: ROS logs go where ROS users look for them,
# ~/.ros/log/latest/ by default (docs/ros.md, "Logs").
export TOD_REPO
# TensorFlow's C++ start-up chatter (e.g. "failed call to cuInit" on a machine without a GPU)
# is noise for users of this package; Python errors are still raised. 0 shows everything.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
