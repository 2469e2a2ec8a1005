#!/bin/bash
# Adapts a PocketSphinx acoustic model to your own recordings with Debian's sphinxtrain
# (the CMUSphinx "Adapting the default acoustic model" recipe):
#   features  sphinx_fe with the model's feat.params, from audio resampled to 16 kHz
#             (auris decodes at 16 kHz, so adaptation must see the same features);
#   counts    bw (Baum-Welch, forced to the transcripts) over the recordings;
#   MLLR      mllr_solve -> OUT/mllr_matrix, used as
#             auris transcribe --engine-options '-mllr OUT/mllr_matrix'
#   MAP       map_adapt -> OUT/model/, a whole model dir, used as auris ... --hmm OUT/model
# Models shipped with only a quantised `sendump` (Debian's en-us, the TIDIGITS test model)
# lack the mixture_weights file bw and map_adapt need: it is rebuilt from sendump (8-bit
# -log(p) values in base 1.0001 shifted by 10 bits, the format PocketSphinx reads).
#
# usage: tools/asr_adapt.sh --manifest FILE.tsv --hmm DIR --dict FILE --out DIR
#                           [--method mllr|map|both] [--jobs N (parallel audio conversions)]
#   manifest  "AUDIO<TAB>TRANSCRIPT" per line (relative paths: from the manifest's dir);
#             every transcript word must be in the dictionary
#   --method  both (default): MLLR matrix and MAP model; mllr or map: only that one
# Needs: sphinxtrain, sphinxbase-utils (sphinx_fe), pocketsphinx (pocketsphinx_mdef_convert),
# sox, python3. Exit status: 0 done, 1 usage, 2 missing tool or bad input.
set -euo pipefail

die() { echo "asr_adapt: $*" >&2; exit 2; }
usage() { sed -n '/^# usage:/,/^# Needs:/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }

manifest= hmm= dict= out= method=both jobs=2
while [ $# -gt 0 ]; do
    case $1 in
        --manifest) manifest=${2:?}; shift 2 ;;
        --hmm) hmm=${2:?}; shift 2 ;;
        --dict) dict=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --method) method=${2:?}; shift 2 ;;
        --jobs) jobs=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        *) echo "asr_adapt: unknown option $1" >&2; usage ;;
    esac
done
[ -n "$manifest" ] && [ -n "$hmm" ] && [ -n "$dict" ] && [ -n "$out" ] || usage
case $method in mllr|map|both) ;; *) echo "asr_adapt: --method must be mllr, map or both" >&2; exit 1 ;; esac

st=${SPHINXTRAIN_BIN:-/usr/lib/sphinxtrain}
for t in bw mllr_solve map_adapt; do
    [ -x "$st/$t" ] || die "$st/$t not found: install Debian's sphinxtrain (apt-get install sphinxtrain)"
done
command -v sphinx_fe >/dev/null || die "sphinx_fe not found: install sphinxbase-utils"
command -v pocketsphinx_mdef_convert >/dev/null || die "pocketsphinx_mdef_convert not found: install pocketsphinx"
command -v sox >/dev/null || die "sox not found: install sox"
command -v python3 >/dev/null || die "python3 not found"
[ -r "$manifest" ] || die "$manifest: manifest not found or not readable"
[ -r "$dict" ] || die "$dict: dictionary not found or not readable"
for f in mdef means variances transition_matrices feat.params; do
    [ -r "$hmm/$f" ] || die "$hmm/$f: acoustic model file not found"
done
[ -r "$hmm/mixture_weights" ] || [ -r "$hmm/sendump" ] \
    || die "$hmm: neither mixture_weights nor sendump found"

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mdir=$(cd "$(dirname "$manifest")" && pwd)

# The feature settings bw must share with sphinx_fe and the decoder.
param() { awk -v k="-$1" '$1 == k {print $2}' "$hmm/feat.params"; }
feat=$(param feat); feat=${feat:-1s_c_d_dd}
cmn=$(param cmn); cmn=${cmn:-batch}; [ "$cmn" = current ] && cmn=batch
agc=$(param agc); agc=${agc:-none}
varnorm=$(param varnorm); varnorm=${varnorm:-no}
svspec=$(param svspec)
ceplen=$(param ncep); ceplen=${ceplen:-13}

# Binary mdef -> text (bw reads text); its counts tell the model type when feat.params
# does not (-model ptm): one codebook = semi-continuous, one per CI phone = ptm.
pocketsphinx_mdef_convert -text "$hmm/mdef" "$work/mdef.txt" >/dev/null 2>&1 \
    || cp "$hmm/mdef" "$work/mdef.txt"
