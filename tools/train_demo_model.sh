#!/usr/bin/env bash
# Makes a demo model by a team's default loop on the 12 annotated real photos, then int8, and
# replaces models/demo with it (the committed models/demo was made by this script from the shipped
# models/cubes_base; docs/quality.md has its figures).
#   tod init demo -> photos linked into images/demo/train -> tod convert -p demo
#   -> tod train -p demo (fine-tunes the shipped models/cubes_base, docs/training.md)
#   -> tod export -p demo --int8 --calibration <100 tod synth images> (never the shared photos)
# then checks the new model (tod detect --sorted on ergo_cubes_212_1.png must read `two one two` with
# the SavedModel, TFLite and int8; otherwise nothing is replaced, exit 1) and swaps it in place of
# models/demo (written to models/demo.new first, then renames).
# Needs ../shared/data/real_cubes. A few minutes on a 2-core machine (docs/quality.md).
# Env: WORK (kept working folder, default: a temporary one).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if [ -z "${TOD_REPO:-}" ]; then
  # shellcheck disable=SC1091
  source ./setup_env.sh
fi
REAL="$REPO/../shared/data/real_cubes"
[ -d "$REAL" ] || { echo "train_demo_model: $REAL not found (the 12 annotated real photos)" >&2; exit 2; }
WORK="${WORK:-$(mktemp -d -t tod_demo_model.XXXXXX)}"
mkdir -p "$WORK"
NEW="$REPO/models/demo.new"
rm -rf "$NEW"

tod init demo --workspace "$WORK"
for f in "$REAL"/*.xml; do
  stem="${f%.xml}"
  for img in "$stem".jpg "$stem".png; do [ -f "$img" ] && ln -sf "$img" "$WORK/images/demo/train/"; done
  ln -sf "$f" "$WORK/images/demo/train/"
done
tod convert --workspace "$WORK" -p demo
tod train --workspace "$WORK" -p demo
tod synth --out "$WORK/calibration" --count 100 --seed 3 --quiet
tod export --workspace "$WORK" -p demo --out "$NEW" --int8 --calibration "$WORK/calibration"
cp "$WORK/training/demo/model/loss_curve.png" "$NEW/"
python3 -c "import sys; from tod_ros.training.zoo import strip_export; strip_export(sys.argv[1])" "$NEW"
# (its quality on photos it never saw is the recipe's: python3 bench/robustness --recipe, docs/quality.md)

for backend in savedmodel tflite tflite_int8; do
  echo "check ($backend): tod detect --sorted on ergo_cubes_212_1.png (expected: two one two)"
  tod detect --model "$NEW" -i "$REAL/ergo_cubes_212_1.png" --sorted --backend "$backend" \
    --out "$WORK/check_$backend" --json "$WORK/check_$backend.json"
  python3 - "$WORK/check_$backend.json" "$backend" <<'PY'
import json, sys
read = " ".join(d["label"] for d in json.load(open(sys.argv[1]))[0]["detections"])
if read != "two one two":
    sys.exit(f"train_demo_model: the new model ({sys.argv[2]}) reads ergo_cubes_212_1.png as {read!r}, not "
             "'two one two' (the ROS tests expect it); models/demo not replaced. Run again.")
PY
done

OLD="$REPO/models/demo.old.$$"
if [ -d "$REPO/models/demo" ]; then mv "$REPO/models/demo" "$OLD"; fi
mv "$NEW" "$REPO/models/demo"
rm -rf "$OLD"
echo "models/demo replaced ($(du -sh "$REPO/models/demo" | cut -f1))"
