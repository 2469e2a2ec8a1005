#!/usr/bin/python3
"""PyTorch side of the training-throughput benchmark: the same network (auris's cnn preset
cfg, built by tools/nn_torch_cfg.py), the same optimiser settings as `auris train` (AdamW,
lr 3e-3, weight decay 1e-3 on weights only, label smoothing 0.05) and the same log-mel front
end (16 kHz, 64 mel, 25 ms window in a 512-point FFT, 10 ms hop, 80 dB floor, per-clip
standardisation).

    torch_train.py --data DIR --cfg NET.cfg --dump PREFIX
        decodes DIR/<class>/*.wav (cut or padded to 1 s), writes PREFIX_x.npy (clips x
        mels*frames log-mel images) and PREFIX_y.npy (labels), for train_step.
    torch_train.py --data DIR --cfg NET.cfg --mode {precomputed,per-epoch} --threads T
                   --epochs N --batch B --repeats R
        times training. precomputed: images made once before timing (as train_step does);
        per-epoch: each batch's log-mel is computed inside the timed loop from the decoded
        audio, and with --val-split F the last F of each class is held out and evaluated
        after every epoch (as auris train does). Decoding, model creation and one warm-up
        step are not timed. clips/s counts training clips only. Prints each repeat and the
        best clips/s."""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
import nn_torch_cfg as tc  # noqa: E402

SR = 16000
N_MELS = 64
TOP_DB = 80.0


def load_folder(root, seconds=1.0):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    n = int(seconds * SR)
    waves, labels = [], []
    for ci, c in enumerate(classes):
        for f in sorted(os.listdir(os.path.join(root, c))):
            w, sr = torchaudio.load(os.path.join(root, c, f))
            if sr != SR:
                w = torchaudio.functional.resample(w, sr, SR)
            w = w.mean(0)[:n]
            waves.append(F.pad(w, (0, n - w.numel())))
            labels.append(ci)
    return torch.stack(waves), torch.tensor(labels), len(classes)


class LogMel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=SR, n_fft=512, win_length=400, hop_length=160, n_mels=N_MELS,
            power=2.0, norm='slaney', mel_scale='slaney')

    def forward(self, w):
        x = 10.0 * torch.log10(self.mel(w).clamp_min(1e-10))
        peak = x.amax(dim=(1, 2), keepdim=True)
        x = torch.maximum(x, peak - TOP_DB)
        x = (x - x.mean(dim=(1, 2), keepdim=True)) / (x.std(dim=(1, 2), keepdim=True) + 1e-5)
        return x.unsqueeze(1)  # N x 1 x mels x frames


def make_optimizer(model):
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    return torch.optim.AdamW([{'params': decay, 'weight_decay': 1e-3},
                              {'params': rest, 'weight_decay': 0.0}], lr=3e-3)


def split(labels, frac):
    """Stratified hold-out: the last round(frac * n) clips of each class."""
    val = torch.zeros(labels.numel(), dtype=torch.bool)
    for c in labels.unique():
        idx = (labels == c).nonzero().flatten()
        k = int(frac * idx.numel() + 0.5)
        if k:
            val[idx[-k:]] = True
    return (~val).nonzero().flatten(), val.nonzero().flatten()


def validate(model, inputs, labels, featurize, val_idx, batch):
    model.eval()
    with torch.no_grad():
        for at in range(0, val_idx.numel(), batch):
            idx = val_idx[at:at + batch]
            x = inputs[idx] if featurize is None else featurize(inputs[idx])
            F.cross_entropy(model(x).flatten(1), labels[idx])
    model.train()


def run_once(cfg_text, inputs, labels, featurize, epochs, batch, seed, val_split):
    torch.manual_seed(seed)
    model = tc.build(cfg_text)
    model.train()
    opt = make_optimizer(model)

    def step(idx):
        x = inputs[idx]
        if featurize is not None:
            with torch.no_grad():
                x = featurize(x)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).flatten(1), labels[idx], label_smoothing=0.05)
        loss.backward()
        opt.step()

    train_idx, val_idx = split(labels, val_split)
    n = train_idx.numel()
    step(train_idx[:batch])  # warm-up, untimed
    g = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = train_idx[torch.randperm(n, generator=g)]
        for at in range(0, n, batch):
            step(order[at:at + batch])
        if val_idx.numel():
            validate(model, inputs, labels, featurize, val_idx, batch)
    return n * epochs / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', required=True)
    ap.add_argument('--cfg', required=True)
    ap.add_argument('--dump')
    ap.add_argument('--mode', choices=('precomputed', 'per-epoch'), default='precomputed')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--val-split', type=float, default=0.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    cfg_text = open(a.cfg).read()
    waves, labels, _ = load_folder(a.data)
    logmel = LogMel()
    if a.dump:
        with torch.no_grad():
            x = logmel(waves)
        np.save(a.dump + '_x.npy', x.flatten(1).numpy().astype(np.float32))
        np.save(a.dump + '_y.npy', labels.numpy().astype(np.float32))
        print('frames', x.shape[-1])
        return
    if a.mode == 'precomputed':
        with torch.no_grad():
            inputs, featurize = logmel(waves), None
    else:
        inputs, featurize = waves, logmel
    best = 0.0
    for r in range(a.repeats):
        rate = run_once(cfg_text, inputs, labels, featurize, a.epochs, a.batch, 1234 + r,
                        a.val_split)
        print('repeat %d: %.1f clips/s' % (r + 1, rate))
        best = max(best, rate)
    print('clips_per_s %.2f (best of %d; %d clips, val split %g, %d epochs, batch %d, %s, '
          '%d threads)' % (best, a.repeats, labels.numel(), a.val_split, a.epochs, a.batch,
                           a.mode, a.threads))


if __name__ == '__main__':
    main()
