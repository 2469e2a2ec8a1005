#!/bin/bash
# Builds DIR/{train,val,test}/{speech,music,noise,silence}/*.wav (16 kHz mono, 2 s clips)
# for the audio-type model, only from sources whose licences allow shipping a model trained
# on them; DIR/SOURCES.txt says what went where. Deterministic; takes a few minutes.
#
# usage: tools/make_audio_type_data.sh DIR [SHARED_DATA_DIR]
# Needs Debian packages: sox espeak-ng fluidsynth fluid-soundfont-gm asterisk-core-sounds-en-wav
# asterisk-moh-opsound-wav python3-numpy, and ../shared/data beside the source tree.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 DIR [SHARED_DATA_DIR]" >&2
    exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
data=${2:-$here/../../shared/data}

missing=()
for tool in sox espeak-ng fluidsynth; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
for f in /usr/share/sounds/sf2/FluidR3_GM.sf2 /usr/share/asterisk/sounds/en/vm-goodbye.wav \
         /usr/share/asterisk/moh/macroform-cold_day.wav; do
    [ -e "$f" ] || missing+=("$f")
done
[ -d "$data/librispeech-speakers" ] || missing+=("$data/librispeech-speakers")
if [ ${#missing[@]} -gt 0 ]; then
    echo "$0: missing ${missing[*]}" >&2
    echo "install: apt-get install -y sox espeak-ng fluidsynth fluid-soundfont-gm" \
         "asterisk-core-sounds-en-wav asterisk-moh-opsound-wav python3-numpy" >&2
    exit 2
fi

exec /usr/bin/python3 "$here/make_audio_type_data.py" "$1" "$data"
