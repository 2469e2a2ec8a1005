#!/usr/bin/env bash
# auris features: .npy output a user loads in NumPy, streaming from stdin, bad options.
. "$(dirname "$0")/lib.sh"
need sox
[ -x "$PY" ] && $PY -c 'import numpy' 2>/dev/null || { echo "skipped: python3-numpy not installed"; exit 77; }

sox -n -r 22050 -b 16 "$TMP/s.wav" synth 3 sine 200-4000 vol 0.5
# 3 s at 22050 Hz = 66150 samples; centred frames: 1 + 66150 // hop.
expect_exit 0 "logmel" -- "$AURIS" features "$TMP/s.wav" --type logmel --n-fft 1024 --hop 256 --n-mels 128 -o "$TMP/lm.npy"
$PY - "$TMP/lm.npy" <<'PY' && ok || fail "logmel npy shape/values"
import sys, numpy as np
x = np.load(sys.argv[1])
assert x.dtype == np.float32 and x.shape == (1 + 66150 // 256, 128), x.shape
assert np.isfinite(x).all()
# a rising sweep: the loudest band rises over time
peaks = x.argmax(axis=1)
assert peaks[-20] > peaks[20] + 40, (peaks[20], peaks[-20])
PY

expect_exit 0 "stft" -- "$AURIS" features "$TMP/s.wav" --type stft --n-fft 512 --hop 128 -o "$TMP/st.npy"
$PY -c "import numpy as np; x=np.load('$TMP/st.npy'); assert x.shape == (1 + 66150 // 128, 257), x.shape" && ok || fail "stft shape"

expect_exit 0 "mfcc" -- "$AURIS" features "$TMP/s.wav" --type mfcc --n-mfcc 20 -o "$TMP/mf.npy"
$PY -c "import numpy as np; x=np.load('$TMP/mf.npy'); assert x.shape[1] == 20 and np.isfinite(x).all(), x.shape" && ok || fail "mfcc shape"

expect_exit 0 "resample" -- "$AURIS" features "$TMP/s.wav" --type mel --resample 16000 --n-fft 400 --hop 160 --n-mels 40 -o "$TMP/r.npy"
$PY -c "import numpy as np; x=np.load('$TMP/r.npy'); assert x.shape == (1 + 48000 // 160, 40), x.shape" && ok || fail "resampled frame count"

# stdin (WAV stream and raw) gives the same array as the file.
"$AURIS" features - --type logmel --top-db 0 -o "$TMP/a.npy" < "$TMP/s.wav" 2>"$TMP/err" && ok || fail "stdin: $(cat "$TMP/err")"
"$AURIS" features "$TMP/s.wav" --type logmel --top-db 0 -o "$TMP/b.npy" && ok || fail "file"
cmp -s "$TMP/a.npy" "$TMP/b.npy" && ok || fail "stdin and file features differ"
sox "$TMP/s.wav" -t s16 - | "$AURIS" features - --rate 22050 --type logmel -o "$TMP/c.npy" && ok || fail "raw stdin"
cmp -s "$TMP/c.npy" "$TMP/b.npy" && ok || fail "raw stdin and file features differ"

# top_db floors values at max - top_db over the whole file.
expect_exit 0 "top-db" -- "$AURIS" features "$TMP/s.wav" --type logmel --top-db 40 -o "$TMP/t.npy"
$PY -c "import numpy as np; x=np.load('$TMP/t.npy'); assert abs((x.max()-x.min()) - 40) < 1e-3, x.max()-x.min()" && ok || fail "top-db range"
expect_exit 1 "top-db from stdin" -- sh -c "\"$AURIS\" features - --type logmel --top-db 80 -o \"$TMP/x.npy\" < \"$TMP/s.wav\""
expect_grep "top-db" "$TMP/err" "top-db stdin message"

expect_exit 1 "no output" -- "$AURIS" features "$TMP/s.wav" --type logmel
expect_exit 1 "bad type" -- "$AURIS" features "$TMP/s.wav" --type chroma -o "$TMP/x.npy"
expect_exit 1 "bad n-fft" -- "$AURIS" features "$TMP/s.wav" --n-fft 0 -o "$TMP/x.npy"
expect_exit 1 "bad window" -- "$AURIS" features "$TMP/s.wav" --window kaiser -o "$TMP/x.npy"
expect_exit 1 "f-max above nyquist" -- "$AURIS" features "$TMP/s.wav" --f-max 20000 --resample 16000 -o "$TMP/x.npy"
expect_exit 2 "missing input" -- "$AURIS" features "$TMP/none.wav" -o "$TMP/x.npy"
expect_one_line_error "none.wav" "missing input"
[ ! -e "$TMP/x.npy" ] && ok || fail "a failed run left an output file"
expect_exit 2 "unwritable output" -- "$AURIS" features "$TMP/s.wav" -o "$TMP/no/such/dir/x.npy"
expect_one_line_error "x.npy" "unwritable output"
expect_exit 0 "help" -- "$AURIS" features --help
expect_grep "--n-mels" "$TMP/out" "help lists --n-mels"

# Memory does not grow with length: 20 minutes vs 2 minutes.
if [ -x /usr/bin/time ]; then
  sox -n -r 22050 -b 16 "$TMP/short.wav" synth 120 whitenoise vol 0.1
  sox -n -r 22050 -b 16 "$TMP/long.wav" synth 1200 whitenoise vol 0.1
  /usr/bin/time -f "%M" "$AURIS" features "$TMP/short.wav" -o "$TMP/s1.npy" 2> "$TMP/rss1"
  /usr/bin/time -f "%M" "$AURIS" features "$TMP/long.wav" -o "$TMP/s2.npy" 2> "$TMP/rss2"
  r1=$(tail -1 "$TMP/rss1"); r2=$(tail -1 "$TMP/rss2")
  if [ $((r2 - r1)) -lt 4000 ]; then ok; else fail "features RSS grew from ${r1} KB to ${r2} KB"; fi
fi
finish
