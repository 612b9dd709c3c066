#!/usr/bin/env bash
# The README's main command (`make demo`): the whole running system on a simulated robot.
#   detect.launch sim:=true with the shipped demo model (models/demo) on cube photos
#   (../shared/data/real_cubes when present, else `tod synth` images), CYCLES full cycles,
#   one line per picture: labels in the order the robot received them + takeImage->label latency.
# Uses a private ROS master on a free port (a running robot is not disturbed). Exit 0 when every
# cycle succeeded. Env: TOD_DEMO_MODEL (model folder), TOD_DEMO_IMAGES (image folder), CYCLES.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if [ -z "${TOD_REPO:-}" ]; then
  # shellcheck disable=SC1091
  source ./setup_env.sh
fi
MODEL="${TOD_DEMO_MODEL:-$REPO/models/demo}"
CYCLES="${CYCLES:-3}"

if [ ! -f "$MODEL/saved_model/saved_model.pb" ] && [ ! -f "$MODEL/model.tflite" ]; then
  echo "demo: no exported model in $MODEL (expected saved_model/ or model.tflite + label_map.pbtxt)." >&2
  echo "      Train and export the demo model first (see docs/training.md), or set TOD_DEMO_MODEL=<model dir>." >&2
  exit 2
fi

WORK="$(mktemp -d -t tod_demo.XXXXXX)"
LAUNCH_PID=""
cleanup() {
  if [ -n "$LAUNCH_PID" ] && kill -0 "$LAUNCH_PID" 2>/dev/null; then
    kill -INT "$LAUNCH_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$LAUNCH_PID" 2>/dev/null || break; sleep 0.2; done
    kill -TERM "$LAUNCH_PID" 2>/dev/null || true
    wait "$LAUNCH_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

IMAGES="${TOD_DEMO_IMAGES:-$REPO/../shared/data/real_cubes}"
if [ ! -d "$IMAGES" ]; then
  echo "demo: $IMAGES not found, generating 6 synthetic cube images"
  tod synth --out "$WORK/images" --count 6 --quiet >/dev/null
  IMAGES="$WORK/images"
fi
IMAGES="$(cd "$IMAGES" && pwd)"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export ROS_MASTER_URI="http://127.0.0.1:$PORT"
export ROS_HOME="$WORK/ros_home"
echo "demo: model $MODEL"
echo "demo: images $IMAGES"
echo "demo: roslaunch tod_ros detect.launch sim:=true cycles:=$CYCLES (log: $WORK/launch.log, master :$PORT)"
roslaunch -p "$PORT" tod_ros detect.launch sim:=true model_dir:="$MODEL" image_dir:="$IMAGES" \
  cycles:="$CYCLES" >"$WORK/launch.log" 2>&1 &
LAUNCH_PID=$!
for _ in $(seq 100); do   # the monitor's node registers once the master is up (<= 20 s)
  python3 -c 'import rosgraph, sys; sys.exit(0 if rosgraph.is_master_online() else 1)' 2>/dev/null && break
  kill -0 "$LAUNCH_PID" 2>/dev/null || { cat "$WORK/launch.log" >&2; exit 1; }
  sleep 0.2
done

set +e
python3 -m tod_ros.ros.demo_monitor --cycles "$CYCLES" --timeout 80
STATUS=$?
set -e
if [ "$STATUS" -ne 0 ]; then
  echo "demo: last lines of the launch log:" >&2
  grep -v '^\s*$' "$WORK/launch.log" | tail -25 >&2
fi
exit "$STATUS"
