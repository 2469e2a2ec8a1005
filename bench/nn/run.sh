#!/bin/sh
# Side-by-side nn benchmark: auris vs PyTorch on the same networks, weights and inputs.
#   bench/nn/run.sh [BUILD_DIR] [THREADS]
# Builds bench_nn against BUILD_DIR/libauris.a, then for each network prints the median
# time of inference at batch 1 and 32 and of one SGD training step at batch 32, the ratios
# (PyTorch time / auris time, > 1 means auris is faster), auris's GFLOP/s and the machine's
# measured OpenBLAS sgemm peak.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
threads=${2:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$root/include" "$here/bench_nn.c" "$build/libauris.a" \
   $(pkg-config --libs sndfile soxr fftw3f cairo libcjson libcurl libcrypto openblas pocketsphinx sphinxbase) \
   -ldnnl -fopenmp -lm -o "$tmp/bench_nn"
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
peakline=$("$tmp/bench_nn" --sgemm 2048 5)
peak=$(echo "$peakline" | awk '{print $2}')
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $threads threads"
echo "sgemm peak $peak GFLOP/s (2048^3: OpenBLAS $(echo "$peakline" | awk '{print $4}'), oneDNN $(echo "$peakline" | awk '{print $6}'))"
printf '%-10s %-6s %10s %10s %7s %9s %8s\n' network case auris_ms torch_ms ratio GFLOP/s %peak
for net in speccnn mobilenet; do
  for batch in 1 32; do
    iters=$([ "$batch" = 1 ] && echo 50 || echo 10)
    t=$(/usr/bin/python3 "$here/bench_torch.py" "$here/$net.cfg" "$tmp/w.safetensors" "$batch" "$iters" "$threads")
    a=$("$tmp/bench_nn" "$here/$net.cfg" "$tmp/w.safetensors" "$batch" "$iters")
    echo "$a" | awk -v t="$t" -v net=$net -v b=$batch -v peak="$peak" '
      { split(t, T, " "); ai=$2; at=$4; err=$6; gf=$8;
        printf "%-10s %-6s %10.3f %10.3f %7.2f %9.1f %8.1f\n", net, "inf" b, ai, T[2], T[2]/ai, gf*b/ai*1e3, gf*b/ai*1e3/peak*100;
        if (b == 32) printf "%-10s %-6s %10.3f %10.3f %7.2f %9.1f %8.1f\n", net, "train" b, at, T[4], T[4]/at, 3*gf*b/at*1e3, 3*gf*b/at*1e3/peak*100;
        if (err > 1e-3) printf "WARNING: %s output differs from PyTorch (rel %s)\n", net, err }'
  done
done
