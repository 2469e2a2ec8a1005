#!/usr/bin/python3
"""Builds the speech/music/noise/silence training set for auris's audio-type model.

Usage: /usr/bin/python3 tools/make_audio_type_data.py OUT_DIR [SHARED_DATA_DIR]
(tools/make_audio_type_data.sh wraps it and checks the tools it needs).

Only sources whose licence allows shipping a model trained on them are used (listed with
their licences in OUT_DIR/SOURCES.txt). Splits are made per recording group (a speaker, a
song, a synthetic recording), never per clip, so nothing is shared between train, val and
test. Everything is seeded: the same inputs give the same files.
"""
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

import numpy as np

SR = 16000
CLIP = 2 * SR
SPLITS = ("train", "val", "test")
CLASSES = ("speech", "music", "noise", "silence")
CAP = {"train": 320, "val": 64, "test": 64}  # clips per class and split
SEED = 20261121


def sox_load(path, effects=()):
    """Decodes any file sox reads to 16 kHz mono float32."""
    cmd = ["sox", "-R", "-V1", str(path), "-t", "f32", "-r", str(SR), "-c", "1", "-"]
    out = subprocess.run(cmd + list(effects), check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32).copy()


def sox_process(x, effects):
    """Runs 16 kHz float samples through a sox effects chain (deterministic: no synth)."""
    cmd = ["sox", "-R", "-V1", "-t", "f32", "-r", str(SR), "-c", "1", "-",
           "-t", "f32", "-r", str(SR), "-c", "1", "-"] + list(effects)
    out = subprocess.run(cmd, input=x.astype(np.float32).tobytes(), check=True,
                         capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32).copy()


def rms_db(x):
    return 10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20)


