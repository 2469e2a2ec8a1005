# auris tag / auris classify end to end: usage and missing-model errors always; with
# ../shared, YAMNet imported into a scratch models directory and run on speech, music,
# silence and environmental sounds.
. "${AURIS_SOURCE_DIR:?}/tests/cli/lib.sh"
need sox
SHARED=${AURIS_SHARED:-$AURIS_SOURCE_DIR/../shared}
json() { "$PY" -c "import json,sys; d=json.load(sys.stdin); $1" < "$TMP/out"; }
# expect_json PYTHON-EXPRESSION DESCRIPTION: evaluates the expression on the JSON output d.
expect_json() {
  if json "sys.exit(0 if ($1) else 1)" 2>"$TMP/pyerr"; then ok
  else fail "$2: ($1) is false for: $(head -c 600 "$TMP/out") $(cat "$TMP/pyerr")"; fi
}

sox -n -r 16000 -c 1 -b 16 "$TMP/silence.wav" trim 0 3

# Without a model: one line that names the install commands, exit 2 (classify --task
# type has the shipped audio-type model instead: tests/tasks/test_audio_type.sh).
export AURIS_MODELS=$TMP/no-models
for cmd in tag "classify --task sound"; do
  expect_exit 2 "$cmd without model" -- "$AURIS" $cmd "$TMP/silence.wav"
  if [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -qF 'auris models pull yamnet' "$TMP/err" &&
     grep -qF 'auris models import' "$TMP/err"; then ok
  else fail "$cmd without model: want one line naming the install commands, got: $(cat "$TMP/err")"; fi
  expect_exit 2 "$cmd --model missing" -- "$AURIS" $cmd --model "$TMP/none.safetensors" "$TMP/silence.wav"
  expect_one_line_error "$TMP/none.safetensors" "$cmd --model missing"
  expect_exit 0 "$cmd --help" -- "$AURIS" $cmd --help
  expect_grep '--json' "$TMP/out" "$cmd --help"
  expect_grep 'auris models pull yamnet' "$TMP/out" "$cmd --help"
  [ $cmd = tag ] || expect_grep '--task T' "$TMP/out" "classify --help"
  expect_exit 1 "$cmd without FILE" -- "$AURIS" $cmd
  expect_exit 1 "$cmd bad option" -- "$AURIS" $cmd --bogus "$TMP/silence.wav"
done
expect_exit 1 "tag --top 0" -- "$AURIS" tag --top 0 "$TMP/silence.wav"
expect_exit 1 "classify --task bad" -- "$AURIS" classify --task colour "$TMP/silence.wav"
expect_exit 1 "classify esc50 labels for genre" -- "$AURIS" classify --task genre --labels esc50 "$TMP/silence.wav"
expect_grep "gtzan" "$TMP/err" "the message lists the genre label sets"
expect_exit 1 "classify --min-score 2" -- "$AURIS" classify --min-score 2 "$TMP/silence.wav"

# With YAMNet.
TFLITE=$SHARED/models/yamnet/yamnet.tflite
if [ ! -f "$TFLITE" ]; then
  [ "$failures" -eq 0 ] || { finish; exit 1; }
  echo "skipped: ../shared/models/yamnet/yamnet.tflite not found (set AURIS_SHARED)"; exit 77
fi
export AURIS_MODELS=$TMP/models
if ! "$AURIS" models import "$TFLITE" >"$TMP/out" 2>"$TMP/err"; then
  [ "$failures" -eq 0 ] || { finish; exit 1; }
  echo "skipped: auris models import cannot import YAMNet yet: $(head -1 "$TMP/err")"; exit 77
fi

SPEECH=$SHARED/whisper/jfk.wav
sox "$SHARED/data/librosa/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg" \
  -r 16000 -c 1 "$TMP/music.wav" trim 0 12
sox -n -r 16000 -c 1 -b 16 "$TMP/noise.wav" synth 3 whitenoise vol 0.03
sox "$SPEECH" "$TMP/silence.wav" "$TMP/music.wav" "$TMP/mix.wav"

# tag: per-patch lines and clip tags; JSON with the documented shape; stdin = file.
expect_exit 0 "tag speech" -- "$AURIS" tag "$SPEECH"
expect_grep '^0\.00-0\.9[78]  Speech 0\.[0-9]{2}' "$TMP/out" "tag speech: first patch"
expect_grep '^mean  Speech' "$TMP/out" "tag speech: clip mean"
expect_exit 0 "tag --json" -- "$AURIS" tag --json --top 3 "$SPEECH"
expect_json 'len(d["patches"]) == 22 and all(len(p["top"]) == 3 for p in d["patches"])' "tag: 11 s make 22 patches of 3 tags"
expect_json 'abs(d["duration"] - 11.0) < 0.01 and d["clip"]["mean"][0]["label"] == "Speech"' "tag: clip"
expect_json 'd["patches"][1]["start"] == 0.48' "tag: hop 0.48 s"
cp "$TMP/out" "$TMP/tag-file.json"
expect_exit 0 "tag stdin" -- bash -c "cat '$SPEECH' | '$AURIS' tag --json --top 3 -"
if cmp -s <(sed 's/"file":"[^"]*"//' "$TMP/out") <(sed 's/"file":"[^"]*"//' "$TMP/tag-file.json"); then ok
else fail "tag: stdin and file give different tags"; fi

# classify --task type.
expect_exit 0 "type speech" -- "$AURIS" classify --json "$SPEECH"
expect_json 'set(d) == {"file","duration","task","labels","segments","summary"} and d["task"] == "type"' "type: JSON keys"
expect_json 'd["summary"][0]["label"] == "speech" and d["summary"][0]["seconds"] > 9' "type: speech"
expect_json 'all(set(s) == {"start","end","label","score","top"} for s in d["segments"])' "type: segment keys"
expect_exit 0 "type music" -- "$AURIS" classify --json "$TMP/music.wav"
expect_json 'd["summary"][0]["label"] == "music" and d["summary"][0]["seconds"] > 10' "type: music"
expect_exit 0 "type silence" -- "$AURIS" classify --json "$TMP/silence.wav"
expect_json '[s["label"] for s in d["segments"]] == ["silence"] and abs(d["segments"][0]["end"] - 3) < 0.01' "type: digital silence"
expect_exit 0 "type noise" -- "$AURIS" classify --json "$TMP/noise.wav"
expect_json '[s["label"] for s in d["segments"]] == ["noise"]' "type: -40 dBFS white noise is noise"
expect_exit 0 "type noise below --silence-db" -- "$AURIS" classify --json --silence-db -30 "$TMP/noise.wav"
expect_json '[(s["label"], s["score"]) for s in d["segments"]] == [("silence", 1)]' "type: silence by level"
expect_exit 0 "type timeline" -- "$AURIS" classify --json "$TMP/mix.wav"
expect_json '[s["label"] for s in d["segments"]] == ["speech","silence","music"]' "type: speech, silence, music in order"
expect_json 'abs(d["segments"][0]["end"] - 11) < 1 and abs(d["segments"][1]["end"] - 14) < 1' "type: boundaries near 11 s and 14 s"
expect_json 'abs(sum(s["seconds"] for s in d["summary"]) - d["duration"]) < 0.02' "type: summary seconds add up"
expect_exit 0 "type text" -- "$AURIS" classify "$TMP/mix.wav"
expect_grep '^ +0\.00-[0-9.]+ +speech +0\.[0-9]{2}' "$TMP/out" "type: text timeline"

# classify --task sound and genre.
CHAINSAW=$SHARED/data/envsound/chainsaw/chainsaw01.flac
expect_exit 0 "sound esc50" -- "$AURIS" classify --task sound --labels esc50 --json "$CHAINSAW"
expect_json 'd["labels"] == "esc50" and "chainsaw" in [t["label"] for s in d["segments"] for t in s["top"]]' "esc50: chainsaw in the top labels"
expect_exit 0 "sound esc50 dog" -- "$AURIS" classify --task sound --labels esc50 --json "$SHARED/data/librosa/pibble.hq.ogg"
expect_json '"dog" in [s["label"] for s in d["segments"]]' "esc50: a dog howling in its sleep has a dog segment"
expect_exit 0 "sound us8k" -- "$AURIS" classify --task sound --labels us8k --json "$SHARED/data/envsound/drill/Drill01.flac"
expect_json 'd["summary"][0]["label"] == "drilling"' "us8k: drill is drilling"
expect_exit 0 "sound audioset" -- "$AURIS" classify --task sound --json "$CHAINSAW"
expect_json 'd["labels"] == "audioset" and "Chainsaw" in [t["label"] for s in d["segments"] for t in s["top"]]' "audioset: Chainsaw"
expect_exit 0 "genre gtzan" -- "$AURIS" classify --task genre --labels gtzan --json "$TMP/music.wav"
expect_json 'd["summary"][0]["label"] == "classical"' "gtzan: Brahms is classical"
printf 'label,audioset_class\n+,Music\nstrings,"Violin, fiddle"\nstrings,Cello\nvoice,Speech\n' > "$TMP/mine.csv"
expect_exit 0 "user label file" -- "$AURIS" classify --task sound --labels "$TMP/mine.csv" --json "$TMP/music.wav"
expect_json 'd["summary"][0]["label"] == "strings"' "user map: strings"
printf 'strings,Violin\n' > "$TMP/bad.csv"
expect_exit 2 "label file with an unknown class" -- "$AURIS" classify --task sound --labels "$TMP/bad.csv" "$TMP/music.wav"
expect_one_line_error "bad.csv:1: 'Violin' is not a class" "unknown class"
finish
