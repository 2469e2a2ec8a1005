#!/bin/bash
# Spoken digits (zero..nine) from Debian's speech synthesisers, as extra training voices for
# spoken-digit classifiers: espeak-ng (7 English accents x voice variants), flite (5 voices)
# and festival (the voices installed), each voice at several pitches and speaking rates.
# Writes OUT/<digit>_<voice>_<k>.wav (8 kHz mono 16-bit, as FSDD) and OUT/manifest.csv
# (filename,label,fold with fold 0: never held out by `auris train --cv`).
#   tools/make_synth_digits.sh OUT            (packages: espeak-ng flite festival sox)
# Deterministic: the voices, pitches and rates come from a fixed list, not a random draw.
set -euo pipefail
out=${1:?usage: tools/make_synth_digits.sh OUT}
mkdir -p "$out"
words=(zero one two three four five six seven eight nine)
export SOX_OPTS=-R
n=0
to8k() { sox -q "$1" -r 8000 -c 1 -b 16 "$2" norm -3 && rm -f "$1"; n=$((n + 1)); }

# espeak-ng: accent x variant, pitch and rate cycling through fixed values.
if command -v espeak-ng >/dev/null; then
  accents=(en-us en-gb en-gb-scotland en-gb-x-rp en-gb-x-gbclan en-gb-x-gbcwmd en-029)
  variants=(m1 m2 m3 m4 m5 m6 m7 m8 f1 f2 f3 f4 f5 klatt klatt2 klatt3 klatt4 croak
            john linda max paul steph3 Andy Annie Gene Lee Mike adam david edward grandma)
  pitches=(25 35 45 55 65 75)
  rates=(125 145 165 185)
  i=0
  for a in "${accents[@]}"; do
    for v in "${variants[@]}"; do
      p=${pitches[$((i % ${#pitches[@]}))]}; s=${rates[$((i / 3 % ${#rates[@]}))]}
      i=$((i + 1))
      for d in "${!words[@]}"; do
        f="$out/${d}_espeak-${a}-${v}_0"
        espeak-ng -v "$a+$v" -p "$p" -s "$s" -w "$f.tmp.wav" "${words[$d]}" 2>/dev/null || continue
        to8k "$f.tmp.wav" "$f.wav"
      done
    done
  done
fi

# flite: each voice at three rates and two pitches.
if command -v flite >/dev/null; then
  for v in kal kal16 awb rms slt; do
    k=0
    for stretch in 0.85 1.0 1.2; do
      for shift in 0.85 1.15; do
        for d in "${!words[@]}"; do
          f="$out/${d}_flite-${v}_${k}"
          flite -voice "$v" --setf duration_stretch=$stretch -t "${words[$d]}" -o "$f.tmp.wav"
          sox -q "$f.tmp.wav" "$f.p.wav" pitch "$(awk -v s=$shift 'BEGIN{print int(1200*log(s)/log(2))}')"
          rm -f "$f.tmp.wav"
          to8k "$f.p.wav" "$f.wav"
        done
        k=$((k + 1))
      done
    done
  done
fi

# festival: every installed English voice, three rates.
if command -v text2wave >/dev/null; then
  for v in kal_diphone ked_diphone cmu_us_slt_arctic_hts; do
    ls -d /usr/share/festival/voices/*/"$v" >/dev/null 2>&1 || continue
    k=0
    for stretch in 0.85 1.0 1.2; do
      for d in "${!words[@]}"; do
        f="$out/${d}_festival-${v}_${k}"
        echo "${words[$d]}" | text2wave -eval "(voice_$v)" \
          -eval "(Parameter.set 'Duration_Stretch $stretch)" -o "$f.tmp.wav" 2>/dev/null || continue
        to8k "$f.tmp.wav" "$f.wav"
      done
      k=$((k + 1))
    done
  done
fi

{
  echo "filename,label,fold"
  for f in "$out"/*.wav; do b=$(basename "$f"); echo "$b,${b%%_*},0"; done
} > "$out/manifest.csv"
echo "$n clips in $out ($(($(wc -l < "$out/manifest.csv") - 1)) in manifest.csv)"
