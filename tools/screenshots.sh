#!/bin/bash
# Re-makes the pictures of docs/dataset.md under Xvfb:
#   docs/images/review_sheet.png          tod prelabel --sheet on the 12 shared photos (or synthetic ones)
#   docs/images/annotator_proposals.png   tod label on the same pre-annotated photos (the real window)
# Usage: tools/screenshots.sh   (after `make setup`; needs xvfb and xdotool, which tools/install.sh installs)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT="$REPO/docs/images"
REAL="${TOD_REAL_CUBES:-$REPO/../shared/data/real_cubes}"
set +u; source "$REPO/setup_env.sh" >/dev/null; set -u

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

cd "$WORK"
tod init cubes >/dev/null
if ls "$REAL"/*.jpg >/dev/null 2>&1; then
  cp "$REAL"/*.jpg "$REAL"/*.png images/cubes/ 2>/dev/null || true
else
  echo "no $REAL: synthetic photos instead"
  tod synth --out images/cubes --count 8 --quiet >/dev/null 2>&1
  rm -f images/cubes/*.xml
fi
tod prelabel -p cubes --check-below 0.8 --sheet "$WORK/sheet.png"

# Xvfb on a free display; a home of its own so no saved annotator settings apply
exec 3< <(Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp 2>/dev/null)
PIDS+=($!)
read -r -t 10 number <&3 || { echo "Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$number" HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run"
mkdir -p "$HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"
tod label -p cubes >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do
  win=$(xdotool search --onlyvisible --name labelImgPlusPlus 2>/dev/null | head -1 || true)
  [ -n "$win" ] && break
  sleep 0.5
done
[ -n "${win:-}" ] || { echo "no annotator window" >&2; exit 1; }
sleep 3
xdotool windowfocus --sync "$win"
last=$(ls images/cubes/*.xml | wc -l)          # the photo of the robot's three cubes is the last one
for _ in $(seq $((last - 1))); do xdotool key d; sleep 0.4; done
sleep 2

mkdir -p "$OUT"
python3 - "$WORK/sheet.png" "$OUT" <<'EOF'
import sys
from pathlib import Path

from PIL import Image, ImageGrab

sheet, out = Path(sys.argv[1]), Path(sys.argv[2])


def save_small(image, path, width):
    """``image`` at ``width`` pixels, 128 colours: a PNG of a few hundred KB at most."""
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.convert("RGB").quantize(128).save(path, optimize=True)
    print(f"{path}: {image.width}x{image.height}, {path.stat().st_size // 1024} KB")


save_small(ImageGrab.grab(xdisplay=None), out / "annotator_proposals.png", 1280)
save_small(Image.open(sheet), out / "review_sheet.png", 1000)
EOF
