#!/usr/bin/env bash
# auris models: list, import, pull (file:// and a local HTTP server), hash checks and the
# errors a user sees, all inside a temporary AURIS_MODELS directory.
. "$(dirname "$0")/../cli/lib.sh"

export AURIS_MODELS="$TMP/models"
SHARED=${AURIS_SHARED:-${AURIS_SOURCE_DIR:-$(dirname "$0")/../..}/../shared}
Y="$SHARED/models/yamnet"
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# No temporary download or import file may survive a pull or an import, failed or not.
expect_no_leftovers() {
  local left
  left=$(find "$AURIS_MODELS" -name '.*' -type f 2>/dev/null)
  if [ -z "$left" ]; then ok; else fail "$1: leftover files: $left"; fi
}

# expect_json_model FILE NAME CLASSES: list --json output has model NAME with CLASSES classes.
expect_json_model() {
  if $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = [m for m in d["models"] if m["name"] == sys.argv[2]]
assert len(m) == 1, d
m = m[0]
assert m["kind"] == "yamnet" and m["classes"] == int(sys.argv[3]) and m["size_bytes"] > 1000000, m
assert m["path"] == d["dir"] + "/" + sys.argv[2] + ".safetensors" and "error" not in m, m
' "$1" "$2" "$3"; then ok; else fail "list --json: model $2 with $3 classes"; fi
}

expect_exit 0 "help" -- "$AURIS" models --help
expect_grep "auris models pull yamnet" "$TMP/out" "help names pull"
expect_grep "AURIS_MODELS" "$TMP/out" "help names the directory"
expect_exit 1 "no action" -- "$AURIS" models
expect_exit 1 "unknown action" -- "$AURIS" models frobnicate
expect_exit 1 "unknown model" -- "$AURIS" models pull whisper-huge
expect_exit 1 "stray argument" -- "$AURIS" models list extra
expect_exit 1 "option of another action" -- "$AURIS" models list --url file:///x
expect_exit 1 "bad --name" -- "$AURIS" models import x.tflite --name ../evil

# An empty (not even created) directory.
expect_exit 0 "list empty" -- "$AURIS" models list
expect_grep "no models in $AURIS_MODELS" "$TMP/out" "list empty says so"
expect_exit 0 "list --json empty" -- "$AURIS" models list --json
if $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["models"] == [] and d["dir"] == sys.argv[2]' \
   "$TMP/out" "$AURIS_MODELS"; then ok; else fail "list --json empty: $(cat "$TMP/out")"; fi
expect_exit 2 "path of a missing model" -- "$AURIS" models path yamnet
expect_one_line_error "auris models pull yamnet" "missing model names the fix"

# Downloads that must fail cleanly: wrong bytes, missing file, refused connection, bad scheme.
printf 'not yamnet' > "$TMP/fake.tflite"
expect_exit 2 "pull of wrong bytes" -- "$AURIS" models pull yamnet --url "file://$TMP/fake.tflite"
expect_one_line_error "SHA-256 mismatch" "hash mismatch"
expect_no_leftovers "hash mismatch"
expect_exit 2 "pull of a missing file" -- "$AURIS" models pull yamnet --url "file://$TMP/none.tflite"
expect_one_line_error "$TMP/none.tflite" "missing file"
expect_exit 2 "pull from a closed port" -- "$AURIS" models pull yamnet --url "http://127.0.0.1:1/yamnet.tflite"
expect_one_line_error "127.0.0.1:1" "closed port"
expect_exit 2 "pull with a bad scheme" -- "$AURIS" models pull yamnet --url "gopher://example.invalid/y"
expect_one_line_error "gopher://example.invalid/y" "bad scheme"
expect_no_leftovers "failed pulls"

# A local HTTP server for HTTP errors and an HTTP pull.
mkdir -p "$TMP/www"
$PY -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/www" > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 50); do
  PORT=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$TMP/server.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
if [ -n "$PORT" ]; then
  expect_exit 2 "HTTP 404" -- "$AURIS" models pull yamnet --url "http://127.0.0.1:$PORT/missing.tflite"
  expect_one_line_error "HTTP error 404" "HTTP 404"
else
  fail "local HTTP server did not start: $(cat "$TMP/server.log")"
fi

if [ ! -f "$Y/yamnet.tflite" ] || [ ! -f "$Y/yamnet_class_map.csv" ]; then
  echo "skipped: ../shared/models/yamnet/yamnet.tflite not found"
  finish || exit 1
  exit 77
fi

expect_exit 0 "import" -- "$AURIS" models import "$Y/yamnet.tflite"
expect_grep "installed yamnet \(521 classes" "$TMP/out" "import reports the model"
expect_no_leftovers "import"
expect_exit 0 "list after import" -- "$AURIS" models list
expect_grep "^yamnet +yamnet +521 " "$TMP/out" "list shows yamnet with 521 classes"
expect_exit 0 "list --json after import" -- "$AURIS" models list --json
expect_json_model "$TMP/out" yamnet 521
expect_exit 0 "path" -- "$AURIS" models path yamnet
expect_grep "^$AURIS_MODELS/yamnet.safetensors$" "$TMP/out" "path prints the file"
expect_exit 0 "import --name --class-map" -- "$AURIS" models import "$Y/yamnet.tflite" \
  --class-map "$Y/yamnet_class_map.csv" --name yamnet-copy
expect_exit 0 "list two" -- "$AURIS" models list --json
expect_json_model "$TMP/out" yamnet-copy 521
installed_sum=$(sha256sum < "$AURIS_MODELS/yamnet.safetensors")

# A corrupted copy of the real file: refused, the installed model untouched.
cp "$Y/yamnet.tflite" "$TMP/corrupt.tflite"
chmod u+w "$TMP/corrupt.tflite"
printf '\x5a' | dd of="$TMP/corrupt.tflite" bs=1 seek=200000 conv=notrunc 2>/dev/null
expect_exit 2 "pull of a corrupted copy" -- "$AURIS" models pull yamnet \
  --url "file://$TMP/corrupt.tflite" --class-map-url "file://$Y/yamnet_class_map.csv"
expect_one_line_error "SHA-256 mismatch" "corrupted copy"
expect_no_leftovers "corrupted copy"
if [ "$(sha256sum < "$AURIS_MODELS/yamnet.safetensors")" = "$installed_sum" ]; then ok
else fail "a refused pull changed the installed model"; fi

# Pulls of the genuine file, over file:// and HTTP, into fresh directories.
export AURIS_MODELS="$TMP/pulled"
expect_exit 0 "pull file://" -- "$AURIS" models pull yamnet --url "file://$Y/yamnet.tflite" \
  --class-map-url "file://$Y/yamnet_class_map.csv"
expect_no_leftovers "pull file://"
expect_exit 0 "list after pull" -- "$AURIS" models list --json
expect_json_model "$TMP/out" yamnet 521
if cmp -s "$AURIS_MODELS/yamnet.safetensors" "$TMP/models/yamnet.safetensors"; then ok
else fail "pull and import of the same file give different model files"; fi
if [ -n "$PORT" ]; then
  ln -s "$Y/yamnet.tflite" "$Y/yamnet_class_map.csv" "$TMP/www/"
  export AURIS_MODELS="$TMP/pulled-http"
  expect_exit 0 "pull http://" -- "$AURIS" models pull yamnet \
    --url "http://127.0.0.1:$PORT/yamnet.tflite" \
    --class-map-url "http://127.0.0.1:$PORT/yamnet_class_map.csv"
  expect_exit 0 "list after HTTP pull" -- "$AURIS" models list --json
  expect_json_model "$TMP/out" yamnet 521
fi

finish