grep -q '^0.3' "$work/mdef.txt" || die "$hmm/mdef: not a readable model definition"
model=$(param model)
if [ -z "$model" ]; then
    n_ci=$(awk '$2 == "n_base" {print $1}' "$work/mdef.txt")
    n_cb=$(python3 - "$hmm/means" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
h = d.index(b'endhdr\n') + 7
order = '<' if struct.unpack('<I', d[h:h + 4])[0] == 0x11223344 else '>'
print(struct.unpack(order + 'i', d[h + 4:h + 8])[0])
EOF
)
    if [ "$n_cb" = 1 ]; then model=semi; elif [ "$n_cb" = "$n_ci" ]; then model=ptm; else model=cont; fi
fi
case $model in ptm) ts2cb=.ptm. ;; semi|s2semi) ts2cb=.semi. ;; *) ts2cb=.cont. ;; esac

# Model copy with a mixture_weights file.
base=$work/base
mkdir -p "$base"
for f in "$hmm"/*; do ln -s "$(realpath "$f")" "$base/$(basename "$f")"; done
rm -f "$base/mdef"; cp "$work/mdef.txt" "$base/mdef"
# bw needs a filler dictionary; PocketSphinx's built-in one is silence for <s>, </s>, <sil>.
[ -r "$base/noisedict" ] || printf '<s> SIL\n</s> SIL\n<sil> SIL\n' >"$base/noisedict"
if [ ! -r "$hmm/mixture_weights" ]; then
    python3 - "$hmm/sendump" "$base/mixture_weights" <<'EOF' || die "$hmm/sendump: cannot convert to mixture_weights"
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
d = open(src, 'rb').read()
pos = 0
def i32():
    global pos
    if pos + 4 > len(d):
        raise SystemExit('sendump: truncated')
    v = struct.unpack(order + 'i', d[pos:pos + 4])[0]
    pos += 4
    return v
order = '<'
if not 1 <= struct.unpack('<i', d[:4])[0] <= 999:
    order = '>'
hdr = {}
n = i32()
while n:
    if n < 0 or pos + n > len(d):
        raise SystemExit('sendump: bad header string length')
    words = d[pos:pos + n].rstrip(b'\0').decode('latin-1').split()
    if len(words) == 2:
        hdr[words[0]] = words[1]
    pos += n
    n = i32()
n_feat = int(hdr.get('feature_count', 1))
shift = int(hdr.get('mixw_shift', 10))
n_clust = int(hdr.get('cluster_count', 0))
bits = int(hdr.get('cluster_bits', 8))
if n_clust not in (0, 15, 16) or bits not in (4, 8) or (bits == 4) != (n_clust > 0):
    raise SystemExit('sendump: unsupported cluster_count %d / cluster_bits %d' % (n_clust, bits))
if n_clust:
    # 4-bit weights: 16 quantised values, then two senones per byte (even = low nibble).
    n_comp, n_sen = int(hdr['mixture_count']), int(hdr['model_count'])
    levels = d[pos:pos + 16]
    pos += 16
    step = (n_sen + 1) // 2
else:
    n_comp, n_sen = i32(), i32()
    levels = bytes(range(256))
    step = n_sen
if n_feat * n_comp * step != len(d) - pos:
    raise SystemExit('sendump: size does not match %d x %d x %d' % (n_feat, n_comp, n_sen))
# Stored transposed, [feature][density][senone]; mixture_weights is [senone][feature][density].
table = [1.0001 ** -(q << shift) for q in levels]
out = [0.0] * (n_sen * n_feat * n_comp)
for f in range(n_feat):
    for c in range(n_comp):
        row = d[pos:pos + step]
        pos += step
        for s in range(n_sen):
            q = row[s] if not n_clust else (row[s >> 1] >> 4 if s & 1 else row[s >> 1] & 15)
            out[(s * n_feat + f) * n_comp + c] = table[q]
with open(dst, 'wb') as o:
    o.write(b's3\nversion 1.0\nendhdr\n')
    o.write(struct.pack('=I', 0x11223344))
    o.write(struct.pack('=4i', n_sen, n_feat, n_comp, len(out)))
    o.write(struct.pack('=%df' % len(out), *out))
EOF
fi

# Audio -> 16 kHz 16-bit wav -> features; transcripts checked against the dictionary.
mkdir -p "$work/wav" "$work/feat"
: >"$work/all.fileids"; : >"$work/all.transcription"
i=0
while IFS=$'\t' read -r audio text || [ -n "$audio" ]; do
    case $audio in ''|'#'*) continue ;; esac
    case $audio in /*) ;; *) audio=$mdir/$audio ;; esac
    [ -r "$audio" ] || die "$audio: audio file not found"
    id=$(printf 'u%06d' $i); i=$((i + 1))
    words=$(printf '%s' "$text" | tr '[:upper:]' '[:lower:]' | tr -s ' \t' '  ' | sed 's/^ //; s/ $//')
    [ -n "$words" ] || die "$audio: empty transcript"
    printf '%s\t%s\n' "$audio" "$id" >>"$work/audio.list"
    echo "$id" >>"$work/all.fileids"
    echo "<s> $words </s> ($id)" >>"$work/all.transcription"
done <"$manifest"
[ $i -gt 0 ] || die "$manifest: no recordings"
n_utt=$i
missing=$(tr ' ' '\n' <"$work/all.transcription" | grep -v '^<\|^(' | sort -u \
    | awk 'NR == FNR {sub(/\(.*/, "", $1); d[$1] = 1; next} !($1 in d)' "$dict" - | head -5)
