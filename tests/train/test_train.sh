#!/usr/bin/env bash
# auris train / val / predict end to end on synthetic audio made here with sox: tones,
# noise and chirps of varied length and level, plus a file that does not decode.
# Checks: high validation accuracy within seconds, every run file, the corrupt file listed
# and skipped, same seed -> identical weights, predict's text and JSON output, val's
# metrics, and Ctrl-C keeping last.safetensors.
. "$(dirname "$0")/../cli/lib.sh"
need sox
export OMP_NUM_THREADS=1

data=$TMP/data
mkdir -p "$data"/{tone,noise,chirp}
for i in $(seq 1 24); do
  len=0.$((3 + i % 5)); vol=0.$((2 + i % 6))
  sox -n -r 8000 -b 16 "$data/tone/t$i.wav" synth "$len" sine $((300 + i * 37)) vol "$vol"
  if [ $((i % 2)) = 0 ]; then kind=whitenoise; else kind=pinknoise; fi
  sox -n -r 8000 -b 16 "$data/noise/n$i.wav" synth "$len" $kind vol "$vol"
  sox -n -r 8000 -b 16 "$data/chirp/c$i.wav" synth "$len" sine $((200 + i * 11))-$((2600 + i * 23)) vol "$vol"
done
echo "not audio" > "$data/tone/broken.wav"

common=(--data "$data" --sample-rate 8000 --n-mels 32 --duration 0.5 --batch 16 --lr 0.005
        --threads 1 --seed 3 --project "$TMP/runs")
train() {  # train NAME EXTRA...
  local name=$1; shift
  "$AURIS" train "${common[@]}" --epochs 6 --name "$name" "$@"
}

t0=$(date +%s)
train a > "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc -eq 0 ] && ok || fail "train exit $rc: $(tail -c 400 "$TMP/err")"
echo "training took $(( $(date +%s) - t0 )) s"
run=$TMP/runs/a
for f in weights/best.safetensors weights/last.safetensors args.json results.csv results.png \
         metrics.json confusion_matrix.png confusion_matrix_normalized.png; do
  [ -s "$run/$f" ] && ok || fail "run file $f missing"
done
expect_grep "broken.wav" "$TMP/err" "the corrupt file is listed"
expect_grep "^epoch,train_loss,val_loss,top1,top5,lr$" "$run/results.csv" "results.csv header"
[ "$(wc -l < "$run/results.csv")" -eq 7 ] && ok || fail "results.csv should have 6 epochs"
if $PY - "$run/metrics.json" "$run/results.csv" <<'PY'
import json, sys, csv
m = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
top1 = max(float(r["top1"]) for r in rows)
assert top1 >= 0.95, f"best validation top1 {top1}"
flat = json.dumps(m)
assert "top1" in flat and "macro" in flat, flat[:300]
PY
then ok; else fail "validation accuracy / metrics.json"; fi

# same seed and threads -> bit-identical weights; another seed -> different ones
train b > /dev/null 2>&1 && cmp -s "$run/weights/last.safetensors" "$TMP/runs/b/weights/last.safetensors" \
  && ok || fail "same seed gave different weights"
train c --seed 4 > /dev/null 2>&1
cmp -s "$run/weights/last.safetensors" "$TMP/runs/c/weights/last.safetensors" \
  && fail "another seed gave identical weights" || ok

# waveform augmentations without a noise or RIR folder still apply (--gain alone once did
# nothing): the same seed with --gain or --lowpass trains another model
for opt in "--gain 6" "--lowpass 1"; do
  # shellcheck disable=SC2086
  train "aug${opt// /}" $opt > /dev/null 2>&1 || fail "train $opt"
  cmp -s "$run/weights/last.safetensors" "$TMP/runs/aug${opt// /}/weights/last.safetensors" \
    && fail "$opt did not change the training" || ok
done
expect_grep '"lowpass_prob": 1' "$TMP/runs/aug--lowpass1/args.json" "args.json records lowpass"
# --top-db: another floor gives other images, so another model; recorded in args.json
train db --top-db 30 > /dev/null 2>&1 || fail "train --top-db 30"
cmp -s "$run/weights/last.safetensors" "$TMP/runs/db/weights/last.safetensors" \
  && fail "--top-db did not change the training" || ok
