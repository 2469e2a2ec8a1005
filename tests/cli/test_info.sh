#!/usr/bin/env bash
# auris info, --help/--version and exit codes, as a user runs them.
. "$(dirname "$0")/lib.sh"
need sox

sox -n -r 44100 -c 2 -b 16 "$TMP/a.wav" synth 2 sine 440 sine 660
sox "$TMP/a.wav" "$TMP/a.flac"
sox "$TMP/a.wav" "$TMP/a.ogg"
sox "$TMP/a.wav" "$TMP/a.mp3" 2>/dev/null

expect_exit 0 "info wav" -- "$AURIS" info "$TMP/a.wav"
expect_grep "a.wav: WAV PCM_16, 44100 Hz, 2 channels, 88200 frames, 2.000 s" "$TMP/out" "info wav line"

expect_exit 0 "info several formats" -- "$AURIS" info "$TMP/a.flac" "$TMP/a.ogg" "$TMP/a.mp3"
expect_grep "a.flac: FLAC PCM_16, 44100 Hz, 2 channels, 88200 frames" "$TMP/out" "flac"
expect_grep "a.ogg: OGG VORBIS, 44100 Hz, 2 channels, 88200 frames" "$TMP/out" "ogg"
expect_grep "a.mp3: MP3 MPEG_LAYER_III, 44100 Hz, 2 channels" "$TMP/out" "mp3"

expect_exit 0 "info --json" -- "$AURIS" info --json "$TMP/a.wav"
if $PY -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["file"].endswith("a.wav") and d["format"] == "WAV" and d["codec"] == "PCM_16"
assert d["sample_rate"] == 44100 and d["channels"] == 2 and d["frames"] == 88200
assert abs(d["duration"] - 2.0) < 1e-9
' "$TMP/out"; then ok; else fail "json fields"; fi

# stdin: a WAV file, a WAV stream of unknown length, a FLAC (spooled), raw s16le.
"$AURIS" info - < "$TMP/a.wav" > "$TMP/out" 2>&1
expect_grep "^-: WAV PCM_16, 44100 Hz, 2 channels, 88200 frames" "$TMP/out" "stdin wav"
sox "$TMP/a.wav" -t wav - 2>/dev/null | "$AURIS" info - > "$TMP/out" 2>&1
expect_grep "^-: WAV PCM_16, 44100 Hz, 2 channels, 88200 frames" "$TMP/out" "stdin wav stream"
"$AURIS" info - < "$TMP/a.flac" > "$TMP/out" 2>&1
expect_grep "^-: FLAC PCM_16, 44100 Hz, 2 channels, 88200 frames" "$TMP/out" "stdin flac"
sox "$TMP/a.wav" -t s16 - | "$AURIS" info --rate 44100 --channels 2 - > "$TMP/out" 2>&1
expect_grep "^-: RAW PCM_16, 44100 Hz, 2 channels, 88200 frames" "$TMP/out" "stdin raw"

# Errors: one line naming the file, exit 2; usage errors exit 1.
: > "$TMP/empty.wav"
expect_exit 2 "empty file" -- "$AURIS" info "$TMP/empty.wav"
expect_one_line_error "empty.wav" "empty file"
expect_exit 2 "missing file" -- "$AURIS" info "$TMP/nope.wav"
expect_one_line_error "nope.wav" "missing file"
head -c 20000 "$TMP/a.wav" > "$TMP/cut.wav"
expect_exit 2 "truncated" -- "$AURIS" info "$TMP/cut.wav"
expect_grep "cut.wav: truncated WAV" "$TMP/err" "truncated message"
echo "not audio at all" > "$TMP/text.mp3"
expect_exit 2 "text as mp3" -- "$AURIS" info "$TMP/text.mp3"
expect_one_line_error "text.mp3" "text as mp3"
expect_exit 2 "good and bad files" -- "$AURIS" info "$TMP/a.wav" "$TMP/nope.wav"
expect_grep "a.wav: WAV" "$TMP/out" "good file still printed"
: | "$AURIS" info - > /dev/null 2> "$TMP/err"; [ $? -eq 2 ] && ok || fail "empty stdin"

expect_exit 1 "no file" -- "$AURIS" info
expect_exit 1 "bad option" -- "$AURIS" info --frobnicate "$TMP/a.wav"
expect_exit 1 "bad rate" -- "$AURIS" info --rate abc -
expect_exit 1 "unknown command" -- "$AURIS" frobnicate
expect_exit 1 "no command" -- "$AURIS"
expect_exit 0 "--help" -- "$AURIS" --help
expect_grep "info" "$TMP/out" "help lists info"
expect_exit 0 "info --help" -- "$AURIS" info --help
expect_grep "--json" "$TMP/out" "info help lists --json"
expect_exit 0 "--version" -- "$AURIS" --version
expect_grep "^auris [0-9]+\.[0-9]+\.[0-9]+" "$TMP/out" "version"

# Constant memory: a 30-minute stream through stdin stays small.
if [ -x /usr/bin/time ]; then
  sox -n -r 16000 -b 16 -t wav - synth 1800 sine 300 2>/dev/null |
    /usr/bin/time -f "%M" "$AURIS" info - > "$TMP/out" 2> "$TMP/rss"
  expect_grep "28800000 frames" "$TMP/out" "30-minute stream counted"
  rss=$(tail -1 "$TMP/rss")
  if [ "$rss" -lt 40000 ]; then ok; else fail "30-minute stream used ${rss} KB"; fi
fi
finish
