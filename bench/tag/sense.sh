#!/bin/bash
# Does YAMNet in auris hear what is there? Runs `auris tag` and `auris classify` on real
# recordings of ../shared and prints markdown tables (the figures of models/yamnet.md):
#   - envsound: for each of the 45 classes of data/envsound/<class>/*.flac, the share of
#     files where one of the class's AudioSet classes (sense_envsound.csv) is among the
#     clip's top 5 tags, mean-pooled and max-pooled over the patches (and max-pooled with
#     Silence and the room/recording-context tags skipped), and the top-1 tags;
#   - speech clips (LibriSpeech, LJSpeech, SpeechBrain, JFK) and music (librosa's pieces):
#     Speech / Music as the top clip tag and in the top 5, and `classify --task type`'s
#     share of the time labelled speech / music.
# usage: bench/tag/sense.sh [path/to/auris] [--model FILE.safetensors]
#   env: AURIS_SHARED (default ../shared beside the sources), SPEECH_FILES (LibriSpeech
#   utterances used, default 50), NORMALIZE=1 to peak-normalise every envsound file to
#   -1 dBFS (sox) before tagging: many are quiet studio takes that YAMNet hears as Silence.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
AURIS=${1:-$SRC/build/auris}
shift || true
MODEL=()
[ "${1:-}" = --model ] && MODEL=(--model "$2")
SHARED=${AURIS_SHARED:-$SRC/../shared}
[ -d "$SHARED/data/envsound" ] || { echo "skipped: ../shared/data/envsound not found"; exit 77; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# One line per file: kind <TAB> class <TAB> tag JSON <TAB> classify JSON (or {}).
run() {
  local kind=$1 class=$2 file=$3 with_type=$4 tag type="{}"
  if [ "$kind" = env ] && [ "${NORMALIZE:-0}" = 1 ]; then
    sox "$file" "$OUT/normalized.wav" gain -n -1
    file=$OUT/normalized.wav
  fi
  tag=$("$AURIS" tag "${MODEL[@]}" --json --clip --top 15 "$file")
  [ "$with_type" = 1 ] && type=$("$AURIS" classify "${MODEL[@]}" --json "$file")
  printf '%s\t%s\t%s\t%s\n' "$kind" "$class" "$tag" "$type" >> "$OUT/results.tsv"
}

t0=$(date +%s)
for dir in "$SHARED"/data/envsound/*/; do
  class=$(basename "$dir")
  for f in "$dir"*.flac; do run env "$class" "$f" 0; done
done
for f in $(ls "$SHARED"/data/librispeech-speakers/*.flac | head -n "${SPEECH_FILES:-50}") \
         "$SHARED"/data/ljspeech/wavs/*.wav "$SHARED"/data/speechbrain/ASR/*.wav \
         "$SHARED"/whisper/jfk.wav; do
  run speech Speech "$f" 1
done
for f in "$SHARED"/data/librosa/*.ogg; do
  name=$(basename "$f")
  if [[ $name =~ ^[0-9]+-[0-9]+-[0-9]+\.hq\.ogg$ ]]; then
    run speech Speech "$f" 1                                  # LibriSpeech utterances
  elif [[ ! $name =~ humpback|robin|pibble ]]; then           # animals are not music
    run music Music "$f" 1
  fi
done
t1=$(date +%s)

/usr/bin/python3 - "$OUT/results.tsv" "$HERE/sense_envsound.csv" "$((t1 - t0))" <<'EOF'
import collections, csv, json, sys

results, map_path, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Tags that say where or how a clip was recorded, not what sounds: skipped in one column.
CONTEXT = {'Silence', 'Inside, small room', 'Inside, large room or hall', 'Inside, public space',
           'Outside, urban or manmade', 'Outside, rural or natural', 'Reverberation', 'Echo',
           'Field recording'}
want = collections.defaultdict(set)
with open(map_path) as f:
    for row in csv.reader(line for line in f if not line.startswith('#')):
        if row and row[0] != 'label':
            want[row[0]].add(row[1])

env = collections.defaultdict(list)
other = collections.defaultdict(list)
for line in open(results):
    kind, cls, tag, typ = line.rstrip('\n').split('\t')
    tag, typ = json.loads(tag), json.loads(typ)
    mean = [t['label'] for t in tag['clip']['mean']]
    mx = [t['label'] for t in tag['clip']['max']]
    events = [t for t in mx if t not in CONTEXT][:5]
    mean, mx = mean[:5], mx[:5]
    if kind == 'env':
        env[cls].append((mean, mx, events))
    else:
        seconds_of = {s['label']: s['seconds'] for s in typ['summary']}
        other[kind].append((cls, mean, mx, seconds_of.get(kind, 0.0) / max(typ['duration'], 1e-9)))

print('| envsound class | files | top-5 hit (mean) | top-5 hit (max) | top-5 hit (max, no context) '
      '| most frequent top-1 (max, no context) |')
print('|---|---|---|---|---|---|')
tot_mean = tot_max = tot_ev = n_files = 0
classes_hit = 0
for cls in sorted(env):
    rows = env[cls]
    hm = sum(bool(want[cls] & set(m)) for m, _, _ in rows)
    hx = sum(bool(want[cls] & set(x)) for _, x, _ in rows)
    he = sum(bool(want[cls] & set(e)) for _, _, e in rows)
    top1 = collections.Counter(e[0] for _, _, e in rows).most_common(1)[0]
    print(f'| {cls} | {len(rows)} | {hm}/{len(rows)} | {hx}/{len(rows)} | {he}/{len(rows)} '
          f'| {top1[0]} ({top1[1]}) |')
    tot_mean += hm; tot_max += hx; tot_ev += he; n_files += len(rows)
    classes_hit += hm > 0
print(f'| **all 45** | {n_files} | **{tot_mean}/{n_files} = {tot_mean / n_files:.1%}** | '
      f'**{tot_max}/{n_files} = {tot_max / n_files:.1%}** | '
      f'**{tot_ev}/{n_files} = {tot_ev / n_files:.1%}** | {classes_hit} classes with a hit (mean) |')
print()
print('| clips | files | top-1 tag (mean) | in top 5 (mean) | `classify --task type`: share of time |')
print('|---|---|---|---|---|')
for kind in ('speech', 'music'):
    rows = other[kind]
    label = rows[0][0]
    t1 = sum(m[0] == label for _, m, _, _ in rows)
    t5 = sum(label in m[:5] for _, m, _, _ in rows)
    share = sum(r[3] for r in rows) / len(rows)
    print(f'| {kind} | {len(rows)} | {label}: {t1}/{len(rows)} | {t5}/{len(rows)} | '
          f'{kind}: {share:.1%} |')
print(f'\n({sum(map(len, env.values())) + sum(map(len, other.values()))} files in {seconds} s)')
EOF