expect_grep '"top_db": 30' "$TMP/runs/db/args.json" "args.json records top_db"
expect_grep '"top_db": 80' "$run/args.json" "args.json records the default top_db"
"$AURIS" train "${common[@]}" --epochs 1 --name bad --top-db 5 > /dev/null 2>&1
[ $? -eq 1 ] && ok || fail "--top-db 5 should be a usage error"

# --ema: the same training (identical train loss every epoch: the average never leaks into
# the steps), but the saved and evaluated weights are the average, so val loss differs
train e --ema 0.99 > /dev/null 2>&1 && ok || fail "train --ema"
expect_grep '"ema": 0.99' "$TMP/runs/e/args.json" "args.json records ema"
if $PY - "$run/results.csv" "$TMP/runs/e/results.csv" <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))
e = list(csv.DictReader(open(sys.argv[2])))
assert len(a) == len(e) == 6, (len(a), len(e))
assert [r["train_loss"] for r in a] == [r["train_loss"] for r in e], "training changed"
assert [r["val_loss"] for r in a] != [r["val_loss"] for r in e], "ema not evaluated"
# about 27 steps in all: the average lags the weights, but is far above chance (1/3)
assert float(e[-1]["top1"]) >= 0.75, [r["top1"] for r in e]
PY
then ok; else fail "--ema changed the training or was not evaluated"; fi
cmp -s "$run/weights/last.safetensors" "$TMP/runs/e/weights/last.safetensors" \
  && fail "--ema saved the raw weights" || ok
"$AURIS" train "${common[@]}" --epochs 1 --name bad --ema 1 > /dev/null 2>&1
[ $? -eq 1 ] && ok || fail "--ema 1 should be a usage error"

model=$run/weights/best.safetensors
expect_exit 0 "predict" -- "$AURIS" predict --model "$model" "$data/tone/t5.wav" "$data/chirp/c7.wav"
expect_grep '^.*t5\.wav: tone [01]\.[0-9]{2}, [a-z]+ [01]\.[0-9]{2}, [a-z]+ [01]\.[0-9]{2} \([0-9.]+ ms\)$' "$TMP/out" "predict line"
expect_grep 'c7\.wav: chirp ' "$TMP/out" "chirp predicted"
expect_exit 0 "predict --json --top 2 dir and stdin" -- bash -c \
  "'$AURIS' predict --model '$model' --json --top 2 '$data/noise' - < '$data/noise/n3.wav'"
if $PY - "$TMP/out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 25, len(lines)
right = 0
for l in lines:
    d = json.loads(l)
    assert set(d) == {"file", "top", "time_ms"} and len(d["top"]) == 2
    assert d["top"][0]["score"] >= d["top"][1]["score"]
    right += d["top"][0]["label"] == "noise"
assert lines[-1].startswith('{"file": "-"')
assert right >= 23, right
PY
then ok; else fail "predict JSON"; fi
expect_exit 2 "predict on a corrupt file" -- "$AURIS" predict --model "$model" "$data/tone/broken.wav"

expect_exit 0 "val" -- "$AURIS" val --model "$model" --data "$data" --project "$TMP/val"
expect_grep "top1 [01]\.[0-9]{4}" "$TMP/out" "val prints top1"
expect_grep "^chirp " "$TMP/out" "val per-class line"
[ -s "$TMP/val/exp1/confusion_matrix.png" ] && [ -s "$TMP/val/exp1/metrics.json" ] && ok \
  || fail "val output files"

# Ctrl-C: stop a long run after its first epoch; last.safetensors stays, exit 130
# (the binary itself in the background: a shell function would run in a subshell that
# does not pass SIGINT on)
"$AURIS" train "${common[@]}" --name int --epochs 500 --patience 0 > /dev/null 2> "$TMP/int.err" &
pid=$!
for _ in $(seq 1 300); do
  [ -f "$TMP/runs/int/results.csv" ] && [ "$(wc -l < "$TMP/runs/int/results.csv")" -ge 2 ] && break
  sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && ok || fail "interrupted train exit $rc, want 130: $(tail -c 300 "$TMP/int.err")"
[ -s "$TMP/runs/int/weights/last.safetensors" ] && ok || fail "last.safetensors after Ctrl-C"
expect_grep "interrupted" "$TMP/int.err" "interrupt message"

expect_exit 1 "train without data" -- "$AURIS" train --epochs 1
finish
