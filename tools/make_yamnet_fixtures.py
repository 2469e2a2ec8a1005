#!/usr/bin/python3
"""Writes tests/fixtures/yamnet/: for four real 16 kHz clips of ../shared, where a 2.0 s
excerpt starts (clips.txt) and the YAMNet scores, embeddings and log-mel patches of that
excerpt computed by tools/yamnet_ref.py (an independent numpy interpreter of
yamnet.tflite). The audio itself is not copied: the C test decodes the same samples from
../shared (16 kHz sources, so no resampler stands between the two).

    /usr/bin/python3 tools/make_yamnet_fixtures.py [SHARED_DIR]

SHARED_DIR defaults to ../shared beside the repository. Prints the top-5 classes per clip
and fails unless each clip's expected class comes out on top.
"""
import os
import sys

import numpy as np
import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yamnet_ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATE = 16000
EXCERPT = 2 * RATE

# name -> (path under SHARED_DIR, the class that must come out on top)
CLIPS = {
    "speech": ("data/speechbrain/ASR/spk1_snt1.wav", "Speech"),
    "typing": ("data/envsound/typing/typing01.flac", None),
    "chainsaw": ("data/envsound/chainsaw/chainsaw01.flac", "Chainsaw"),
    "bicyclebell": ("data/envsound/bicyclebell/bikeBell03.flac", "Bicycle bell"),
}


def load_16k_mono(path):
    wave, sr = torchaudio.load(path)
    wave = wave.to(torch.float64).mean(dim=0)
    if sr != RATE:
        raise SystemExit("%s: %d Hz; the fixtures need 16 kHz sources" % (path, sr))
    return wave.numpy()


def loudest_excerpt(wave):
    """The 2.0 s window (on a 0.1 s grid) with the most energy: real content, not silence."""
    if wave.size <= EXCERPT:
        return 0
    step = RATE // 10
    energy = np.cumsum(np.concatenate([[0.0], wave ** 2]))
    starts = np.arange(0, wave.size - EXCERPT + 1, step)
    best = starts[np.argmax(energy[starts + EXCERPT] - energy[starts])]
    return int(best)


def main(argv):
    shared = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(ROOT), "shared")
    model_dir = os.path.join(shared, "models/yamnet")
    model = yamnet_ref.TFLiteModel(os.path.join(model_dir, "yamnet.tflite"))
    names = yamnet_ref.read_class_names(os.path.join(model_dir, "yamnet_class_map.csv"))
    out_dir = os.path.join(ROOT, "tests/fixtures/yamnet")
    os.makedirs(out_dir, exist_ok=True)
    ok = True
    listing = []
    for name, (rel, expect) in CLIPS.items():
        full = load_16k_mono(os.path.join(shared, rel))
        start = loudest_excerpt(full)
        wave = full[start:start + EXCERPT].astype(np.float32)
        listing.append("%s %s %d %d\n" % (name, rel, start, wave.size))
        scores, emb, logmel = yamnet_clip_f32(model, wave)
        np.save(os.path.join(out_dir, name + "_scores.npy"), scores)
        np.save(os.path.join(out_dir, name + "_embedding.npy"), emb)
        np.save(os.path.join(out_dir, name + "_logmel.npy"), logmel.reshape(logmel.shape[0], -1))
        mean = scores.mean(axis=0)
        top = np.argsort(-mean)[:5]
        print("%s (%s, %d patches): %s" % (name, rel, scores.shape[0],
              ", ".join("%s %.3f" % (names[i], mean[i]) for i in top)))
        if expect and names[top[0]] != expect:
            print("  expected top class %s" % expect)
            ok = False
    with open(os.path.join(out_dir, "clips.txt"), "w") as f:
        f.write("# name  source-under-shared  start-sample  samples (16 kHz mono)\n")
        f.writelines(listing)
    return 0 if ok else 1


def yamnet_clip_f32(model, wave):
    return tuple(a.astype(np.float32) for a in yamnet_ref.yamnet_clip(model, wave))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
