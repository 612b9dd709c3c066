#!/usr/bin/env bash
# Fetches hand-writing fonts for `tod synth --fonts DIR`: the Google Fonts families below, from npm's
# @fontsource packages (SIL Open Font License 1.1, a few Apache 2.0), one regular latin .woff each,
# with each family's LICENSE as <family>.LICENSE beside it. Many draw a `2` without a loop or a `1`
# with flag and base, the styles the detector misreads (docs/quality.md, sessions 9-10).
# They add hand-writing variety to the synthetic cubes, beside the Debian fonts (installed by make setup) that
# `tod synth` always uses; tools/make_cubes_base.sh uses the Debian fonts only.
#   tools/fetch_fonts.sh [DIR]      (default: ~/.cache/tod_ros/fonts; needs npm and the npm registry)
set -euo pipefail
DIR="${1:-$HOME/.cache/tod_ros/fonts}"
FAMILIES="annie-use-your-telescope architects-daughter caveat caveat-brush cedarville-cursive comforter
coming-soon covered-by-your-grace crafty-girls dawning-of-a-new-day dekko delicious-handrawn east-sea-dokdo
edu-nsw-act-foundation edu-qld-beginner edu-sa-beginner edu-tas-beginner edu-vic-wa-nt-beginner gaegu
gamja-flower give-you-glory gloria-hallelujah gochi-hand handlee indie-flower itim just-another-hand
just-me-again-down-here kalam kavivanar la-belle-aurore loved-by-the-king mali marck-script mynerve
nanum-brush-script nanum-pen-script nerko-one neucha nothing-you-could-do oooh-baby over-the-rainbow
pangolin patrick-hand permanent-marker playpen-sans reenie-beanie schoolbell sedgwick-ave shadows-into-light
shantell-sans short-stack sofadi-one sriracha sue-ellen-francisco swanky-and-moo-moo the-girl-next-door
waiting-for-the-sunrise walter-turncoat yomogi zen-kurenaido zeyada"
command -v npm > /dev/null || { echo "fetch_fonts: npm not found (apt-get install npm)" >&2; exit 2; }
mkdir -p "$DIR"
TMP="$(mktemp -d -t tod_fonts.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
got=0
for family in $FAMILIES; do
  if ! (cd "$TMP" && npm pack --silent "@fontsource/$family" > /dev/null 2>&1); then
    echo "fetch_fonts: @fontsource/$family: not fetched (skipped)" >&2
    continue
  fi
  mkdir -p "$TMP/$family"
  tar xzf "$TMP"/fontsource-"$family"-*.tgz -C "$TMP/$family"
  font="$(ls "$TMP/$family"/package/files/"$family"-latin-400-normal.woff 2> /dev/null | head -1 || true)"
  [ -n "$font" ] || font="$(ls "$TMP/$family"/package/files/"$family"-latin-*-normal.woff | head -1)"
  cp "$font" "$DIR/$family.woff.tmp" && mv "$DIR/$family.woff.tmp" "$DIR/$family.woff"
  cp "$TMP/$family/package/LICENSE" "$DIR/$family.LICENSE"
  got=$((got + 1))
done
echo "fetched $got hand-writing fonts into $DIR (tod synth --fonts $DIR)"
