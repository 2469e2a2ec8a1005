#!/bin/bash
# `auris spectrogram` end to end: figures and raw pictures are valid PNGs of the requested
# size (read from the IHDR chunk), stdin works, --help is complete, and bad input or options
# fail with exit 2 or 1 and one line on stderr naming the file or the option.
set -u
AURIS=$1
command -v sox >/dev/null || { echo "skipped: sox not found"; exit 77; }
TMP=$(mktemp -d "${AURIS_TEST_TMPDIR:-/tmp}/spectrogram_cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# "WIDTH HEIGHT COLOUR_TYPE" of a PNG, or nothing when the signature is wrong.
png_ihdr() {
    local sig
    sig=$(od -A n -t x1 -N 8 "$1" 2>/dev/null | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] || return
    od -A n -t u1 -j 16 -N 10 "$1" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4,
                                                   $5*16777216 + $6*65536 + $7*256 + $8, $10 }'
}

# expect_png NAME "W H TYPE" auris-args...
expect_png() {
    local name=$1 want=$2
    shift 2
    checks=$((checks + 1))
    rm -f "$TMP/out.png"
    if ! "$AURIS" spectrogram "$@" -o "$TMP/out.png" 2>"$TMP/err"; then
        fail "$name: exit $?: $(cat "$TMP/err")"
        return
    fi
    local got
    got=$(png_ihdr "$TMP/out.png")
    [ "$got" = "$want" ] || fail "$name: PNG is '$got', expected '$want'"
    [ -s "$TMP/err" ] && fail "$name: unexpected stderr: $(cat "$TMP/err")"
}

# expect_error NAME STATUS TEXT auris-args...: exit STATUS, one stderr line containing TEXT,
# no output file.
expect_error() {
    local name=$1 want=$2 text=$3
    shift 3
    checks=$((checks + 1))
    rm -f "$TMP/bad.png"
    "$AURIS" spectrogram "$@" >"$TMP/out" 2>"$TMP/err"
    local status=$?
    [ "$status" = "$want" ] || fail "$name: exit $status, expected $want"
    [ "$(wc -l <"$TMP/err")" = 1 ] || fail "$name: stderr is not one line: $(cat "$TMP/err")"
    grep -qF -- "$text" "$TMP/err" || fail "$name: stderr does not name '$text': $(cat "$TMP/err")"
    [ -e "$TMP/bad.png" ] && fail "$name: wrote a PNG anyway"
    [ -s "$TMP/out" ] && fail "$name: printed on stdout"
}

sox -n -r 22050 "$TMP/sweep.wav" synth 3 sine 100-8000
sox -n -r 8000 -c 2 "$TMP/stereo.flac" synth 1 sine 300 sine 600

# Success: figures of the requested size (RGB, colour type 2) and raw pictures.
expect_png default "1200 600 2" "$TMP/sweep.wav"
expect_png linear "640 360 2" "$TMP/sweep.wav" --width 640 --height 360 --scale linear \
    --cmap magma --title "A rising sweep"
expect_png log "1000 500 2" "$TMP/sweep.wav" --width 1000 --height 500 --scale log --cmap jet \
    --db-range 60 --n-fft 1024 --hop 256 --f-min 50 --f-max 10000
expect_png mel "800 400 2" "$TMP/sweep.wav" --width 800 --height 400 --n-mels 64 --cmap gray \
    --title ""
expect_png stereo-flac "1200 600 2" "$TMP/stereo.flac"
# 3 s at 22050 Hz, hop 128: 1 + 66150 / 128 = 517 frames; 257 bins; gray is 8-bit grayscale.
expect_png raw-linear-gray "517 257 0" "$TMP/sweep.wav" --raw --scale linear --cmap gray \
    --n-fft 512 --hop 128
expect_png raw-mel "130 64 2" "$TMP/sweep.wav" --raw --n-mels 64
expect_png raw-band "517 129 0" "$TMP/sweep.wav" --raw --scale linear --cmap gray --n-fft 512 \
    --hop 128 --f-min 0 --f-max 5512.5

# stdin: a WAV stream, and raw s16le PCM of unknown length.
checks=$((checks + 1))
"$AURIS" spectrogram - -o "$TMP/stdin.png" --width 700 --height 300 <"$TMP/sweep.wav" ||
    fail "stdin wav: exit $?"
