#!/usr/bin/env bash
# Log-mel benchmark: auris vs torchaudio, one thread each, on the same generated recording.
#
#   bench/features/run.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# Makes a 10-minute and a 20-minute 22.05 kHz 16-bit WAV (espeak-ng speech looped, mixed with
# pink noise; written under BUILD_DIR/bench-features, never committed), then for REPS
# repetitions (default 5) times
#   auris features IN --type logmel --n-fft 1024 --hop 256 --n-mels 128 -o out.npy
# (the whole process: start-up, decoding, features, writing the .npy) and
#   bench/features/torchaudio_logmel.py (torchaudio.load + MelSpectrogram + AmplitudeToDB +
#   np.save, torch.set_num_threads(1); interpreter start-up and imports not counted),
# prints each one's best and median wall time, CPU time, throughput (seconds of audio per
# second) and the ratio, peak RSS (/usr/bin/time -v, Debian package `time`) on the 10- and
# 20-minute files, and how far the two outputs differ.
# Needs: sox, espeak-ng, time, python3-torchaudio (/usr/bin/python3).
set -euo pipefail

BUILD_DIR=${1:-build}
REPS=${REPS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
AURIS=$(cd "$BUILD_DIR" && pwd)/auris
PEER="$HERE/torchaudio_logmel.py"
PY=/usr/bin/python3
WORK=$(cd "$BUILD_DIR" && pwd)/bench-features
OPTS=(--type logmel --n-fft 1024 --hop 256 --n-mels 128)

for tool in sox espeak-ng /usr/bin/time "$PY"; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (see header)" >&2; exit 1; }
done
[ -x "$AURIS" ] || { echo "run.sh: $AURIS not built" >&2; exit 1; }
# The auris binary links OpenBLAS (for other commands); keep its thread pool at one thread
# so both sides really run on one core.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$WORK"
cd "$WORK"

if [ ! -s ten.wav ] || [ ! -s twenty.wav ]; then
    espeak-ng -w speech.wav "Audio recognition turns sound into features and features into \
answers. The quick brown fox jumps over the lazy dog, while numbers like one, two, three and \
forty two keep the spectrum busy. Does it work? It should, every single time."
    sox speech.wav -r 22050 -c 1 loop.wav repeat 100 trim 0 600
    sox -n -r 22050 -c 1 noise.wav synth 600 pinknoise vol 0.05
    sox -m loop.wav noise.wav -b 16 ten.wav
    sox ten.wav ten.wav twenty.wav
    rm -f speech.wav loop.wav noise.wav
fi
SECONDS_10=$(soxi -D ten.wav)

now() { date +%s.%N; }
calc() { awk "BEGIN {print $1}"; }

auris_wall=() auris_cpu=() torch_wall=() torch_cpu=()
for ((i = 0; i < REPS; i++)); do
    t0=$(now)
    /usr/bin/time -f "%U %S" -o auris.time "$AURIS" features ten.wav "${OPTS[@]}" -o auris.npy
    t1=$(now)
    auris_wall+=("$(calc "$t1 - $t0")")
    auris_cpu+=("$(awk '{print $1 + $2}' auris.time)")
    line=$("$PY" "$PEER" ten.wav -o torch.npy --n-fft 1024 --hop 256 --n-mels 128)
    torch_wall+=("$(sed -n 's/.*total=\([0-9.]*\).*/\1/p' <<<"$line")")
    torch_cpu+=("$(sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' <<<"$line")")
done

# best and median of a list of numbers
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {printf "%.3f %.3f", a[1], a[int((NR + 1) / 2)]}'; }
read -r aw_best aw_med <<<"$(stats "${auris_wall[@]}")"
read -r ac_best ac_med <<<"$(stats "${auris_cpu[@]}")"
read -r tw_best tw_med <<<"$(stats "${torch_wall[@]}")"
read -r tc_best tc_med <<<"$(stats "${torch_cpu[@]}")"

peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
a_rss10=$(peak_kb "$AURIS" features ten.wav "${OPTS[@]}" -o auris.npy)
a_rss20=$(peak_kb "$AURIS" features twenty.wav "${OPTS[@]}" -o auris20.npy)
t_rss10=$(peak_kb "$PY" "$PEER" ten.wav -o torch.npy)
t_rss20=$(peak_kb "$PY" "$PEER" twenty.wav -o torch20.npy)

echo "log-mel, n_fft 1024, hop 256, 128 mels, 22.05 kHz, ${SECONDS_10} s of audio, $REPS runs"
echo "machine: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %10s %10s %10s %10s %14s %12s %12s\n' "" "wall best" "wall med" "cpu best" "cpu med" \
    "x realtime" "RSS 10 min" "RSS 20 min"
printf '%-11s %9ss %9ss %9ss %9ss %14.0f %9s KB %9s KB\n' auris "$aw_best" "$aw_med" "$ac_best" \
    "$ac_med" "$(calc "$SECONDS_10 / $aw_best")" "$a_rss10" "$a_rss20"
printf '%-11s %9ss %9ss %9ss %9ss %14.0f %9s KB %9s KB\n' torchaudio "$tw_best" "$tw_med" \
    "$tc_best" "$tc_med" "$(calc "$SECONDS_10 / $tw_best")" "$t_rss10" "$t_rss20"
printf 'throughput ratio auris/torchaudio: %.1fx (best wall), %.1fx (median wall), %.1fx (best cpu)\n' \
    "$(calc "$tw_best / $aw_best")" "$(calc "$tw_med / $aw_med")" "$(calc "$tc_best / $ac_best")"

"$PY" - <<'EOF'
import numpy as np
a, t = np.load("auris.npy"), np.load("torch.npy")
assert a.shape == t.shape, (a.shape, t.shape)
d = np.abs(a.astype(np.float64) - t)
print("outputs %s: max |auris - torchaudio| = %.2e dB, max |diff| / max(|ref|, 1) = %.2e"
      % (a.shape, d.max(), (d / np.maximum(np.abs(t), 1.0)).max()))
EOF
