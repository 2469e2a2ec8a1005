#!/bin/bash
# Peak memory of `auris transcribe` on a 5-minute and a 1-hour recording (PocketSphinx's
# LibriVox utterances with 2 s pauses, repeated), measured with GNU time (Debian: time).
# Flat memory means the two peaks are about equal.
# usage: bench/asr/memory.sh AURIS_BINARY [WORK_DIR]
set -euo pipefail
auris=$1
work=${2:-$(mktemp -d)}
lib=/usr/share/pocketsphinx/test/data/librivox
mkdir -p "$work"
sox -n -r 16000 -b 16 -c 1 "$work/pad.wav" trim 0 2
parts=()
for f in "$lib"/*.wav; do parts+=("$work/pad.wav" "$f"); done
sox "${parts[@]}" -b 16 "$work/unit.wav"            # 35.4 s
sox "$work/unit.wav" "$work/5min.wav" repeat 8       # 5 min 13 s
sox "$work/unit.wav" "$work/1hour.wav" repeat 102    # 60 min 48 s
for f in 5min 1hour; do
    /usr/bin/time -v "$auris" transcribe --format srt "$work/$f.wav" >"$work/$f.srt" 2>"$work/$f.time"
    printf '%-6s audio %s  cues %d  peak RSS %s kB  user %s s  wall %s\n' "$f" \
        "$(soxi -d "$work/$f.wav")" "$(grep -c -- '-->' "$work/$f.srt")" \
        "$(awk '/Maximum resident/ {print $6}' "$work/$f.time")" \
        "$(awk '/User time/ {print $4}' "$work/$f.time")" \
        "$(awk '/Elapsed/ {print $8}' "$work/$f.time")"
done