[ -z "$missing" ] || die "words not in $dict: $(echo $missing)"
xargs -d "\n" -P "$jobs" -n 2 sh -c 'sox "$0" -r 16000 -b 16 -c 1 "$1" 2>/dev/null' \
    < <(awk -F'\t' -v w="$work/wav" '{print $1 "\n" w "/" $2 ".wav"}' "$work/audio.list") \
    || die "sox could not convert the audio"
sphinx_fe -argfile "$hmm/feat.params" -samprate 16000 -c "$work/all.fileids" \
    -di "$work/wav" -do "$work/feat" -ei wav -eo mfc -mswav yes >"$work/fe.log" 2>&1 \
    || die "sphinx_fe failed: $(grep -m1 ERROR "$work/fe.log")"

# Baum-Welch counts in one run: mllr_solve reads a single accumulator directory.
bwargs=(-hmmdir "$base" -moddeffn "$base/mdef" -ts2cbfn "$ts2cb" -feat "$feat" -cmn "$cmn"
        -agc "$agc" -varnorm "$varnorm" -ceplen "$ceplen" -dictfn "$dict" -cepdir "$work/feat")
[ -n "$svspec" ] && bwargs+=(-svspec "$svspec")
[ -r "$hmm/feature_transform" ] && bwargs+=(-lda "$hmm/feature_transform")
mkdir -p "$work/acc"
"$st/bw" "${bwargs[@]}" -ctlfn "$work/all.fileids" -lsnfn "$work/all.transcription" \
    -accumdir "$work/acc" >"$work/bw.log" 2>&1 \
    || die "bw failed: $(grep -m1 -E 'ERROR|FATAL' "$work/bw.log" || tail -1 "$work/bw.log")"
skipped=$(grep -c 'ignored' "$work/bw.log" || true)
[ "$skipped" = 0 ] || echo "asr_adapt: $skipped of $n_utt recordings could not be aligned to their transcript and were skipped" >&2

if [ "$method" != map ]; then
    "$st/mllr_solve" -meanfn "$base/means" -varfn "$base/variances" \
        -outmllrfn "$out/mllr_matrix" -accumdir "$work/acc" >"$work/mllr.log" 2>&1 \
        || die "mllr_solve failed: $(grep -m1 -E 'ERROR|FATAL' "$work/mllr.log")"
    echo "asr_adapt: $out/mllr_matrix (use: --engine-options '-mllr $out/mllr_matrix')"
fi
if [ "$method" != mllr ]; then
    mkdir -p "$out/model"
    for f in feat.params noisedict feature_transform; do
        [ -r "$hmm/$f" ] && cp "$hmm/$f" "$out/model/"
    done
    cp "$hmm/mdef" "$out/model/mdef"
    "$st/map_adapt" -moddeffn "$base/mdef" -ts2cbfn "$ts2cb" -meanfn "$base/means" \
        -varfn "$base/variances" -mixwfn "$base/mixture_weights" \
        -tmatfn "$base/transition_matrices" -accumdir "$work/acc" \
        -mapmeanfn "$out/model/means" -mapvarfn "$out/model/variances" \
        -mapmixwfn "$out/model/mixture_weights" -maptmatfn "$out/model/transition_matrices" \
        >"$work/map.log" 2>&1 || die "map_adapt failed: $(grep -m1 -E 'ERROR|FATAL' "$work/map.log")"
    echo "asr_adapt: $out/model (use: --hmm $out/model)"
fi
