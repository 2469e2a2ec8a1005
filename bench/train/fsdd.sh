#!/bin/bash
# Speaker-independent spoken digits (FSDD): train `auris train --model cnn` on 5 speakers and
# test on the 6th, for each speaker in turn (6 folds), and report mean ± std top-1.
# The manifest (fold = speaker) is made in a temporary folder; nothing is copied into the
# repository. Hyper-parameters were chosen with `tune` below, which holds out a training
# speaker as validation and never sees the test speaker.
#   bench/train/fsdd.sh [AURIS] [cv|tune]      (AURIS_SHARED overrides ../shared)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
auris=${1:-$here/../../build/auris}
mode=${2:-cv}
shared=${AURIS_SHARED:-$here/../../../shared}
rec=$shared/data/fsdd/recordings
[ -d "$rec" ] || { echo "skipped: $rec not found"; exit 77; }
work=$(mktemp -d /tmp/auris-fsdd.XXXXXX)
trap 'rm -rf "$work/manifest.csv"' EXIT
speakers=(george jackson lucas nicolas theo yweweler)
{
  echo "filename,label,fold"
  for f in "$rec"/*.wav; do
    b=$(basename "$f" .wav); digit=${b%%_*}; rest=${b#*_}; spk=${rest%%_*}
    for i in "${!speakers[@]}"; do [ "${speakers[$i]}" = "$spk" ] && fold=$((i + 1)); done
    echo "$b.wav,$digit,$fold"
  done
} > "$work/manifest.csv"
# Log-mel at the recordings' 8 kHz, 1 s clips (97% of the recordings are shorter), the
# small CNN, and augmentation aimed at unseen voices: speed/pitch perturbation, time
# shift, gain and SpecAugment.
opts=(--model cnn --preset small --sample-rate 8000 --n-mels 32 --hop-ms 16 --duration 1
      --epochs ${EPOCHS:-12} --batch 32 --lr 0.003 --patience 0
      --speed 0.12 --shift 0.15 --gain 6 --specaugment --seed 1 --threads ${THREADS:-1})
case $mode in
tune)
  # validation = speaker 5 (theo), test speaker 6 (yweweler) left out entirely
  grep -v ",6$" "$work/manifest.csv" > "$work/tune.csv"
  "$auris" train --manifest "$work/tune.csv" --audio-dir "$rec" --fold 5 --val-split 0 \
    "${opts[@]}" --project "$work/runs" --name tune ;;
cv)
  # validation for early stopping / best epoch: 10% of the 5 training speakers' files
  "$auris" train --manifest "$work/manifest.csv" --audio-dir "$rec" --cv --val-split 0.1 \
    "${opts[@]}" --project "$work/runs" --name cv ;;
esac
# Measured (EPOCHS=12, THREADS=1, 2-core shared machine, 2026-11-21): top1 per test speaker
# 0.828 0.920 0.918 0.788 0.900 0.910 -> 0.877 +- 0.056 (target 0.97 not reached)
echo "run folder: $work/runs"
