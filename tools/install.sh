#!/usr/bin/env bash
# One-command, idempotent set-up of tod_ros on Debian 12:
#   1. Debian's ROS1 packages (and the fonts the synthetic generator uses),
#   2. a venv .venv/ made from /usr/bin/python3 --system-site-packages, pinned deps,
#   3. a catkin workspace .catkin_ws/ that builds this package against the venv's Python.
# A second run only checks and takes seconds.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
WS="$REPO/.catkin_ws"
STAMP_DIR="$VENV/.tod_stamps"

APT_PACKAGES=(
  python3-rospy python3-roslaunch python3-rostest rosout rosbash catkin
  ros-message-generation ros-message-runtime
  libsensor-msgs-dev ros-sensor-msgs python3-sensor-msgs
  libstd-msgs-dev ros-std-msgs python3-std-msgs
  python3-cv-bridge librostest-dev build-essential python3-venv
  python3-rosparam python3-rosservice python3-rosmsg python3-rosnode python3-rostopic
  python3-std-srvs libstd-srvs-dev ros-std-srvs
  python3-geometry-msgs libgeometry-msgs-dev ros-geometry-msgs python3-tf2-ros python3-tf2-msgs
  python3-tf2-geometry-msgs
  python3-dynamic-reconfigure libdynamic-reconfigure-config-init-mutex-dev
  ros-image-view libimage-view-dev libnodeletlib-tools  # image_view (view:=true): roslaunch and pluginlib need their package.xml
  fonts-dkg-handwriting fonts-breip fonts-bwht fonts-femkeklaver fonts-humor-sans
  fonts-klee fonts-kristi fonts-dejavu-core
  xvfb xauth xdotool x11-utils libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0
  libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0
  libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
)

log() { printf '\033[1;34m[tod setup]\033[0m %s\n' "$*"; }

sudo_cmd() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "Debian packages: ok"; return; fi
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd apt-get update -q
  sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_venv() {
  local req_hash
  req_hash=$(sha256sum "$REPO/requirements.txt" | cut -c1-16)
  if [ -f "$STAMP_DIR/req-$req_hash" ] && "$VENV/bin/python3" -c "import sys" 2>/dev/null; then
    log "Python venv: ok"
  else
    if [ ! -x "$VENV/bin/python3" ]; then
      log "creating venv $VENV from /usr/bin/python3"
      /usr/bin/python3 -m venv --system-site-packages "$VENV"
    fi
    log "installing Python requirements (first run downloads about 1 GB)"
    "$VENV/bin/python3" -m pip install -q --upgrade pip
    "$VENV/bin/python3" -m pip install -q -r "$REPO/requirements.txt"
    rm -rf "$STAMP_DIR"; mkdir -p "$STAMP_DIR"; touch "$STAMP_DIR/req-$req_hash"
  fi
  # Editable install so `tod` and `import tod_ros` work straight from src/.
  if [ ! -x "$VENV/bin/tod" ] || [ "$REPO/setup.py" -nt "$STAMP_DIR/editable" ]; then
    log "installing the tod command"
    "$VENV/bin/python3" -m pip install -q --no-deps --no-build-isolation -e "$REPO"
    touch "$STAMP_DIR/editable"
  fi
}

# The package folder seen by ROS (.catkin_ws/src/tod_ros) mirrors the repo's top-level
# entries through symlinks. Linking the repo itself would put .catkin_ws and .venv inside
# the package, so rosrun would walk the venv and find every relay script twice.
link_package_dir() {
  local pkg="$WS/src/tod_ros" entry name
  [ -L "$pkg" ] && rm -f "$pkg"
  mkdir -p "$pkg"
  for entry in "$REPO"/*; do
    name=$(basename "$entry")
    case "$name" in images|training|pre_trained|workspace|build) continue ;; esac
    [ "$(readlink "$pkg/$name" 2>/dev/null)" = "$entry" ] || ln -sfn "$entry" "$pkg/$name"
  done
  for entry in "$pkg"/*; do [ -e "$entry" ] || rm -f "$entry"; done
}

build_workspace() {
  link_package_dir
  local py="$VENV/bin/python3"
  # Rebuild only when package files changed since the last build.
  local sig
  sig=$(cd "$REPO" && { cat package.xml CMakeLists.txt setup.py msg/*.msg srv/*.srv cfg/*.cfg; ls nodes scripts test/*.test; } 2>/dev/null | sha256sum | cut -c1-16)
  if [ -f "$WS/devel/setup.bash" ] && [ -f "$WS/.tod_build_$sig" ]; then
    log "catkin workspace: ok"
    return
  fi
  log "building catkin workspace $WS against $py"
  (cd "$WS" && catkin_make --force-cmake -DPYTHON_EXECUTABLE="$py" -DCATKIN_ENABLE_TESTING=ON >"$WS/build.log" 2>&1) \
    || { tail -40 "$WS/build.log"; log "catkin_make failed, full log: $WS/build.log"; exit 1; }
  rm -f "$WS"/.tod_build_*; touch "$WS/.tod_build_$sig"
}

install_apt
install_venv
build_workspace
log "ready: run 'source setup_env.sh' to use roslaunch/rosrun/rostest/tod"
