# auris classify --task type without YAMNet: the shipped audio-type classifier
# (models/audio-type.safetensors) gives the timeline. Speech from Debian's
# pocketsphinx-testdata (not in the model's training data), silence and tones made here.
source "$(dirname "$0")/../cli/lib.sh"
need sox
export AURIS_MODELS="$TMP/models"   # no YAMNet installed
speech=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
if [ ! -f "$speech" ]; then
  echo "skipped: $speech not found (pocketsphinx-testdata)"; exit 77
fi
sox -n -r 16000 -c 1 "$TMP/silence.wav" trim 0 4
sox -R "$speech" -r 16000 -c 1 "$TMP/speech.wav"
sox "$TMP/speech.wav" "$TMP/silence.wav" "$TMP/both.wav"
speech_s=$(soxi -D "$TMP/speech.wav")

expect_exit 0 "type of speech" -- "$AURIS" classify "$TMP/speech.wav"
expect_grep '^ +0\.00-[0-9.]+ +speech' "$TMP/out" "speech file is one speech segment"
expect_exit 0 "type of silence" -- "$AURIS" classify "$TMP/silence.wav"
expect_grep 'silence 4\.00 s' "$TMP/out" "digital silence is silence for its whole length"
expect_exit 0 "speech then silence, JSON" -- "$AURIS" classify --json "$TMP/both.wav"
cp "$TMP/out" "$TMP/both.json"
if $PY - "$TMP/both.json" "$speech_s" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
speech_s = float(sys.argv[2])
labels = [s["label"] for s in d["segments"]]
assert d["task"] == "type" and abs(d["duration"] - (speech_s + 4)) < 0.05, d
assert labels == ["speech", "silence"], labels
cut = d["segments"][0]["end"]
assert abs(cut - speech_s) <= 1.0, cut
assert abs(sum(s["seconds"] for s in d["summary"]) - d["duration"]) < 0.02
PY
then ok; else fail "speech+silence timeline"; fi
# other tasks still need YAMNet, and say how to install it
expect_exit 2 "sound task without YAMNet" -- "$AURIS" classify --task sound "$TMP/speech.wav"
expect_grep 'auris models (pull|import)' "$TMP/err" "missing-model message names the install command"
finish
