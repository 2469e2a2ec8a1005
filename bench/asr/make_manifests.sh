#!/bin/bash
# Writes the evaluation manifests ("AUDIO<TAB>REFERENCE") of bench/asr into OUT_DIR:
#   librivox.tsv  PocketSphinx's 5 LibriVox utterances (pocketsphinx-testdata)
#   lj.tsv        LJSpeech LJ001-0001..0008 (normalised transcripts: numbers spelled)
#   fsdd.tsv      the 3000 Free Spoken Digit Dataset recordings (8 kHz), one digit each
# usage: bench/asr/make_manifests.sh OUT_DIR [SHARED_DIR (default: ../shared)]
set -euo pipefail
out=$1
shared=$(realpath "${2:-$(dirname "$0")/../../../shared}")
mkdir -p "$out"
lib=/usr/share/pocketsphinx/test/data/librivox
sed -E 's|<s> (.*) </s> \((.*)\)|'"$lib"'/\2.wav\t\1|' "$lib/transcription" >"$out/librivox.tsv"
lj=$shared/data/ljspeech
awk -F'|' -v d="$lj/wavs" '$1 >= "LJ001-0001" && $1 <= "LJ001-0008" {print d "/" $1 ".wav\t" $3}' \
    "$lj/metadata.csv" >"$out/lj.tsv"
words=(zero one two three four five six seven eight nine)
: >"$out/fsdd.tsv"
for f in "$shared"/data/fsdd/recordings/*.wav; do
    b=$(basename "$f")
    printf '%s\t%s\n' "$f" "${words[${b%%_*}]}" >>"$out/fsdd.tsv"
done
wc -l "$out"/*.tsv
