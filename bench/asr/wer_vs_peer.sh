#!/bin/bash
# Word error rate and speed of `auris transcribe` against pocketsphinx_continuous (the same
# PocketSphinx library and model) on the same files, scored by the same normaliser.
#
# usage: bench/asr/wer_vs_peer.sh AURIS_BINARY MANIFEST.tsv [auris eval options...]
#   MANIFEST.tsv: "AUDIO<TAB>REFERENCE" lines (bench/asr/make_manifests.sh writes them).
# The peer only reads 16 kHz 16-bit mono WAV: each file is converted with sox first
# (outside the timing). Its time is measured per file with its model loading, so the
# load time, measured once on 1 s of silence, is subtracted.
set -euo pipefail
auris=$1
manifest=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=/usr/share/pocketsphinx/model/en-us

cpu_of() { # command... -> prints user+sys CPU seconds
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" >"$tmp/out" 2>/dev/null
    awk '{print $1 + $2}' "$tmp/time"
}

sox -n -r 16000 -b 16 -c 1 "$tmp/silence.wav" trim 0 1
load_cpu=$(cpu_of pocketsphinx_continuous -infile "$tmp/silence.wav" -logfn /dev/null \
           -hmm $model/en-us -lm $model/en-us.lm.bin -dict $model/cmudict-en-us.dict)

: >"$tmp/peer.tsv"
peer_cpu=0
audio_s=0
i=0
base=$(dirname "$manifest")
while IFS=$'\t' read -r path ref; do
    [[ -z "$path" || "$path" == \#* ]] && continue
    full=$path
    [[ "$full" == /* ]] || full="$base/$full"
    i=$((i + 1))
    sox "$full" -r 16000 -b 16 -c 1 "$tmp/$i.wav"
    cpu=$(cpu_of pocketsphinx_continuous -infile "$tmp/$i.wav" -logfn /dev/null \
          -hmm $model/en-us -lm $model/en-us.lm.bin -dict $model/cmudict-en-us.dict)
    hyp=$(tr '\n' ' ' <"$tmp/out")
    printf '%s\t%s\n' "$path" "$hyp" >>"$tmp/peer.tsv"
    peer_cpu=$(awk -v a="$peer_cpu" -v b="$cpu" -v l="$load_cpu" 'BEGIN{print a + b - l}')
    audio_s=$(awk -v a="$audio_s" -v d="$(soxi -D "$tmp/$i.wav")" 'BEGIN{print a + d}')
done <"$manifest"

echo "== pocketsphinx_continuous (defaults: its own VAD, -remove_silence yes)"
"$auris" eval asr --manifest "$manifest" --hypotheses "$tmp/peer.tsv" | head -1
awk -v c="$peer_cpu" -v a="$audio_s" -v l="$load_cpu" 'BEGIN{printf "audio %.1f s  decoding %.1f s CPU (model load %.2f s per file subtracted)  real-time factor (CPU) %.3f\n", a, c, l, c / a}'
echo "== auris transcribe $*"
"$auris" eval asr --manifest "$manifest" "$@"
