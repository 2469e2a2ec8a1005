#!/bin/bash
# Digit accuracy on the Free Spoken Digit Dataset (3000 recordings, 8 kHz, 6 speakers)
# with the ten-digit JSGF grammar, two acoustic models:
#   en-us     Debian's pocketsphinx-en-us (16 kHz wideband model)
#   tidigits  the TIDIGITS digit model shipped in pocketsphinx-testdata (4 kHz band)
# Word accuracy = 1 - WER (one word per file).
# usage: bench/asr/fsdd.sh AURIS_BINARY [SHARED_DIR]
set -euo pipefail
auris=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$here/make_manifests.sh" "$tmp" "${2:-$here/../../../shared}" >/dev/null
gram=$here/../../tests/fixtures/asr/digits.gram
tidigits=/usr/share/pocketsphinx/test/data/tidigits
echo "== en-us acoustic model, digits.gram"
"$auris" eval asr --manifest "$tmp/fsdd.tsv" --grammar "$gram"
echo "== TIDIGITS acoustic model (pocketsphinx-testdata), digits.gram"
"$auris" eval asr --manifest "$tmp/fsdd.tsv" --grammar "$gram" --hmm "$tidigits/hmm" \
    --dict "$tidigits/lm/tidigits.dic"
