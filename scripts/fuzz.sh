#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/fuzz for SECONDS each, from seeds made here
# (and fuzz/corpus/NAME where a target ships its own).
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
root="$(cd "$(dirname "$0")/.." && pwd)"
# Seeds made here, not shipped: small valid files of every decoded format and a .npy.
seed_audio="$build/fuzz-seeds/audio"
if [ ! -d "$seed_audio" ] && command -v sox >/dev/null; then
  mkdir -p "$seed_audio"
  sox -n -r 8000 -b 16 "$seed_audio/pcm16.wav" synth 0.05 sine 440
  sox -n -r 8000 -b 8 "$seed_audio/pcm8.wav" synth 0.05 sine 440
  sox -n -r 8000 -b 24 -c 2 "$seed_audio/pcm24.wav" synth 0.05 sine 440
  sox -n -r 8000 -e floating-point -b 32 "$seed_audio/float.wav" synth 0.05 sine 440
  sox -n -r 8000 -b 16 "$seed_audio/a.flac" synth 0.05 sine 440
  sox -n -r 8000 "$seed_audio/a.ogg" synth 0.1 sine 440
  sox -n -r 8000 "$seed_audio/a.mp3" synth 0.1 sine 440 2>/dev/null || true
fi
seed_npy="$build/fuzz-seeds/npy"
if [ ! -d "$seed_npy" ] && [ -x /usr/bin/python3 ]; then
  mkdir -p "$seed_npy"
  /usr/bin/python3 -c "import numpy as np; np.save('$seed_npy/a.npy', np.arange(12, dtype=np.float32).reshape(3, 4)); np.save('$seed_npy/b.npy', np.ones(5))" || true
fi
seed_tflite="$build/fuzz-seeds/tflite"
if [ ! -d "$seed_tflite" ] && [ -x /usr/bin/python3 ]; then
  mkdir -p "$seed_tflite"
  /usr/bin/python3 "$root/tools/make_tflite_seed.py" "$seed_tflite/small.tflite" || true
fi
status=0
for target in "$build"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  for seeds in "$root/fuzz/corpus/${name#fuzz_}" "$build/fuzz-seeds/${name#fuzz_}"; do
    [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  done
  echo "fuzz: $name for ${seconds}s"
  if ! LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp" "$target" -seed=1 -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
       -artifact_prefix="$build/$name-" "$corpus" >"$build/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; see $build/$name.log" >&2
    tail -40 "$build/$name.log" >&2
    status=1
  else
    grep -E "^(#[0-9]+.*DONE|Done)" "$build/$name.log" | tail -1 || true
  fi
done
exit $status
