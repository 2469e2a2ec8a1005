#!/bin/bash
# Training throughput (clips/s), auris vs PyTorch, side by side on the same machine, data,
# network (the `auris train --model cnn` preset), batch size, optimiser (AdamW) and log-mel
# front end (16 kHz, 64 mel, 25 ms / 10 ms), on 1 and 2 threads.
#
#   bench/train/throughput.sh [BUILD_DIR] [EPOCHS]
#   env: CLASSES (10), CLIPS per class (40), BATCH (32), PRESET (small), REPEATS (3)
#
# Rows:
#   engine  features precomputed once on both sides (the same .npy images): bench/train/
#           train_step.c on the engine's trainer vs torch_train.py --mode precomputed.
#   full    features computed per batch inside the timed loop, 20% of each class held out
#           and validated after every epoch: `auris train` vs torch_train.py --mode
#           per-epoch --val-split 0.2. auris's figure is the difference between an
#           (EPOCHS+1)-epoch and a 1-epoch run, which removes start-up, decoding and the
#           run folder's files (weights, plots). clips/s counts training clips.
#           Skipped when the auris binary has no train command.
# Each figure is the best of REPEATS; ratio = auris / PyTorch (> 1: auris is faster).
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
epochs=${2:-3}
classes=${CLASSES:-10}
clips=${CLIPS:-40}
batch=${BATCH:-32}
preset=${PRESET:-small}
repeats=${REPEATS:-3}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$root/include" "$here/train_step.c" \
   "$build/libauris.a" $(pkg-config --libs sndfile soxr fftw3f cairo libcjson openblas \
   pocketsphinx sphinxbase) -ldnnl -fopenmp -lm -o "$tmp/train_step"

# Synthetic labelled folder: class c is a harmonic tone around 150 * 1.25^c Hz with its own
# tremolo and noise level, 1 s at 16 kHz, seeded.
$py - "$tmp/data" "$classes" "$clips" <<'EOF'
import os, sys, wave
import numpy as np
root, classes, clips = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng, sr = np.random.default_rng(7), 16000
t = np.arange(sr) / sr
for c in range(classes):
    os.makedirs(os.path.join(root, "class%02d" % c))
    for i in range(clips):
        f0 = 150 * 1.25 ** c * rng.uniform(0.97, 1.03)
        x = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 5))
        x *= 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(1, 6) * t)
        x = 0.2 * x / np.abs(x).max() + rng.uniform(0.005, 0.05) * rng.standard_normal(sr)
        with wave.open(os.path.join(root, "class%02d" % c, "%03d.wav" % i), "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr)
            w.writeframes(np.clip(x * 32767, -32768, 32767).astype("<i2").tobytes())
EOF

frames=101 # 1 s at a 10 ms hop, centred frames: 1 + 16000 / 160
"$tmp/train_step" --print-cfg "$preset" 64 $frames "$classes" > "$tmp/net.cfg"
got=$($py "$here/torch_train.py" --data "$tmp/data" --cfg "$tmp/net.cfg" --dump "$tmp/feat" |
      awk '/^frames/ {print $2}')
[ "$got" = "$frames" ] || { echo "torchaudio made $got frames, expected $frames" >&2; exit 2; }

rate() { awk '/^clips_per_s/ {print $2}'; }
auris=$root/build/auris
[ -x "$build/auris" ] && auris=$build/auris
has_train=0
"$auris" train --help >/dev/null 2>&1 && has_train=1

# Seconds taken by one `auris train` run of $2 epochs on $1 threads; its output goes to
# $tmp/run.log (the first line names the training-set size).
auris_train_time() {
    local s
    rm -rf "$tmp/run"; mkdir -p "$tmp/run"
    s=$(date +%s.%N)
    (cd "$tmp/run" && OMP_NUM_THREADS=$1 "$auris" train --data "$tmp/data" --model cnn \
        --epochs "$2" --batch "$batch" --val-split 0.2 --patience 0 --threads "$1" \
        > "$tmp/run.log" 2>&1) || { cat "$tmp/run.log" >&2; exit 2; }
    echo "$(date +%s.%N) - $s" | bc
}

# auris train's clips/s over EPOCHS epochs: (EPOCHS+1)-epoch run minus 1-epoch run.
auris_train_rate() {
    local best=0 r t1 t2 n
    for r in $(seq "$repeats"); do
        t1=$(auris_train_time "$1" 1)
        t2=$(auris_train_time "$1" $((epochs + 1)))
        n=$(awk '/ training, / {print $1; exit}' "$tmp/run.log")
        best=$(echo "$best $t1 $t2" | awk -v n=$((n * epochs)) '
            { r = n / ($3 - $2); print (r > $1 ? r : $1) }')
    done
    echo "$best"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $classes classes x $clips clips of 1 s; preset $preset ($(grep -c '^\[conv2d\]' "$tmp/net.cfg") conv); batch $batch; $epochs epochs; best of $repeats"
printf '%-8s %-8s %12s %12s %7s\n' case threads auris_clip/s torch_clip/s ratio
for threads in 1 2; do
    export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
    a=$("$tmp/train_step" "$tmp/feat_x.npy" "$tmp/feat_y.npy" 64 "$classes" "$batch" \
        "$epochs" "$repeats" "$preset" | rate)
    p=$($py "$here/torch_train.py" --data "$tmp/data" --cfg "$tmp/net.cfg" --mode precomputed \
        --threads $threads --epochs "$epochs" --batch "$batch" --repeats "$repeats" | rate)
    printf '%-8s %-8s %12.1f %12.1f %7.2f\n' engine $threads "$a" "$p" "$(echo "$a / $p" | bc -l)"
    p=$($py "$here/torch_train.py" --data "$tmp/data" --cfg "$tmp/net.cfg" --mode per-epoch \
        --val-split 0.2 --threads $threads --epochs "$epochs" --batch "$batch" --repeats "$repeats" | rate)
    if [ $has_train = 1 ]; then
        a=$(auris_train_rate $threads)
        printf '%-8s %-8s %12.1f %12.1f %7.2f\n' full $threads "$a" "$p" "$(echo "$a / $p" | bc -l)"
    else
        printf '%-8s %-8s %12s %12.1f %7s\n' full $threads "(no train)" "$p" "-"
    fi
done
