#!/bin/bash
# Speaker-independent spoken digits (FSDD): train `auris train --model cnn` on 5 speakers and
# test on the 6th, for each speaker in turn (6 folds), and report mean ± std top-1.
# The manifest (fold = speaker) is made in a temporary folder; nothing is copied into the
# repository. Hyper-parameters were chosen with `tune` below, which holds out a training
# speaker as validation and never sees the test speaker.
#   bench/train/fsdd.sh [AURIS] [cv|tune]      (AURIS_SHARED overrides ../shared)
# Environment:
#   EPOCHS=30      epochs per fold
#   JOBS=1         folds trained at once (each single-threaded; >1 runs `--fold K` per
#                  process and averages the folds' metrics.json, the same runs as --cv)
#   NOISE=1        background noise and reverberation from ../shared/data/speechbrain
#   SYNTH=DIR      extra training voices (fold 0) from tools/make_synth_digits.sh DIR
#   TUNE_FOLD=5    tune: the training speaker held out as validation (4 nicolas, 5 theo)
#   EXTRA="..."    more `auris train` options
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
auris=${1:-$here/../../build/auris}
mode=${2:-cv}
shared=${AURIS_SHARED:-$here/../../../shared}
rec=$shared/data/fsdd/recordings
[ -d "$rec" ] || { echo "skipped: $rec not found"; exit 77; }
work=$(mktemp -d /tmp/auris-fsdd.XXXXXX)
speakers=(george jackson lucas nicolas theo yweweler)
{
  echo "filename,label,fold"
  for f in "$rec"/*.wav; do
    b=$(basename "$f" .wav); digit=${b%%_*}; rest=${b#*_}; spk=${rest%%_*}
    for i in "${!speakers[@]}"; do [ "${speakers[$i]}" = "$spk" ] && fold=$((i + 1)); done
    echo "$f,$digit,$fold"
  done
  if [ -n "${SYNTH:-}" ]; then
    [ -f "$SYNTH/manifest.csv" ] || { echo "no $SYNTH/manifest.csv: run tools/make_synth_digits.sh $SYNTH" >&2; exit 2; }
    tail -n +2 "$SYNTH/manifest.csv" | sed "s|^|$(cd "$SYNTH" && pwd)/|"
  fi
} > "$work/manifest.csv"
# Log-mel at the recordings' 8 kHz, 1 s clips (97% of the recordings are shorter), the
# small CNN, and augmentation aimed at unseen voices: speed/pitch perturbation, time
# shift, gain, SpecAugment, and background noise and room reverberation.
opts=(--model cnn --preset small --sample-rate 8000 --n-mels 32 --hop-ms 16 --duration 1
      --epochs ${EPOCHS:-30} --batch 32 --lr 0.003 --patience 0
      --speed 0.12 --shift 0.15 --gain 6 --specaugment --seed 1 --threads 1)
if [ "${NOISE:-1}" = 1 ]; then
  sb=$shared/data/speechbrain
  [ -d "$sb/noise" ] && [ -d "$sb/RIRs" ] || { echo "no $sb/{noise,RIRs}: set NOISE=0" >&2; exit 2; }
  opts+=(--noise "$sb/noise" --rir "$sb/RIRs")
fi
# shellcheck disable=SC2206
opts+=(${EXTRA:-})
case $mode in
tune)
  # validation = a training speaker, test speaker 6 (yweweler) left out entirely
  grep -v ",6$" "$work/manifest.csv" > "$work/tune.csv"
  "$auris" train --manifest "$work/tune.csv" --fold "${TUNE_FOLD:-5}" --val-split 0 \
    "${opts[@]}" --project "$work/runs" --name tune ;;
cv)
  # validation for the best epoch: 10% of the training speakers' files (never the 6th)
  if [ "${JOBS:-1}" -le 1 ]; then
    "$auris" train --manifest "$work/manifest.csv" --cv --val-split 0.1 \
      "${opts[@]}" --project "$work/runs" --name cv
  else
    mkdir -p "$work/runs/cv"
    for j in $(seq 0 $((JOBS - 1))); do
      (for k in 1 2 3 4 5 6; do
         [ $(((k - 1) % JOBS)) -eq "$j" ] || continue
         "$auris" train --manifest "$work/manifest.csv" --fold $k --val-split 0.1 -q \
           "${opts[@]}" --project "$work/runs/cv" --name "f$k"
       done) &
    done
    wait
    for k in 1 2 3 4 5 6; do
      sed -n 's/.*"top1":[[:space:]]*\([0-9.]*\).*/\1/p' "$work/runs/cv/f$k/fold$k/metrics.json" | head -1
    done | awk '{ s += $1; q += $1 * $1; printf "%s %.3f", (NR > 1 ? "" : "top1 per test speaker:"), $1 }
                END { m = s / NR; printf "\ncross-validation over %d folds: top1 %.4f ± %.4f\n", NR, m, sqrt((q - NR * m * m) / (NR - 1)) }'
  fi ;;
esac
# Measured (2-core shared machine, 2026-11-21), top1 per test speaker:
#   JOBS=2 (30 epochs, noise): 0.864 0.968 0.976 0.816 0.960 0.934 -> 0.920 ± 0.065
#   JOBS=2 EXTRA="--ema 0.995 --top-db 35": 0.830 0.970 0.956 0.890 0.940 0.896 -> 0.914 ± 0.052
#   12 epochs, no noise, no gain: 0.828 0.920 0.918 0.788 0.900 0.910 -> 0.877 ± 0.056
echo "run folder: $work/runs"
