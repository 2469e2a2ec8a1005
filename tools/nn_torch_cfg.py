"""PyTorch twin of auris's nn cfg format, for parity fixtures and benchmarks.

build(cfg_text) returns an nn.Module whose state_dict names match auris's parameter names
("layers.<i>.weight" or "<name>.weight"); every activation is kept 4-D (N, C, H, W) as in
auris, where a vector is C x 1 x 1. save_safetensors writes the format by hand (Debian has
no python3-safetensors)."""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse(text):
    net, layers, cur = {}, [], None
    for raw in text.splitlines():
        line = raw.split('#', 1)[0].strip()
        if not line:
            continue
        if line.startswith('['):
            cur = {'type': line[1:-1]}
            if cur['type'] == 'net':
                net = cur
            else:
                layers.append(cur)
            continue
        k, v = (s.strip() for s in line.split('=', 1))
        cur[k] = v
    return net, layers


def _pair(v, default):
    if v is None:
        return (default, default)
    p = [int(x) for x in v.split(',')]
    return (p[0], p[-1])


class Dense(nn.Linear):
    def forward(self, x):
        return super().forward(x.flatten(1))[:, :, None, None]


class Conv1d(nn.Conv1d):
    def forward(self, x):
        return super().forward(x.squeeze(2)).unsqueeze(2)


