#!/usr/bin/python3
"""Makes the PyTorch parity fixtures of tests/nn: for each case one safetensors file with the
model (its cfg in __metadata__ "auris.cfg", weights by auris's names), an input x, the output
y, an upstream gradient dy, the input gradient dx and every parameter gradient
("grad.<name>"). Also optimizer fixtures: weights after a few torch training steps.

    /usr/bin/python3 tools/make_nn_fixtures.py tests/fixtures/nn
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nn_torch_cfg as tc  # noqa: E402

NET = "[net]\nchannels=3\nheight=9\nwidth=8\n"

CASES = {
    'conv': NET + "[conv2d]\nfilters=4\nsize=3\n",
    'conv_stride_pad': NET + "[conv2d]\nfilters=5\nsize=3\nstride=2\npad=1\n",
    'conv_dilated_same': NET + "[conv2d]\nfilters=4\nsize=3\npad=same\ndilation=2\nbias=0\n",
    'conv_rect_same': NET + "[conv2d]\nfilters=2\nsize=2,4\npad=same\n",
    'conv_groups': "[net]\nchannels=4\nheight=8\nwidth=8\n[conv2d]\nfilters=6\nsize=3\ngroups=2\npad=1\n",
    'conv_depthwise': "[net]\nchannels=4\nheight=8\nwidth=8\n[conv2d]\nfilters=4\nsize=3\ngroups=4\npad=1\nstride=2\n",
    'dense': NET + "[dense]\noutputs=7\n",
    'batchnorm_train': NET + "[batchnorm]\n",
    'batchnorm_eval': NET + "[batchnorm]\n",
    'relu': NET + "[relu]\n",
    'relu6': NET + "[relu6]\n",
    'sigmoid': NET + "[sigmoid]\n",
    'tanh': NET + "[tanh]\n",
    'gelu': NET + "[gelu]\n",
    'silu': NET + "[silu]\n",
    'softmax': NET + "[softmax]\n",
    'logsoftmax': NET + "[flatten]\n[logsoftmax]\n",
    'maxpool': NET + "[maxpool]\nsize=3\nstride=2\npad=1\n",
    'avgpool': NET + "[avgpool]\nsize=3\nstride=2\npad=1\n",
    'globalavgpool': NET + "[globalavgpool]\n",
    'globalmaxpool': NET + "[globalmaxpool]\n",
    'concat_add': NET + "[conv2d]\nname=a\nfilters=3\nsize=3\npad=same\n[add]\nfrom=-1,-2\n"
                        "[concat]\nfrom=-1,-2\n[reshape]\nshape=2,27,8\n",
    'small_cnn_train': "[net]\nchannels=1\nheight=16\nwidth=12\n"
        "[conv2d]\nname=conv1\nfilters=8\nsize=3\npad=same\nbias=0\n[batchnorm]\nname=bn1\n[relu]\n[maxpool]\n"
        "[conv2d]\nname=dw\nfilters=8\nsize=3\npad=1\ngroups=8\nbias=0\n[batchnorm]\nname=bn2\n[relu6]\n"
        "[conv2d]\nname=pw\nfilters=12\nsize=1\n[relu]\n[add]\nfrom=-1,-1\n[maxpool]\n"
        "[globalavgpool]\n[dropout]\np=0.3\n[dense]\nname=fc\noutputs=5\n",
}
SEQ = "[net]\nchannels=6\nheight=1\nwidth=10\n"
CASES['conv1d'] = SEQ + "[conv1d]\nfilters=4\nsize=3\npad=same\ndilation=2\n"
CASES['conv1d_stride_groups'] = SEQ + "[conv1d]\nfilters=4\nsize=4\nstride=2\npad=1\ngroups=2\n"
CASES['layernorm_seq'] = SEQ + "[layernorm]\n"
CASES['layernorm_vec'] = NET + "[flatten]\n[layernorm]\neps=1e-3\n"
CASES['seq_model'] = SEQ + ("[conv1d]\nfilters=8\nsize=3\npad=same\n[layernorm]\n[gelu]\n"
                            "[conv1d]\nfilters=8\nsize=3\npad=same\ngroups=8\n[silu]\n[add]\nfrom=-1,-4\n"
                            "[globalavgpool]\n[dense]\noutputs=3\n[logsoftmax]\n")
CASES['lstm'] = SEQ + "[lstm]\noutputs=5\n"
CASES['gru'] = SEQ + "[gru]\noutputs=5\n"
CASES['rnn_model'] = SEQ + "[conv1d]\nfilters=8\nsize=3\npad=same\n[gru]\noutputs=6\n[lstm]\noutputs=4\n[globalavgpool]\n[dense]\noutputs=3\n"
CASES['attention'] = "[net]\nchannels=8\nheight=1\nwidth=7\n[posenc]\n[attention]\nheads=2\n"
CASES['transformer_block'] = ("[net]\nchannels=8\nheight=1\nwidth=7\n[conv1d]\nfilters=8\nsize=1\n[posenc]\n"
                              "[attention]\nheads=4\n[add]\nfrom=-1,-2\n[layernorm]\n[conv1d]\nfilters=16\nsize=1\n"
                              "[gelu]\n[conv1d]\nfilters=8\nsize=1\n[add]\nfrom=-1,-4\n[layernorm]\n"
                              "[globalavgpool]\n[dense]\noutputs=3\n")
CASES['cosine'] = NET + "[globalavgpool]\n[cosine]\noutputs=6\nscale=16\n"
CASES['small_cnn_eval'] = CASES['small_cnn_train']
CASES['small_cnn_train'] = CASES['small_cnn_train'].replace('p=0.3', 'p=0')
BATCH = 4


def randomize(model, gen):
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype != torch.float32:
                continue
            if name.endswith('running_var'):
                t.copy_(torch.rand(t.shape, generator=gen) * 1.5 + 0.5)
            elif t.dim() == 1 or 'weight_hh' in name:
                t.copy_(torch.rand(t.shape, generator=gen) - 0.5)
            else:
                t.copy_((torch.rand(t.shape, generator=gen) * 2 - 1) / math.sqrt(t[0].numel()))


def make_case(name, cfg, out_dir, seed):
    gen = torch.Generator().manual_seed(seed)
    model = tc.build(cfg)
    randomize(model, gen)
    params = {k: v.clone() for k, v in model.state_dict_auris().items() if v.dtype == torch.float32}
    train = not name.endswith('_eval')
    model.train(train)
    x = torch.randn((BATCH,) + model.input_shape, generator=gen).requires_grad_(True)
    y = model(x)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    tensors = dict(params)
    tensors['x'] = x.detach()
    tensors['y'] = y.detach()
    tensors['dy'] = dy
    tensors['dx'] = x.grad
    for pname, p in model.named_parameters():
        tensors['grad.' + pname.replace('.rnn.', '.')] = p.grad
    if train:
        for k, v in model.state_dict().items():
            if 'running' in k:
                tensors['after.' + k] = v
    tc.save_safetensors(os.path.join(out_dir, name + '.safetensors'), tensors,
                        {'auris.cfg': cfg, 'mode': 'train' if train else 'eval'})


OPT_CFG = ("[net]\nchannels=2\nheight=6\nwidth=6\n[conv2d]\nname=c\nfilters=4\nsize=3\npad=1\nbias=0\n"
           "[batchnorm]\nname=bn\n[relu]\n[globalavgpool]\n[dense]\nname=fc\noutputs=3\n")


def make_optim(name, out_dir, seed, make_opt, smoothing, clip):
    gen = torch.Generator().manual_seed(seed)
    model = tc.build(OPT_CFG)
    randomize(model, gen)
    init = {k: v.clone() for k, v in model.state_dict().items() if v.dtype == torch.float32}
    x = torch.randn((6,) + model.input_shape, generator=gen)
    labels = torch.tensor([0, 1, 2, 1, 0, 2])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt, sched, meta = make_opt(decay, no_decay)
    model.train()
    losses = []
    for step in range(6):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x).flatten(1), labels, label_smoothing=smoothing)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
    tensors = dict(init)
    tensors['x'] = x
    tensors['labels'] = labels.to(torch.int64)
    tensors['losses'] = torch.tensor(losses)
    for k, v in model.state_dict().items():
        if v.dtype == torch.float32:
            tensors['after.' + k] = v
    meta.update({'auris.cfg': OPT_CFG, 'smoothing': repr(smoothing), 'clip': repr(clip)})
    tc.save_safetensors(os.path.join(out_dir, name + '.safetensors'), tensors, meta)


def adamw(decay, no_decay):
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05},
                             {'params': no_decay, 'weight_decay': 0.0}], lr=0.02)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / 2, end_factor=1.0, total_iters=1)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[2])
    return opt, sched, {'optimizer': 'adamw', 'lr': '0.02', 'weight_decay': '0.05',
                        'schedule': 'cosine', 'warmup': '2', 'total': '10', 'min_lr': '0.001'}


def sgd(decay, no_decay):
    opt = torch.optim.SGD([{'params': decay, 'weight_decay': 0.01},
                           {'params': no_decay, 'weight_decay': 0.0}], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    return opt, sched, {'optimizer': 'sgd', 'lr': '0.1', 'weight_decay': '0.01',
                        'schedule': 'step', 'step_size': '2', 'gamma': '0.5'}


def make_losses(out_dir):
    gen = torch.Generator().manual_seed(99)
    n, k = 5, 7
    logits = (torch.randn(n, k, generator=gen) * 3).requires_grad_(True)
    labels = torch.randint(0, k, (n,), generator=gen)
    targets = torch.rand(n, k, generator=gen)
    t = {'logits': logits.detach(), 'labels': labels, 'targets': targets}
    for name, fn in (('ce', lambda x: F.cross_entropy(x, labels)),
                     ('ce_smooth', lambda x: F.cross_entropy(x, labels, label_smoothing=0.2)),
                     ('bce', lambda x: F.binary_cross_entropy_with_logits(x, targets)),
                     ('mse', lambda x: F.mse_loss(x, targets))):
        logits.grad = None
        loss = fn(logits)
        loss.backward()
        t['loss.' + name] = loss.detach().reshape(1)
        t['grad.' + name] = logits.grad.clone()
    tc.save_safetensors(os.path.join(out_dir, 'losses.safetensors'), t)


def make_embedding(out_dir):
    """Embedding (integer token inputs) and the AAM softmax loss on cosine logits."""
    gen = torch.Generator().manual_seed(5)
    cfg = "[net]\nchannels=1\nheight=1\nwidth=6\n[embedding]\ntokens=9\noutputs=4\n[lstm]\noutputs=3\n"
    model = tc.build(cfg)
    randomize(model, gen)
    x = torch.randint(0, 9, (3, 1, 1, 6), generator=gen).float()
    y = model(x)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    t = {k: v.clone() for k, v in model.state_dict_auris().items()}
    t.update({'x': x, 'y': y.detach(), 'dy': dy, 'dx': torch.zeros_like(x)})
    for pname, p in model.named_parameters():
        t['grad.' + pname.replace('.rnn.', '.')] = p.grad
    tc.save_safetensors(os.path.join(out_dir, 'embedding.safetensors'), t, {'auris.cfg': cfg, 'mode': 'train'})
    n, k, s, m = 5, 6, 16.0, 0.3
    cosv = (torch.rand(n, k, generator=gen) * 1.8 - 0.9).requires_grad_(True)
    labels = torch.randint(0, k, (n,), generator=gen)
    theta = torch.acos(cosv.clamp(-1, 1))
    onehot = F.one_hot(labels, k).float()
    logits = s * (onehot * torch.cos(theta + m) + (1 - onehot) * cosv)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    tc.save_safetensors(os.path.join(out_dir, 'aam.safetensors'),
                        {'logits': (cosv * s).detach(), 'labels': labels, 'loss': loss.detach().reshape(1),
                         'grad': cosv.grad / s}, {'scale': repr(s), 'margin': repr(m)})


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/nn'
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for i, (name, cfg) in enumerate(CASES.items()):
        make_case(name, cfg, out_dir, 1000 + i)
    make_optim('optim_adamw', out_dir, 7, adamw, 0.1, 0.5)
    make_optim('optim_sgd', out_dir, 8, sgd, 0.0, 0.0)
    make_losses(out_dir)
    make_embedding(out_dir)


if __name__ == '__main__':
    main()
