#!/usr/bin/python3
"""torchaudio peer of `auris features --type logmel` for bench/features/run.sh.

Loads IN, computes MelSpectrogram + AmplitudeToDB on one thread, writes a (frames, n_mels)
float32 .npy like auris does, and prints one line of timings (seconds):
    load=... compute=... save=... total=... cpu=... frames=...
(wall-clock seconds, and the CPU seconds of the whole timed region).
Interpreter start-up and `import torch` are outside the timed region.
"""
import argparse
import time

import numpy as np
import torch
import torchaudio


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--n-fft", type=int, default=1024)
    ap.add_argument("--hop", type=int, default=256)
    ap.add_argument("--n-mels", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)

    c0 = time.process_time()
    t0 = time.perf_counter()
    wav, sr = torchaudio.load(args.input)
    wav = wav.mean(dim=0)
    t1 = time.perf_counter()
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=args.n_fft,
                                               hop_length=args.hop, n_mels=args.n_mels)
    to_db = torchaudio.transforms.AmplitudeToDB("power")
    with torch.inference_mode():
        logmel = to_db(mel(wav))
    t2 = time.perf_counter()
    np.save(args.output, np.ascontiguousarray(logmel.T.numpy(), dtype=np.float32))
    t3 = time.perf_counter()
    c3 = time.process_time()
    print("load=%.4f compute=%.4f save=%.4f total=%.4f cpu=%.4f frames=%d"
          % (t1 - t0, t2 - t1, t3 - t2, t3 - t0, c3 - c0, logmel.shape[-1]))


if __name__ == "__main__":
    main()
