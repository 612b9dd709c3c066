#!/usr/bin/env bash
# Reproduces models/cubes_base, the shipped pre-trained cube checkpoint (docs/training.md):
#   tod synth (1000 images, seed $SEED, at 0.5 scale) -> tod convert
#   -> tod train --config pretrain_synthetic (from random weights, at input 192x256)
#   -> the model-only checkpoint (no optimizer slots), its train_config.yaml and label_map.pbtxt
#   + replay.record: $REPLAY synthetic images (seed $SEED + 1000) that `tod train -p` mixes into
#     fine-tuning so that a few real photos do not make the model forget what it learned.
# Written to models/cubes_base.new first, then swapped in by renames.
# Before anything is replaced, the model is checked on its 100 held-out synthetic images: CPU training
# is not deterministic, and some runs never learn to tell the digits apart
# (docs/quality.md); such a run is refused (exit 1) instead of being shipped.
# Env: SEED (default 3: the typical seed of docs/quality.md, session 6, not the best), COUNT (1000), REPLAY (200),
#      MIN_MAP (0.8: the least mAP@0.5 on the held-out synthetic images),
#      WORK (kept working folder, default: a temporary one).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if [ -z "${TOD_REPO:-}" ]; then
  # shellcheck disable=SC1091
  source ./setup_env.sh
fi
SEED="${SEED:-3}"; COUNT="${COUNT:-1000}"; REPLAY="${REPLAY:-200}"; MIN_MAP="${MIN_MAP:-0.8}"
WORK="${WORK:-$(mktemp -d -t tod_cubes_base.XXXXXX)}"
mkdir -p "$WORK"
NEW="$REPO/models/cubes_base.new"
rm -rf "$NEW"
printf "item {\n  id: 1\n  name: 'one'\n}\nitem {\n  id: 2\n  name: 'two'\n}\n" > "$WORK/label_map.pbtxt"

tod synth --out "$WORK/synth" --count "$COUNT" --seed "$SEED" --split 0.1 --scale 0.5 --quiet
tod convert --images "$WORK/synth" --out "$WORK/rec" --label-map "$WORK/label_map.pbtxt"
tod train --config pretrain_synthetic label_map="$WORK/label_map.pbtxt" \
  train_records="$WORK/rec/train.record" model_dir="$WORK/pre"
tod export --model-dir "$WORK/pre" --out "$WORK/exported" --no-tflite input_height=256 input_width=320   # as served
tod eval --model "$WORK/exported" --images "$WORK/synth/test" --json "$WORK/synth_eval.json" --out "$WORK/synth_eval"
python3 - "$WORK/synth_eval.json" "$MIN_MAP" <<'PY'
import json, sys
score, least = json.load(open(sys.argv[1]))["mAP@0.5"], float(sys.argv[2])
if score < least:
    sys.exit(f"make_cubes_base: the pre-trained model reads its held-out synthetic images at mAP@0.5 {score:.3f} "
             f"< {least}: this run did not converge (it happens to some runs); nothing replaced. Run again.")
print(f"held-out synthetic images: mAP@0.5 {score:.3f} (>= {least})")
PY
tod synth --out "$WORK/replay" --count "$REPLAY" --seed "$((SEED + 1000))" --scale 0.5 --quiet
tod convert --images "$WORK/replay" --out "$WORK/replay_rec" --label-map "$WORK/label_map.pbtxt"

python3 - "$WORK/pre" "$NEW" <<'PY'
import sys
from tod_ros.training.zoo import publish
print("published", publish(sys.argv[1], sys.argv[2]))
PY
cp "$WORK/replay_rec/replay.record" "$NEW/replay.record"

cp "$WORK/pre/loss_curve.png" "$NEW/loss_curve.png"

OLD="$REPO/models/cubes_base.old.$$"
if [ -d "$REPO/models/cubes_base" ]; then mv "$REPO/models/cubes_base" "$OLD"; fi
mv "$NEW" "$REPO/models/cubes_base"
rm -rf "$OLD"
echo "models/cubes_base replaced ($(du -sh "$REPO/models/cubes_base" | cut -f1))"
