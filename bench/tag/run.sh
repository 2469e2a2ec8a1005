#!/usr/bin/env bash
# Tagging speed and memory: `auris tag --clip` on a 1-hour 16 kHz file (speech, music-like
# tones and noise made with sox, repeated), plus 10- and 30-minute files to show that
# resident memory does not grow with length, and the network alone in GFLOP/s.
#   bench/tag/run.sh [BUILD_DIR] [THREADS]
# Needs ../shared/models/yamnet (imported into a temporary models directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
threads=${2:-2}
auris="$build/auris"
shared=${AURIS_SHARED:-$root/../shared}
tflite="$shared/models/yamnet/yamnet.tflite"
[ -f "$tflite" ] || { echo "skipped: ../shared/models/yamnet/yamnet.tflite not found"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export AURIS_MODELS="$tmp/models" OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
"$auris" models import "$tflite" >/dev/null

# one minute of varied content, then concatenated to the lengths measured
sox -n -r 16000 -c 1 "$tmp/a.wav" synth 20 pinknoise vol 0.3
sox -n -r 16000 -c 1 "$tmp/b.wav" synth 20 sine 220-880 sine 330 vol 0.3
speech=("$shared"/data/librispeech-speakers/*.flac)
if [ -f "${speech[0]}" ]; then
  sox "${speech[@]:0:3}" -r 16000 -c 1 "$tmp/c.wav" trim 0 20
else
  sox -n -r 16000 -c 1 "$tmp/c.wav" synth 20 brownnoise vol 0.3
fi
sox "$tmp/a.wav" "$tmp/b.wav" "$tmp/c.wav" "$tmp/min.wav"
for m in 10 30 60; do
  args=()
  for _ in $(seq "$m"); do args+=("$tmp/min.wav"); done
  sox "${args[@]}" "$tmp/$m.wav"
done

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$root/include" "$here/bench_stack.c" "$build/libauris.a" \
   $(pkg-config --libs sndfile soxr fftw3f cairo libcjson libcurl libcrypto openblas pocketsphinx sphinxbase) \
   -ldnnl -fopenmp -lm -o "$tmp/bench_stack"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $threads threads"
"$tmp/bench_stack" "$AURIS_MODELS/yamnet.safetensors" 32 20
for m in 10 30 60; do
  best=
  for run in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$auris" tag --clip "$tmp/$m.wav" >/dev/null
    read -r wall rss <"$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; fi
    [ "$m" = 60 ] || break
  done
  awk -v m="$m" -v w="$best" -v r="$rss" 'BEGIN{printf "tag %2d min: %6.2f s wall (best), %6.0fx real time, max RSS %.1f MB\n", m, w, m*60/w, r/1024}'
done
