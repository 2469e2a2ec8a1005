#!/usr/bin/python3
"""PyTorch side of the nn benchmark: builds the same network from the cfg, writes its
random weights plus an input batch and PyTorch's eval output to a safetensors file for
bench_nn, and times inference and one SGD training step the same way (median of ITERS).

    bench_torch.py NET.cfg OUT.safetensors BATCH ITERS THREADS"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
import nn_torch_cfg as tc  # noqa: E402


def median_ms(fn, iters):
    fn()
    ts = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e3


def main():
    cfg, out, batch, iters, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = tc.build(open(cfg).read())
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith('running_var'):
                t.uniform_(0.5, 2.0)
            elif name.endswith('running_mean'):
                t.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.randn((batch,) + model.input_shape)
    with torch.no_grad():
        y = model(x)
    tensors = {k: v for k, v in model.state_dict().items()}
    tensors['x'] = x
    tensors['y'] = y
    tc.save_safetensors(out, tensors)
    with torch.no_grad():
        infer = median_ms(lambda: model(x), iters)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    labels = torch.arange(batch) % y.shape[1]

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x).flatten(1), labels)
        loss.backward()
        opt.step()
    train = median_ms(step, iters)
    print('infer_ms %.3f train_ms %.3f' % (infer, train))


if __name__ == '__main__':
    main()