def windows(x, max_n, min_db=-50.0):
    """Non-overlapping 2 s windows that are not (near) silent, at most max_n."""
    out = []
    for i in range(len(x) // CLIP):
        w = x[i * CLIP:(i + 1) * CLIP]
        if min_db is None or rms_db(w) > min_db:
            out.append(w)
        if len(out) == max_n:
            break
    return out


def concat(parts, rng, gap_s=(0.1, 0.4)):
    """Joins short utterances of one speaker with short pauses into one stream."""
    out = []
    for p in parts:
        out.append(p)
        out.append(np.zeros(int(rng.uniform(*gap_s) * SR), np.float32))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def hash_split(group, val=0.1, test=0.1):
    """A split fixed by the group's name, so one speaker lands in the same split from every
    source that holds them."""
    f = int(hashlib.md5(group.encode()).hexdigest()[:8], 16) / 2.0 ** 32
    return "val" if f < val else "test" if f < val + test else "train"


class Collector:
    """Candidate clips per (split, class), each tagged with its source and group."""

    def __init__(self):
        self.clips = {(s, c): [] for s in SPLITS for c in CLASSES}
        self.sources = {}

    def add(self, cls, split, source, licence, group, clips):
        self.sources.setdefault(source, {})[group] = licence
        for i, w in enumerate(clips):
            self.clips[(split, cls)].append((source, group, i, w))


# ---- Speech ----

def librispeech(col, data, rng):
    lic = "CC BY 4.0 (LibriSpeech, openslr.org/12)"
    root = os.path.join(data, "librispeech-speakers")
    for f in sorted(os.listdir(root)):
        if f.endswith(".flac"):
            spk = "librispeech-" + f.split("-")[0]
            col.add("speech", hash_split(spk), "librispeech", lic, spk,
                    windows(sox_load(os.path.join(root, f)), 3))
    # librosa's example readers are LibriSpeech speakers too: same split rule.
    for f in ("198-209-0000", "3436-172162-0000", "5703-47212-0000"):
        spk = "librispeech-" + f.split("-")[0]
        col.add("speech", hash_split(spk), "librosa-librispeech", lic, spk,
                windows(sox_load(os.path.join(data, "librosa", f + ".hq.ogg")), 4))


def ljspeech(col, data, rng):
    root = os.path.join(data, "ljspeech", "wavs")
    clips = []
    for f in sorted(os.listdir(root)):
        if f.endswith(".wav"):
            clips += windows(sox_load(os.path.join(root, f)), 3)
    # One speaker: all of her in one split.
    col.add("speech", "train", "ljspeech", "public domain (LJ Speech)", "LJ", clips)


def fsdd(col, data, rng):
    root = os.path.join(data, "fsdd", "recordings")
    split = {"george": "train", "jackson": "train", "lucas": "train", "nicolas": "train",
             "theo": "val", "yweweler": "test"}
    files = sorted(os.listdir(root))
    for spk, sp in split.items():
        mine = [f for f in files if f.endswith(".wav") and f.split("_")[1] == spk]
        rng.shuffle(mine)
        stream = concat([sox_load(os.path.join(root, f)) for f in mine[:120]], rng,
                        (0.05, 0.2))
        col.add("speech", sp, "fsdd", "CC BY-SA 4.0 (Free Spoken Digit Dataset)",
                "fsdd-" + spk, windows(stream, 40))


def speechbrain_asr(col, data, rng):
    root = os.path.join(data, "speechbrain", "ASR")
    for spk, sp in (("spk1", "train"), ("spk2", "test")):
        parts = [sox_load(os.path.join(root, f)) for f in sorted(os.listdir(root))
                 if f.startswith(spk)]
        col.add("speech", sp, "speechbrain-asr", "Apache-2.0 (SpeechBrain samples)",
                "speechbrain-" + spk, windows(concat(parts, rng), 20))


def asterisk_prompts(col, rng):
    root = "/usr/share/asterisk/sounds/en"
    files = sorted(f for f in os.listdir(root) if f.endswith(".wav"))
    rng.shuffle(files)
    stream = concat([sox_load(os.path.join(root, f)) for f in files[:150]], rng)
    # One voice (Allison Smith) throughout: one split.
    col.add("speech", "train", "asterisk-core-sounds-en-wav",
            "CC BY-SA 3.0 (Debian asterisk-core-sounds-en-wav, Allison Smith)",
            "asterisk-allison", windows(stream, 60))


ESPEAK_TEXT = {
    "de": ["Der Zug nach Berlin fährt heute eine Stunde später ab als geplant.",
           "Kannst du mir bitte sagen, wo ich den nächsten Bäcker finde?",
           "Im Sommer gehen wir oft am Fluss spazieren und essen Eis."],
    "fr": ["Le train pour Paris partira avec une heure de retard ce matin.",
           "Pourriez-vous me dire où se trouve la boulangerie la plus proche?",
           "En été, nous nous promenons souvent au bord de la rivière."],
    "es": ["El tren hacia Madrid saldrá con una hora de retraso esta mañana.",
           "¿Puedes decirme dónde está la panadería más cercana, por favor?",
           "En verano solemos pasear junto al río y comer helado."],
    "it": ["Il treno per Roma partirà con un'ora di ritardo stamattina.",
           "Mi sai dire dove si trova il panificio più vicino, per favore?",
           "D'estate passeggiamo spesso lungo il fiume e mangiamo il gelato."],
    "nl": ["De trein naar Amsterdam vertrekt vanochtend een uur later.",
           "Kun je me vertellen waar de dichtstbijzijnde bakker is?",
           "In de zomer wandelen we vaak langs de rivier en eten we ijs."],
    "pt": ["O comboio para Lisboa vai partir com uma hora de atraso.",
           "Podes dizer-me onde fica a padaria mais próxima, por favor?",
           "No verão passeamos muitas vezes junto ao rio e comemos gelado."],
}

# Voice (language + variant) -> split: each synthetic voice is one "speaker".
ESPEAK_VOICES = (("en-gb", "m1", "train"), ("en-us", "f2", "train"), ("de", "m3", "train"),
                 ("fr-fr", "f1", "train"), ("es", "m2", "train"), ("en-gb-x-rp", "f3", "train"),
                 ("it", "f4", "val"), ("en-us-nyc", "m4", "val"),
                 ("nl", "m5", "test"), ("pt", "f5", "test"), ("en-gb-scotland", "m7", "test"))


def english_sentences(data):
    with open(os.path.join(data, "ljspeech", "metadata.csv"), encoding="utf-8") as f:
        return [line.split("|")[2].strip() for line in f if line.count("|") >= 2]


def espeak(col, data, rng, tmp):
    english = english_sentences(data)
    for lang, variant, sp in ESPEAK_VOICES:
        base = lang.split("-")[0]
        texts = ESPEAK_TEXT.get(base) or rng.sample(english, 6)
        parts = []
        for i, text in enumerate(texts * (2 if len(texts) < 6 else 1)):
            wav = os.path.join(tmp, "espeak.wav")
            speed, pitch = rng.randint(130, 190), rng.randint(30, 70)
            subprocess.run(["espeak-ng", "-v", lang + "+" + variant, "-s", str(speed), "-p",
                            str(pitch), "-w", wav, text], check=True, capture_output=True)
            parts.append(sox_load(wav))
        col.add("speech", sp, "espeak-ng", "synthesised with espeak-ng (GPL-3 program; "
                "its output is not covered)", "espeak-" + lang + "+" + variant,
                windows(concat(parts, rng), 25))


# ---- Music ----

LIBROSA_MUSIC = (
    ("Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra)", "train",
     "public domain (US Army Strings, Musopen)"),
    ("Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy", "train",
     "CC BY 3.0 (Kevin MacLeod)"),
    ("Kevin_MacLeod_-_Vibe_Ace", "train", "CC BY 3.0 (Kevin MacLeod)"),
    ("Karissa_Hobbs_-_Lets_Go_Fishin", "val", "CC BY 3.0 (Karissa Hobbs)"),
    ("sorohanro_-_solo-trumpet-06", "test", "CC BY 3.0 (Mihai Sorohan)"),
)
# Left out on purpose: the NC-licensed tracks (sweet waltz, ragtime, Choice drum-bass) and
# the non-music examples (robin, whale, dog).

MOH = (("macroform-cold_day", "train"), ("macroform-robot_dity", "train"),
       ("manolo_camp-morning_coffee", "train"), ("reno_project-system", "val"),
       ("macroform-the_simplicity", "test"))


def librosa_music(col, data, rng):
    for name, sp, lic in LIBROSA_MUSIC:
        x = sox_load(os.path.join(data, "librosa", name + ".hq.ogg"))
        col.add("music", sp, "librosa-music", lic, name, windows(x, 60))


def moh(col, rng):
    for name, sp in MOH:
        x = sox_load("/usr/share/asterisk/moh/%s.wav" % name)
        col.add("music", sp, "asterisk-moh-opsound-wav",
                "CC BY-SA 3.0 (Debian asterisk-moh-opsound-wav, opsound.org)", name,
                windows(x, 60))


def fluid_music(col, rng, tmp):
    from make_audio_type_midi import song_midi
    sf2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
    for i in range(36):
        sp = "train" if i < 24 else "val" if i < 30 else "test"
        mid, wav = os.path.join(tmp, "song.mid"), os.path.join(tmp, "song.wav")
        with open(mid, "wb") as f:
            f.write(song_midi(random.Random(SEED + i), seconds=22))
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", "44100", "-O", "float",
                        "-T", "wav", "-F", wav, sf2, mid], check=True, capture_output=True)
        col.add("music", sp, "fluidsynth", "generated MIDI rendered by fluidsynth with "
                "FluidR3_GM.sf2 (MIT, Debian fluid-soundfont-gm)", "song%02d" % i,
                windows(sox_load(wav), 10))


# ---- Noise and silence (seeded numpy noise shaped by sox effects) ----

def colored(rng, n, color):
    w = rng.standard_normal(n).astype(np.float64)
    if color == "white":
        x = w
    elif color == "brown":
        x = np.cumsum(w)
        x -= np.convolve(x, np.ones(801) / 801, mode="same")  # keep it from wandering off
    else:  # pink: -3 dB/octave by spectral shaping
        spec = np.fft.rfft(w)
        spec[1:] /= np.sqrt(np.arange(1, len(spec)))
        spec[0] = 0
        x = np.fft.irfft(spec, n)
    return (x / (np.std(x) + 1e-12)).astype(np.float32)


def hum(n, f0, rng):
    t = np.arange(n) / SR
    x = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6))
            for k in range(1, 8))
    return (x / np.std(x)).astype(np.float32)


def clicks(n, rate_hz, rng):
    x = np.zeros(n, np.float32)
    idx = rng.integers(0, n, int(rate_hz * n / SR))
    x[idx] = rng.uniform(-1, 1, len(idx)).astype(np.float32) * 8
    return x


NOISE_RECIPES = ("white", "pink", "brown", "white-lowpass", "pink-highpass", "white-bandpass",
                 "brown-tremolo", "hum", "hum-noise", "clicks", "crackle", "fan", "wind",
                 "pink-bandreject", "rain", "white-sweep")


def noise_recording(recipe, rng, n):
    f = lambda lo, hi: "%d" % int(rng.uniform(lo, hi))
    if recipe in ("white", "pink", "brown"):
        return colored(rng, n, recipe)
    if recipe == "white-lowpass":
        return sox_process(colored(rng, n, "white"), ["lowpass", f(300, 3000)])
    if recipe == "pink-highpass":
        return sox_process(colored(rng, n, "pink"), ["highpass", f(500, 4000)])
    if recipe == "white-bandpass":
        return sox_process(colored(rng, n, "white"), ["bandpass", f(200, 5000), "0.5q"])
    if recipe == "brown-tremolo":
        return sox_process(colored(rng, n, "brown"), ["tremolo", "%.2f" % rng.uniform(0.2, 4),
                                                       "60"])
    if recipe == "hum":
        return hum(n, rng.choice([50.0, 60.0]), rng)
    if recipe == "hum-noise":
        return hum(n, rng.choice([50.0, 60.0]), rng) + 0.3 * colored(rng, n, "white")
    if recipe == "clicks":
        return clicks(n, rng.uniform(2, 20), rng) + 0.05 * colored(rng, n, "white")
    if recipe == "crackle":
        return sox_process(clicks(n, rng.uniform(200, 2000), rng), ["highpass", "1000"])
    if recipe == "fan":
        base = sox_process(colored(rng, n, "pink"), ["lowpass", f(800, 2500)])
        return base + 0.2 * hum(n, rng.uniform(90, 200), rng)
    if recipe == "wind":
        return sox_process(colored(rng, n, "brown"), ["lowpass", f(300, 900), "tremolo",
                                                      "%.2f" % rng.uniform(0.1, 0.5), "80"])
    if recipe == "pink-bandreject":
        return sox_process(colored(rng, n, "pink"), ["bandreject", f(500, 3000), "1q"])
    if recipe == "rain":
        return sox_process(clicks(n, rng.uniform(3000, 8000), rng) +
                           0.3 * colored(rng, n, "pink"), ["lowpass", f(3000, 7000)])
    # white-sweep: noise through a slowly moving band, like a passing vehicle
    return sox_process(colored(rng, n, "white"), ["bandpass", f(300, 1500), "2q",
                                                  "phaser", "0.8", "0.74", "3", "0.4", "0.5",
                                                  "-t"])


def noise(col, data, rng):
    n = 10 * CLIP
    # Four recordings of every recipe, each with its own seed and settings: two for train,
    # one for val, one for test.
    for i in range(4 * len(NOISE_RECIPES)):
        recipe = NOISE_RECIPES[i % len(NOISE_RECIPES)]
        sp = ("train", "train", "val", "test")[i // len(NOISE_RECIPES)]
        x = noise_recording(recipe, np.random.default_rng(SEED + 1000 + i), n)
        col.add("noise", sp, "synthetic-noise", "generated here (numpy + sox effects)",
                "noise%02d-%s" % (i, recipe), windows(x, 10, None))
    root = os.path.join(data, "speechbrain", "noise")
    for name, sp in (("noise1", "train"), ("noise3", "train"), ("noise4", "train"),
                     ("noise5", "val"), ("noise2", "test")):
        x = sox_load(os.path.join(root, name + ".wav"))
        col.add("noise", sp, "speechbrain-noise", "Apache-2.0 (SpeechBrain samples)",
                "speechbrain-" + name, windows(x, 20, -70.0))


def silence_recording(kind, rng, n):
    """Returns samples at their final level (silence is defined by its level)."""
    if kind == "zero":
        return np.zeros(n, np.float32)
    if kind == "floor":  # a quiet converter: white noise at -90..-70 dBFS
        return colored(rng, n, "white") * 10 ** (rng.uniform(-90, -70) / 20)
    if kind == "hum":  # a faint mains hum over the floor
        x = hum(n, rng.choice([50.0, 60.0]), rng) * 10 ** (rng.uniform(-75, -60) / 20)
        return x + colored(rng, n, "white") * 10 ** (-85 / 20)
    color = "brown" if kind == "room-brown" else "pink"  # room tone
    x = sox_process(colored(rng, n, color), ["lowpass", str(int(rng.uniform(200, 2000)))])
    return x / (np.std(x) + 1e-12) * 10 ** (rng.uniform(-70, -50) / 20)


def silence(col, rng):
    kinds = ("zero", "floor", "hum", "room-brown", "room-pink", "room-pink")
    n = 10 * CLIP
    for i in range(48):
        kind = kinds[i % len(kinds)]
        sp = "train" if i < 32 else "val" if i < 40 else "test"
        x = silence_recording(kind, np.random.default_rng(SEED + 2000 + i), n)
        col.add("silence", sp, "synthetic-silence", "generated here (numpy + sox effects)",
                "silence%02d-%s" % (i, kind), windows(x, 10, None))


# ---- Balance, levels and output ----

# Clips a source contributes per round of picking: the many-speaker corpus and the many
# songs weigh more, but every source is heard.
WEIGHT = {"librispeech": 4, "fluidsynth": 2, "synthetic-noise": 4}


def pick(cands, cap, rng):
    """Round-robin over sources (weighted) and, within a source, over its groups (shuffled),
    so every speaker or song contributes before any contributes twice."""
    queues = {}
    for source in sorted({c[0] for c in cands}):
        by_group = {}
        for c in cands:
            if c[0] == source:
                by_group.setdefault(c[1], []).append(c)
        groups = sorted(by_group)
        rng.shuffle(groups)
        depth = max(len(v) for v in by_group.values())
        queues[source] = [by_group[g][d] for d in range(depth) for g in groups
                          if d < len(by_group[g])]
    out = []
    while len(out) < cap and any(queues.values()):
        for source, q in queues.items():
            take = min(WEIGHT.get(source, 1), len(q))
            out += q[:take]
            del q[:take]
    return out[:cap]


def set_level(w, cls, rng):
    if cls == "silence":
        return w
    lo, hi = (-45.0, -12.0) if cls == "noise" else (-35.0, -12.0)
    target = rng.uniform(lo, hi)
    g = 10 ** ((target - rms_db(w)) / 20)
    peak = np.max(np.abs(w)) * g
    return w * (g if peak < 0.99 else 0.99 / np.max(np.abs(w)))


def write_wav(path, x):
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SR)
        f.writeframes(pcm.tobytes())