[ "$(png_ihdr "$TMP/stdin.png")" = "700 300 2" ] || fail "stdin wav: bad PNG"
checks=$((checks + 1))
sox "$TMP/sweep.wav" -t raw -e signed -b 16 - |
    "$AURIS" spectrogram - --raw-pcm --rate 22050 --raw --n-fft 512 --hop 128 --scale linear \
        -o "$TMP/pcm.png" || fail "stdin raw pcm: exit $?"
[ "$(png_ihdr "$TMP/pcm.png")" = "517 257 2" ] || fail "stdin raw pcm: $(png_ihdr "$TMP/pcm.png")"

# --json reports what was drawn.
checks=$((checks + 1))
json=$("$AURIS" spectrogram "$TMP/sweep.wav" --json -o "$TMP/j.png" --width 900 --height 450)
case $json in
*'"width_px": 900, "height_px": 450'*'"duration_s": 3.000000'*) ;;
*) fail "--json: $json" ;;
esac

# --help is complete and goes to stdout with exit 0.
checks=$((checks + 1))
help=$("$AURIS" spectrogram --help) || fail "--help: exit $?"
for opt in --output --width --height --scale --cmap --title --db-range --n-fft --hop --n-mels \
    --f-min --f-max --raw --raw-pcm --rate --channels --json --help linear log mel viridis \
    magma gray jet "Exit status"; do
    case $help in *"$opt"*) ;; *) fail "--help does not mention $opt" ;; esac
done

# Input errors: exit 2, naming the file.
: >"$TMP/empty.wav"
head -c 4000 /dev/urandom >"$TMP/corrupt.wav"
head -c 60 "$TMP/sweep.wav" >"$TMP/truncated.wav"
expect_error missing 2 "$TMP/nope.wav" "$TMP/nope.wav" -o "$TMP/bad.png"
expect_error empty 2 "$TMP/empty.wav" "$TMP/empty.wav" -o "$TMP/bad.png"
expect_error corrupt 2 "$TMP/corrupt.wav" "$TMP/corrupt.wav" -o "$TMP/bad.png"
expect_error truncated 2 "$TMP/truncated.wav" "$TMP/truncated.wav" -o "$TMP/bad.png"
expect_error nyquist 2 "$TMP/sweep.wav" "$TMP/sweep.wav" --f-max 20000 -o "$TMP/bad.png"
expect_error no-dir 2 "$TMP/no/such/dir.png" "$TMP/sweep.wav" -o "$TMP/no/such/dir.png"

# Usage errors: exit 1, naming the option or what is missing.
expect_error scale 1 "--scale" "$TMP/sweep.wav" --scale bark -o "$TMP/bad.png"
expect_error cmap 1 "--cmap" "$TMP/sweep.wav" --cmap rainbow -o "$TMP/bad.png"
expect_error width 1 "--width" "$TMP/sweep.wav" --width 12 -o "$TMP/bad.png"
expect_error height 1 "--height" "$TMP/sweep.wav" --height 1e3 -o "$TMP/bad.png"
expect_error db-range 1 "--db-range" "$TMP/sweep.wav" --db-range -5 -o "$TMP/bad.png"
expect_error n-fft 1 "--n-fft" "$TMP/sweep.wav" --n-fft abc -o "$TMP/bad.png"
expect_error hop 1 "--hop" "$TMP/sweep.wav" --n-fft 256 --hop 512 -o "$TMP/bad.png"
expect_error f-range 1 "--f-min" "$TMP/sweep.wav" --f-min 5000 --f-max 1000 -o "$TMP/bad.png"
expect_error raw-log 1 "--scale log" "$TMP/sweep.wav" --raw --scale log -o "$TMP/bad.png"
expect_error rate 1 "--raw-pcm" "$TMP/sweep.wav" --rate 8000 -o "$TMP/bad.png"
expect_error unknown 1 "--bogus" "$TMP/sweep.wav" --bogus -o "$TMP/bad.png"
expect_error no-value 1 "--width" "$TMP/sweep.wav" -o "$TMP/bad.png" --width
expect_error no-output 1 "-o" "$TMP/sweep.wav"
expect_error no-input 1 "missing input" -o "$TMP/bad.png"

echo "test_spectrogram.sh: $checks checks, $failures failed"
[ "$failures" = 0 ]
