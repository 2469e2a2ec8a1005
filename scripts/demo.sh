#!/usr/bin/env bash
# `make demo`: makes a recording (espeak-ng speech mixed with a tone sweep and noise by sox)
# and runs a real analysis of it with the freshly built auris. Outputs go to demo-out/.
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
auris="$root/$build/auris"
out="$root/demo-out"
mkdir -p "$out"
cd "$out"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "== making demo audio in $out"
espeak-ng -s 150 -w speech-raw.wav \
  "auris tells what is in a recording, and when. Speech, music, other sounds, or silence."
sox speech-raw.wav -r 22050 -c 1 speech.wav
len=$(soxi -D speech.wav)
sox -n -r 22050 -c 1 sweep.wav synth "$len" sine 100-6000 vol 0.25
sox -n -r 22050 -c 1 noise.wav synth "$len" pinknoise vol 0.05
sox -m speech.wav sweep.wav noise.wav -b 16 mix.wav
# The same recording as FLAC and Ogg, to show the decoders.
sox mix.wav mix.flac
sox mix.wav mix.ogg

say auris info mix.wav mix.flac mix.ogg
"$auris" info mix.wav mix.flac mix.ogg
say auris info --json mix.wav
"$auris" info --json mix.wav

say auris features mix.wav --type logmel --n-fft 1024 --hop 256 --n-mels 128 -o mix-logmel.npy
"$auris" features mix.wav --type logmel --n-fft 1024 --hop 256 --n-mels 128 -o mix-logmel.npy
say auris features mix.wav --type mfcc --n-mfcc 20 -o mix-mfcc.npy
"$auris" features mix.wav --type mfcc --n-mfcc 20 -o mix-mfcc.npy
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  /usr/bin/python3 -c '
import numpy as np
for f in ("mix-logmel.npy", "mix-mfcc.npy"):
    x = np.load(f)
    print(f"{f}: shape {x.shape}, {x.dtype}, range {x.min():.1f} .. {x.max():.1f}")'
fi

say auris spectrogram mix.wav -o mix.png --title "speech + sweep + noise"
"$auris" spectrogram mix.wav -o mix.png --title "speech + sweep + noise"
say auris spectrogram mix.wav --scale linear --cmap magma -o mix-linear.png
"$auris" spectrogram mix.wav --scale linear --cmap magma -o mix-linear.png
say auris spectrogram mix.wav --raw --cmap gray -o mix-raw.png
"$auris" spectrogram mix.wav --raw --cmap gray -o mix-raw.png
say "cat mix.wav | auris info -"
"$auris" info - < mix.wav

# Speech to text needs real speech: the en-us model recognises espeak-ng's voice poorly, so
# this step uses a LibriVox recording from Debian's pocketsphinx-testdata (installed by
# scripts/setup-deps.sh), mixed with the demo's noise at 16 kHz.
librivox=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
if [ -f "$librivox" ]; then
  sox -n -r 16000 -c 1 noise16.wav synth "$(soxi -D "$librivox")" pinknoise vol 0.01
  sox -m "$librivox" noise16.wav -b 16 speech-noisy.wav
  say auris transcribe speech-noisy.wav --format srt
  "$auris" transcribe speech-noisy.wav --format srt
  say "auris transcribe speech-noisy.wav --keyphrase 'young man'"
  "$auris" transcribe speech-noisy.wav --keyphrase "young man"
fi

# What the recording holds, and when: speech, then silence, then tones. Without YAMNet the
# shipped audio-type model answers; with ../shared's YAMNet imported, AudioSet tags too.
sox -n -r 22050 -c 1 quiet.wav trim 0 3
sox -n -r 22050 -c 1 chord.wav synth 4 sine 262 sine 330 sine 392 vol 0.3
sox speech.wav quiet.wav chord.wav timeline.wav
export AURIS_MODELS="$out/models"
say auris classify timeline.wav --task type
"$auris" classify timeline.wav --task type
yamnet="${AURIS_SHARED:-$root/../shared}/models/yamnet/yamnet.tflite"
if [ -f "$yamnet" ]; then
  say auris models import "$yamnet"
  "$auris" models import "$yamnet"
  say auris tag mix.wav --clip --top 5
  "$auris" tag mix.wav --clip --top 5
  say auris classify timeline.wav --task type --json
  "$auris" classify timeline.wav --task type --json
fi

# A classifier trained here in seconds: tones vs noise vs chirps, then used.
rm -rf runs/demo train-data
mkdir -p train-data/{tone,noise,chirp}
for i in $(seq 1 12); do
  sox -n -r 16000 -c 1 "train-data/tone/t$i.wav" synth 1 sine $((200 + 60 * i)) vol 0.5
  sox -n -r 16000 -c 1 "train-data/noise/n$i.wav" synth 1 pinknoise vol 0.$((i % 9 + 1))
  sox -n -r 16000 -c 1 "train-data/chirp/c$i.wav" synth 1 sine $((300 + 40 * i))-$((3000 + 90 * i)) vol 0.5
done
say auris train --data train-data --epochs 25 --project runs --name demo -q
"$auris" train --data train-data --epochs 25 --project runs --name demo -q
say auris predict --model runs/demo/weights/best.safetensors chord.wav
"$auris" predict --model runs/demo/weights/best.safetensors chord.wav

echo
echo "demo outputs in $out:"
ls -l "$out" | tail -n +2