class LayerNormC(nn.LayerNorm):
    """LayerNorm over the channels at each position of (N, C, H, W)."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class SeqRNN(nn.Module):
    """nn.LSTM / nn.GRU on (N, C, 1, T) sequences, parameters named as in PyTorch."""

    def __init__(self, kind, c, h):
        super().__init__()
        self.rnn = (nn.LSTM if kind == 'lstm' else nn.GRU)(c, h, batch_first=True)

    def forward(self, x):
        return self.rnn(x.squeeze(2).transpose(1, 2))[0].transpose(1, 2).unsqueeze(2)


class SelfAttention(nn.MultiheadAttention):
    def forward(self, x):
        s = x.squeeze(2).transpose(1, 2)
        return super().forward(s, s, s, need_weights=False)[0].transpose(1, 2).unsqueeze(2)


def posenc(x):
    c, t = x.shape[1], x.shape[3]
    k = torch.arange(c, dtype=torch.float64)
    freq = torch.pow(10000.0, -(k - k % 2) / c)
    ang = torch.arange(t, dtype=torch.float64)[None, :] * freq[:, None]
    pe = torch.where((k % 2 == 1)[:, None], torch.cos(ang), torch.sin(ang)).float()
    return x + pe[None, :, None, :]


class Embedding(nn.Embedding):
    def forward(self, x):
        return super().forward(x.squeeze(1).squeeze(1).long()).transpose(1, 2).unsqueeze(2)


class Cosine(nn.Module):
    def __init__(self, n_in, n_out, scale):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_out, n_in).uniform_(-1, 1))
        self.scale = scale

    def forward(self, x):
        return (F.linear(F.normalize(x.flatten(1)), F.normalize(self.weight)) * self.scale)[:, :, None, None]


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Net(nn.Module):
    def __init__(self, text):
        super().__init__()
        net, specs = parse(text)
        shape = (int(net.get('channels', 1)), int(net.get('height', 64)), int(net.get('width', 96)))
        self.input_shape = shape
        self.specs = specs
        self.names = []
        self.froms = []
        shapes = []
        self.layers = nn.ModuleList()
        for i, s in enumerate(specs):
            t = s['type']
            n_from = [int(x) for x in s.get('from', '-1,-2').split(',')]
            srcs = [i + f if f < 0 else f for f in n_from] if t in ('add', 'concat') else [i - 1]
            ins = [shapes[j] if j >= 0 else shape for j in srcs]
            c, h, w = ins[0]
            mod, out = self._make(t, s, c, h, w, ins)
            name = s.get('name', 'layers.%d' % i)
            if name == 'layers.%d' % i:
                self.layers.append(mod)
            else:
                self.layers.append(nn.Identity())
                setattr(self, name, mod)
            self.names.append(name)
            self.froms.append(srcs)
            shapes.append(out)
        self.output_shape = shapes[-1]

    def _make(self, t, s, c, h, w, ins):
        if t == 'conv2d':
            f = int(s.get('filters', 1))
            k = _pair(s.get('size'), 3)
            st = _pair(s.get('stride'), 1)
            d = _pair(s.get('dilation'), 1)
            pad = 'same' if s.get('pad') == 'same' else _pair(s.get('pad'), 0)
            mod = nn.Conv2d(c, f, k, st, pad, d, int(s.get('groups', 1)), bias=s.get('bias', '1') == '1')
            with torch.no_grad():
                o = mod(torch.zeros(1, c, h, w))
            return mod, tuple(o.shape[1:])
        if t == 'conv1d':
            f = int(s.get('filters', 1))
            k = _pair(s.get('size'), 3)[1]
            st = _pair(s.get('stride'), 1)[1]
            d = _pair(s.get('dilation'), 1)[1]
            pad = 'same' if s.get('pad') == 'same' else _pair(s.get('pad'), 0)[1]
            mod = Conv1d(c, f, k, st, pad, d, int(s.get('groups', 1)), bias=s.get('bias', '1') == '1')
            with torch.no_grad():
                o = mod(torch.zeros(1, c, h, w))
            return mod, tuple(o.shape[1:])
        if t in ('lstm', 'gru'):
            hdim = int(s.get('outputs', s.get('filters', 1)))
            return SeqRNN(t, c, hdim), (hdim, 1, w)
        if t == 'attention':
            return SelfAttention(c, int(s.get('heads', s.get('groups', 1))), batch_first=True), (c, h, w)
        if t == 'embedding':
            d = int(s.get('outputs', 1))
            return Embedding(int(s['tokens']), d), (d, 1, w)
        if t == 'cosine':
            k = int(s.get('outputs', 1))
            return Cosine(c * h * w, k, float(s.get('scale', 30))), (k, 1, 1)
        if t == 'posenc':
            return Fn(posenc), (c, h, w)
        if t == 'layernorm':
            return LayerNormC(c, eps=float(s.get('eps', 1e-5))), (c, h, w)
        if t == 'dense':
            f = int(s.get('outputs', s.get('filters', 1)))
            return Dense(c * h * w, f, bias=s.get('bias', '1') == '1'), (f, 1, 1)
        if t == 'batchnorm':
            return nn.BatchNorm2d(c, eps=float(s.get('eps', 1e-5)), momentum=float(s.get('momentum', 0.1))), (c, h, w)
        acts = {'relu': nn.ReLU(), 'relu6': nn.ReLU6(), 'sigmoid': nn.Sigmoid(), 'tanh': nn.Tanh(),
                'gelu': nn.GELU(), 'silu': nn.SiLU(), 'softmax': nn.Softmax(dim=1),
                'logsoftmax': nn.LogSoftmax(dim=1)}
        if t in acts:
            return acts[t], (c, h, w)
        if t in ('maxpool', 'avgpool'):
            k = _pair(s.get('size'), 2)
            st = _pair(s.get('stride'), None) if s.get('stride') else k
            p = _pair(s.get('pad'), 0)
            mod = nn.MaxPool2d(k, st, p) if t == 'maxpool' else nn.AvgPool2d(k, st, p)
            with torch.no_grad():
                o = mod(torch.zeros(1, c, h, w))
            return mod, tuple(o.shape[1:])
        if t == 'globalavgpool':
            return nn.AdaptiveAvgPool2d(1), (c, 1, 1)
        if t == 'globalmaxpool':
            return nn.AdaptiveMaxPool2d(1), (c, 1, 1)
        if t == 'dropout':
            return nn.Dropout(float(s.get('p', 0.5))), (c, h, w)
        if t == 'flatten':
            return Fn(lambda x: x.flatten(1)[:, :, None, None]), (c * h * w, 1, 1)
        if t == 'reshape':
            shp = tuple(int(v) for v in s['shape'].split(','))
            return Fn(lambda x, shp=shp: x.reshape(x.shape[0], *shp)), shp
        if t == 'concat':
            return Fn(lambda xs: torch.cat(xs, 1)), (sum(i[0] for i in ins), h, w)
        if t == 'add':
            return Fn(lambda xs: sum(xs[1:], xs[0])), (c, h, w)
        raise ValueError('unknown layer ' + t)

    def state_dict_auris(self):
        """state_dict with the recurrent layers' '.rnn.' level removed (auris's names)."""
        return {k.replace('.rnn.', '.'): v for k, v in self.state_dict().items()}

    def module(self, i):
        name = self.names[i]
        return self.layers[i] if name == 'layers.%d' % i else getattr(self, name)

    def forward(self, x):
        outs = []
        for i, s in enumerate(self.specs):
            xs = [outs[j] if j >= 0 else x for j in self.froms[i]]
            m = self.module(i)
            outs.append(m(xs) if s['type'] in ('add', 'concat') else m(xs[0]))
        return outs[-1]


def build(text):
    return Net(text)


def save_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.int64:
            dt = 'I64'
        else:
            t = t.float()
            dt = 'F32'
        b = t.numpy().tobytes()
        header[name] = {'dtype': dt, 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    import numpy as np
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for name, e in header.items():
        b, en = e['data_offsets']
        dt = {'F32': np.float32, 'I64': np.int64}[e['dtype']]
        arr = np.frombuffer(data[8 + n + b:8 + n + en], dtype=dt).reshape(e['shape'])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta
