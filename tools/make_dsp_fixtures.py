#!/usr/bin/python3
"""Reference fixtures for the dsp parity tests (tests/dsp/test_dsp_parity.c).

Run once with Debian's python3-torch / python3-torchaudio:
    /usr/bin/python3 tools/make_dsp_fixtures.py [--shared ../shared]

Everything is computed in float64 (torch.set_default_dtype(torch.float64), so windows,
filterbanks and DCT matrices are float64 too) from the very float32 samples auris sees, and
stored as float32 .npy (rounding adds < 1e-7 relative error, far below the 1e-4 tolerance).

librosa is not installed; its definitions are matched through torchaudio's options that
reproduce them: mel_scale="slaney" with norm="slaney" is librosa.filters.mel's default bank,
AmplitudeToDB / amplitude_to_DB with ref and top_db is librosa.power_to_db, and the lifter is
librosa.feature.mfcc's formula written out in numpy below.

Output in tests/fixtures/dsp/:
  - synthetic input signals (float32 .npy): committed, the test feeds them to auris;
  - for real clips from ../shared only the expected outputs: the test decodes the audio
    itself with auris_audio_load and skips when ../shared is absent (this script decodes
    them with libsndfile too, see load_real);
  - cases.txt: one case per line, key=value tokens naming the signal, the parameters and
    the expected output file.
"""
import argparse
import ctypes
import ctypes.util
import math
import os

import numpy as np
import torch
import torchaudio
import torchaudio.functional as F

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "dsp")


def save(name, arr):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(arr, dtype=np.float32))


# ---- signals ----

def synth_signal():
    """Sine + linear chirp + noise, 0.5 s at 16 kHz, fixed seed."""
    sr, n = 16000, 8000
    rng = np.random.default_rng(1234)
    t = np.arange(n) / sr
    sine = 0.4 * np.sin(2 * np.pi * 440.0 * t)
    f0, f1 = 100.0, 6000.0
    chirp = 0.3 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * t[-1])))
    noise = 0.05 * rng.standard_normal(n)
    return (sine + chirp + noise).astype(np.float32)


def impulse_signal():
    """An impulse every 100 samples over a faint noise bed, 0.5 s at 16 kHz."""
    rng = np.random.default_rng(99)
    x = 1e-3 * rng.standard_normal(8000)
    x[::100] += 0.9
    return x.astype(np.float32)


def short_signal():
    """150 samples: shorter than n_fft 400's reflect padding (200)."""
    rng = np.random.default_rng(7)
    return (0.5 * rng.standard_normal(150)).astype(np.float32)


class _SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def load_real(shared, rel, take):
    """Decodes with libsndfile's sf_readf_float through ctypes, the decoder auris uses:
    torchaudio's sox_io backend rounds Vorbis to 16 bits, which would make the reference
    differ from auris by the decoder rather than by the DSP."""
    sf = ctypes.CDLL(ctypes.util.find_library("sndfile"))
    sf.sf_open.restype = ctypes.c_void_p
    sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_SfInfo)]
    sf.sf_readf_float.restype = ctypes.c_int64
    sf.sf_readf_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    sf.sf_close.argtypes = [ctypes.c_void_p]
    info = _SfInfo()
    handle = sf.sf_open(os.path.join(shared, rel).encode(), 0x10, ctypes.byref(info))  # SFM_READ
    if not handle:
        raise OSError("libsndfile cannot open " + rel)
    buf = np.zeros((info.frames, info.channels), dtype=np.float32)
    got = sf.sf_readf_float(handle, buf.ctypes.data, info.frames)
    sf.sf_close(handle)
    x = buf[:got].astype(np.float64).mean(axis=1).astype(np.float32)
    return (x[:take] if take else x), info.samplerate


# ---- references ----

def window_tensor(name, win):
    if name == "hann":
        return torch.hann_window(win)
    if name == "hamming":
        return torch.hamming_window(win)
    if name == "povey":
        return torch.hann_window(win, periodic=False).pow(0.85)
    if name == "rect":
        return torch.ones(win)
    raise ValueError(name)


def spectrogram(x, p):
    # auris falls back to zero padding when a signal is too short to reflect (torch errors).
    pad_mode = p["pad"]
    if p["center"] and pad_mode == "reflect" and len(x) <= p["n_fft"] // 2:
        pad_mode = "constant"
    return F.spectrogram(torch.from_numpy(x.astype(np.float64)), pad=0,
                         window=window_tensor(p["window"], p["win"]), n_fft=p["n_fft"],
                         hop_length=p["hop"], win_length=p["win"], power=p["power"],
                         normalized=False, center=bool(p["center"]), pad_mode=pad_mode,
                         onesided=True)  # (freq, time)


def melbank(p, sr):
    f_max = p["f_max"] if p["f_max"] > 0 else float(sr // 2)
    return F.melscale_fbanks(p["n_fft"] // 2 + 1, p["f_min"], f_max, p["n_mels"], sr,
                             norm=None if p["norm"] == "none" else "slaney",
                             mel_scale=p["scale"])  # (freq, mels)


def to_db(mel, p):
    db = F.amplitude_to_DB(mel, p["mult"], p["amin"], math.log10(max(p["amin"], p["ref"])),
                           None)
    if p["top_db"] > 0:
        db = torch.maximum(db, db.max() - p["top_db"])
    return db


def lifter_vector(n_mfcc, lifter):
    # librosa.feature.mfcc: M *= 1 + (lifter / 2) * sin(pi * arange(1, 1 + n_mfcc) / lifter)
    return 1.0 + (lifter / 2.0) * np.sin(np.pi * np.arange(1, 1 + n_mfcc) / lifter)


def compute(x, sr, p):
    """Returns the (frames, dim) reference for one case."""
    spec = spectrogram(x, p)
    if p["type"] == "stft":
        return spec.T.numpy()
    mel = torch.matmul(spec.T, melbank(p, sr)).T  # (mels, time)
    if p["type"] == "mel":
        return mel.T.numpy()
    if p["type"] == "logmel":
        return to_db(mel, p).T.numpy()
    logmel = torch.log(mel + 1e-6) if p["log_mels"] else to_db(mel, p)
    mfcc = torch.matmul(logmel.T, F.create_dct(p["n_mfcc"], p["n_mels"], "ortho")).numpy()
    if p["lifter"] > 0:
        mfcc = mfcc * lifter_vector(p["n_mfcc"], p["lifter"])[None, :]
    return mfcc


def check_against_transforms(x, sr):
    """The hand-built chain above must equal torchaudio's own transforms."""
    w = torch.from_numpy(x.astype(np.float64))
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr)(w).T.numpy()
    mine = compute(x, sr, dict(DEFAULTS, type="mel"))
    assert np.allclose(mel, mine, rtol=1e-12, atol=1e-12 * np.abs(mel).max())
    mfcc = torchaudio.transforms.MFCC(sample_rate=sr)(w).T.numpy()
    mine = compute(x, sr, dict(DEFAULTS, type="mfcc", top_db=80.0))
    assert np.allclose(mfcc, mine, rtol=1e-10, atol=1e-9)
    logmel = torchaudio.transforms.AmplitudeToDB("power", top_db=80.0)(
        torchaudio.transforms.MelSpectrogram(sample_rate=sr)(w)).T.numpy()
    mine = compute(x, sr, dict(DEFAULTS, type="logmel", top_db=80.0))
    assert np.allclose(logmel, mine, rtol=1e-10, atol=1e-9)


# torchaudio MelSpectrogram / MFCC defaults (hop = win_length // 2).
DEFAULTS = dict(type="mel", n_fft=400, hop=200, win=400, window="hann", center=1, pad="reflect",
                power=2.0, n_mels=128, f_min=0.0, f_max=0.0, scale="htk", norm="none",
                mult=10.0, amin=1e-10, ref=1.0, top_db=0.0, n_mfcc=40, lifter=0.0, log_mels=0)

SYNTH = {"synth_16k.npy": (synth_signal, 16000), "impulses_16k.npy": (impulse_signal, 16000),
         "short_16k.npy": (short_signal, 16000)}

LJ = ("data/ljspeech/wavs/LJ001-0001.wav", 33075)            # first 1.5 s, 22.05 kHz PCM16
FSDD = ("data/fsdd/recordings/0_george_0.wav", 0)             # whole clip, 8 kHz
SPEECH_OGG = ("data/librosa/198-209-0000.hq.ogg", 32000)      # first 2 s, 16 kHz Vorbis
MUSIC_OGG = ("data/librosa/147793__setuniman__sweet-waltz-0i-22mi.hq.ogg", 66150)  # 1.5 s, 44.1 kHz stereo

CASES = [
    # STFT: windows, n_fft/hop/win_length, padding, centring, power.
    ("stft_hann_reflect", "synth_16k.npy", dict(type="stft", n_fft=256, hop=160, win=256)),
    ("stft_hamming_const_mag", "synth_16k.npy",
     dict(type="stft", n_fft=400, hop=100, win=300, window="hamming", pad="constant", power=1.0)),
    ("stft_povey_nocenter_odd", "impulses_16k.npy",
     dict(type="stft", n_fft=255, hop=64, win=200, window="povey", center=0, power=1.0)),
    ("stft_rect_short", "short_16k.npy", dict(type="stft", n_fft=64, hop=16, win=64,
                                              window="rect")),
    ("stft_short_fallback", "short_16k.npy", dict(type="stft", n_fft=400, hop=100, win=400)),
    # Mel power: torchaudio defaults, slaney scale + norm (librosa.filters.mel), f_min/f_max.
    ("mel_default", "synth_16k.npy", dict(type="mel")),
    ("mel_slaney", "synth_16k.npy",
     dict(type="mel", n_fft=512, hop=160, win=400, n_mels=40, f_min=50.0, f_max=7000.0,
          scale="slaney", norm="slaney")),
    ("mel_slaney_scale_nonorm", "impulses_16k.npy",
     dict(type="mel", n_fft=512, hop=256, win=512, n_mels=64, scale="slaney",
          window="hamming")),
    # dB: power and magnitude, amin, ref, top_db.
    ("logmel_power", "impulses_16k.npy", dict(type="logmel", n_mels=64)),
    ("logmel_magnitude_ref_topdb", "synth_16k.npy",
     dict(type="logmel", power=1.0, mult=20.0, amin=1e-5, ref=0.5, top_db=60.0, n_mels=80,
          n_fft=512, hop=128, win=512)),
    # MFCC: torchaudio defaults (top_db 80), log_mels, liftering.
    ("mfcc_default", "synth_16k.npy", dict(type="mfcc", top_db=80.0)),
    ("mfcc_log_mels", "synth_16k.npy",
     dict(type="mfcc", log_mels=1, n_mfcc=13, n_mels=40, n_fft=512, hop=160, win=400,
          scale="slaney", norm="slaney")),
    ("mfcc_lifter", "impulses_16k.npy",
     dict(type="mfcc", n_mfcc=20, n_mels=40, lifter=22.0, top_db=80.0)),
    # Real clips (decoded by the test from ../shared).
    ("lj_logmel", LJ, dict(type="logmel", n_fft=1024, hop=256, win=1024, n_mels=128,
                           top_db=80.0)),
    ("lj_mfcc_slaney", LJ, dict(type="mfcc", n_fft=1024, hop=256, win=1024, n_mels=80,
                                n_mfcc=20, scale="slaney", norm="slaney", top_db=80.0)),
    ("fsdd_mel", FSDD, dict(type="mel", n_fft=256, hop=80, win=200, n_mels=40, f_min=20.0,
                            f_max=3800.0, window="hamming")),
    ("fsdd_stft_mag", FSDD, dict(type="stft", n_fft=128, hop=64, win=128, power=1.0,
                                 pad="constant")),
    ("speech_ogg_logmel", SPEECH_OGG, dict(type="logmel", n_mels=64, top_db=80.0)),
    ("music_ogg_logmel_slaney", MUSIC_OGG,
     dict(type="logmel", n_fft=2048, hop=512, win=2048, n_mels=128, scale="slaney",
          norm="slaney", top_db=80.0)),
]

# Deltas of a stored reference: (output name, input fixture, win_length).
DELTAS = [("delta_mfcc_default_w5", "mfcc_default", 5),
          ("delta_mfcc_lifter_w9", "mfcc_lifter", 9)]

KEYS = ["type", "n_fft", "hop", "win", "window", "center", "pad", "power", "n_mels", "f_min",
        "f_max", "scale", "norm", "mult", "amin", "ref", "top_db", "n_mfcc", "lifter",
        "log_mels"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    signals = {}
    for name, (make, sr) in SYNTH.items():
        x = make()
        save(name, x)
        signals[name] = (x, sr)
    check_against_transforms(*signals["synth_16k.npy"])

    lines = ["# Generated by tools/make_dsp_fixtures.py: one parity case per line."]
    results = {}
    for name, source, params in CASES:
        p = dict(DEFAULTS, **params)
        if isinstance(source, tuple):
            rel, take = source
            x, sr = load_real(args.shared, rel, take)
            sig = "audio:%s take=%d" % (rel, take)
        else:
            x, sr = signals[source]
            sig = "npy:%s take=0" % source
        ref = compute(x, sr, p)
        results[name] = ref
        save(name + ".npy", ref)
        kv = " ".join("%s=%s" % (k, p[k]) for k in KEYS)
        lines.append("case=%s signal=%s sr=%d %s expect=%s.npy" % (name, sig, sr, kv, name))
        print("%-28s %5d samples -> %s" % (name, len(x), ref.shape))
    for name, src, win in DELTAS:
        ref = F.compute_deltas(torch.from_numpy(results[src].T.copy()), win_length=win).T
        save(name + ".npy", ref.numpy())
        lines.append("case=%s type=delta input=%s.npy delta_win=%d expect=%s.npy" %
                     (name, src, win, name))
    fb = melbank(dict(DEFAULTS, n_fft=512, n_mels=40, f_min=50.0, f_max=7000.0,
                      scale="slaney", norm="slaney"), 16000).T.numpy()
    save("melbank_slaney_16k_512_40.npy", fb)
    lines.append("case=melbank_slaney type=melbank sr=16000 n_fft=512 n_mels=40 f_min=50.0 "
                 "f_max=7000.0 scale=slaney norm=slaney expect=melbank_slaney_16k_512_40.npy")
    wins = np.stack([window_tensor(w, 400).numpy() for w in ["hann", "hamming", "povey", "rect"]])
    save("windows_400.npy", wins)
    lines.append("case=windows type=windows win=400 expect=windows_400.npy")
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