def write_set(col, out):
    rng = random.Random(SEED)
    lines = ["Audio-type data set made by tools/make_audio_type_data.sh (16 kHz mono, 2 s clips).",
             "Splits are by group (speaker, song or synthetic recording): no group is in two "
             "splits.", "", "Sources and licences:"]
    for source, groups in sorted(col.sources.items()):
        licences = sorted(set(groups.values()))
        if len(licences) == 1:
            lines.append("  %-28s %s" % (source, licences[0]))
        else:
            lines += ["  %-28s %s: %s" % (source, g, lic) for g, lic in sorted(groups.items())]
    for sp in SPLITS:
        for cls in CLASSES:
            chosen = pick(col.clips[(sp, cls)], CAP[sp], rng)
            d = os.path.join(out, sp, cls)
            os.makedirs(d)
            per_source = {}
            for source, group, i, w in chosen:
                name = "%s_%s_%02d.wav" % (source, group.replace("/", "_"), i)
                write_wav(os.path.join(d, name), set_level(w, cls, rng))
                per_source.setdefault(source, set()).add(group)
                per_source[source + "#"] = per_source.get(source + "#", 0) + 1
            lines.append("")
            lines.append("%s/%s: %d clips" % (sp, cls, len(chosen)))
            for source in sorted(k for k in per_source if not k.endswith("#")):
                groups = sorted(per_source[source])
                lines.append("  %s: %d clips from %d groups: %s" % (
                    source, per_source[source + "#"], len(groups), " ".join(groups)))
    with open(os.path.join(out, "SOURCES.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make_audio_type_data.py OUT_DIR [SHARED_DATA_DIR]")
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    data = sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, "..", "..", "shared",
                                                                "data")
    if os.path.exists(out) and os.listdir(out):
        sys.exit("%s: exists and is not empty" % out)
    sys.path.insert(0, here)
    col = Collector()
    tmp = tempfile.mkdtemp(prefix="audio-type-")
    try:
        steps = (("LibriSpeech", lambda r: librispeech(col, data, r)),
                 ("LJ Speech", lambda r: ljspeech(col, data, r)),
                 ("FSDD", lambda r: fsdd(col, data, r)),
                 ("SpeechBrain speech", lambda r: speechbrain_asr(col, data, r)),
                 ("Asterisk prompts", lambda r: asterisk_prompts(col, r)),
                 ("espeak-ng", lambda r: espeak(col, data, r, tmp)),
                 ("librosa music", lambda r: librosa_music(col, data, r)),
                 ("Asterisk hold music", lambda r: moh(col, r)),
                 ("fluidsynth songs", lambda r: fluid_music(col, r, tmp)),
                 ("noise", lambda r: noise(col, data, r)),
                 ("silence", lambda r: silence(col, r)))
        for k, (name, step) in enumerate(steps):
            print("%-20s ..." % name, flush=True)
            step(random.Random(SEED + k))
        os.makedirs(out, exist_ok=True)
        write_set(col, out)
    finally:
        shutil.rmtree(tmp)
    for sp in SPLITS:
        print(sp, " ".join("%s=%d" % (c, len(os.listdir(os.path.join(out, sp, c))))
                           for c in CLASSES))


if __name__ == "__main__":
    main()
