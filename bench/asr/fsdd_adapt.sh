#!/bin/bash
# Acoustic-model adaptation on the Free Spoken Digit Dataset, leave one speaker out:
# for each of the 6 speakers S, tools/asr_adapt.sh adapts the model to the other 5
# speakers' 2500 recordings (sphinxtrain's bw, then mllr_solve and map_adapt), and S's 500
# recordings are decoded with the ten-digit grammar by the base model, the base model with
# the MLLR matrix, and the MAP-adapted model. Word accuracy = 1 - WER (one word per file).
# No setting is tuned: sphinxtrain's defaults (one global MLLR transform with shift; MAP
# with Bayesian mean updates) and auris's decoder defaults, fixed before any test.
# Two base models: Debian's en-us (ptm, 16 kHz) and the TIDIGITS model of
# pocketsphinx-testdata (semi-continuous, 4 kHz band). Everything is written in a temp dir.
# Takes about 15 minutes on one core (bw: ~35 s per fold and model).
# usage: bench/asr/fsdd_adapt.sh AURIS_BINARY [SHARED_DIR] [MODEL...]   MODEL: en-us tidigits
set -euo pipefail
auris=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
shared=${2:-$here/../../../shared}
shift $(( $# < 2 ? $# : 2 ))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(en-us tidigits)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$here/make_manifests.sh" "$tmp" "$shared" >/dev/null
gram=$here/../../tests/fixtures/asr/digits.gram
adapt=$here/../../tools/asr_adapt.sh
speakers=(george jackson lucas nicolas theo yweweler)

accuracy() {  # manifest, auris options... -> word accuracy in %
    local m=$1; shift
    "$auris" eval asr --manifest "$m" --grammar "$gram" "$@" \
        | awk 'NR == 1 {for (i = 1; i < NF; i++) if ($i == "WER") {sub(/%/, "", $(i + 1)); printf "%.1f", 100 - $(i + 1)}}'
}

for model in "${models[@]}"; do
    case $model in
        en-us) hmm=/usr/share/pocketsphinx/model/en-us/en-us
               dict=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict ;;
        tidigits) hmm=/usr/share/pocketsphinx/test/data/tidigits/hmm
                  dict=/usr/share/pocketsphinx/test/data/tidigits/lm/tidigits.dic ;;
        *) echo "fsdd_adapt: unknown model $model (en-us, tidigits)" >&2; exit 1 ;;
    esac
    echo "== $model: word accuracy (%) on the held-out speaker, adapted on the other five"
    printf '%-10s %8s %8s %8s %8s\n' speaker base mllr map adapt_s
    for s in "${speakers[@]}"; do
        grep "_${s}_" "$tmp/fsdd.tsv" >"$tmp/test.tsv"
        grep -v "_${s}_" "$tmp/fsdd.tsv" >"$tmp/train.tsv"
        rm -rf "$tmp/adapted"
        t0=$(date +%s)
        bash "$adapt" --manifest "$tmp/train.tsv" --hmm "$hmm" --dict "$dict" \
            --out "$tmp/adapted" >/dev/null 2>"$tmp/adapt.log" \
            || { cat "$tmp/adapt.log" >&2; exit 2; }
        t1=$(date +%s)
        a=$(accuracy "$tmp/test.tsv" --hmm "$hmm" --dict "$dict")
        b=$(accuracy "$tmp/test.tsv" --hmm "$hmm" --dict "$dict" \
            --engine-options "-mllr $tmp/adapted/mllr_matrix")
        c=$(accuracy "$tmp/test.tsv" --hmm "$tmp/adapted/model" --dict "$dict")
        printf '%-10s %8s %8s %8s %8s\n' "$s" "$a" "$b" "$c" $((t1 - t0))
        echo "$a $b $c" >>"$tmp/scores.$model"
    done
    awk '{for (i = 1; i <= 3; i++) t[i] += $i} END {printf "%-10s %8.1f %8.1f %8.1f\n", "mean", t[1] / NR, t[2] / NR, t[3] / NR}' "$tmp/scores.$model"
done
