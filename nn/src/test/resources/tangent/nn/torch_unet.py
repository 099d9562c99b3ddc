"""Independent PyTorch build of the sCM U-Net (spec: /work/shared/spec/unet.md) that loads a
tangent checkpoint by parameter name (strict) and compares its forward pass with tangent's.

usage: torch_unet.py CHECKPOINT IO_FILE C RES CH MULT(comma) BLOCKS
IO_FILE holds x, t and tangent's output y (float64). Prints 'max_abs_diff <v>' and exits 0."""
import json, math, struct, sys
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    dt = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dt[v["dtype"]]) if e > b else torch.zeros(0, dtype=dt[v["dtype"]])
        out[k] = t.reshape(v["shape"])
    return out


def gn(c):
    return nn.GroupNorm(min(32, c // 4), c, eps=1e-5)


def pnorm(v):
    return v / torch.sqrt(v.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.qkv, self.proj = gn(c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3 * c, h * w).chunk(3, dim=1)
        a = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c), dim=2)
        out = torch.einsum("bij,bcj->bci", a, v).reshape(b, c, h, w)
        return (x + self.proj(out)) / math.sqrt(2)


class RB(nn.Module):
    def __init__(self, cin, cout, e, attn):
        super().__init__()
        self.cout = cout
        self.norm0 = gn(cin)
        self.conv0 = nn.Conv2d(cin, cout, 3, padding=1)
        self.affine = nn.Linear(e, 2 * cout)
        self.norm1 = gn(cout)
        self.dropout = nn.Dropout(0.0)
        self.conv1 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.attn = Attn(cout) if attn else None

    def forward(self, x, e):
        h = self.conv0(F.silu(self.norm0(x)))
        s, b = self.affine(e).chunk(2, dim=1)
        h = pnorm(s)[:, :, None, None] * self.norm1(h) + pnorm(b)[:, :, None, None]
        h = self.conv1(self.dropout(F.silu(h)))
        x = (h + (self.skip(x) if self.skip is not None else x)) / math.sqrt(2)
        return self.attn(x) if self.attn is not None else x


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class Emb(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.ch = ch
        self.fc0, self.fc1 = nn.Linear(ch, 4 * ch), nn.Linear(4 * ch, 4 * ch)

    def forward(self, t):
        half = self.ch // 2
        freqs = (1.0 / 10000) ** (torch.arange(half, dtype=t.dtype) / half)
        ang = t[:, None] * freqs[None, :]
        return F.silu(self.fc1(F.silu(self.fc0(torch.cat([ang.cos(), ang.sin()], dim=1)))))


class UNet(nn.Module):
    def __init__(self, C, res, ch, mult, blocks):
        super().__init__()
        e = 4 * ch
        self.emb = Emb(ch)
        self.conv_in = nn.Conv2d(C, ch, 3, padding=1)
        self.down, self.mid, self.up = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        skips, c, r = [ch], ch, res
        for l, m in enumerate(mult):
            if l > 0:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                r = (r - 1) // 2 + 1
                skips.append(c)
            for _ in range(blocks):
                self.down.append(RB(c, ch * m, e, r == res // 4))
                c = ch * m
                skips.append(c)
        self.mid.append(RB(c, c, e, True))
        self.mid.append(RB(c, c, e, False))
        for l in reversed(range(len(mult))):
            for _ in range(blocks + 1):
                self.up.append(RB(c + skips.pop(), ch * mult[l], e, r == res // 4))
                c = ch * mult[l]
            if l > 0:
                self.up.append(Up(c))
                r *= 2
        self.out_norm = gn(c)
        self.out_conv = nn.Conv2d(c, C, 3, padding=1)

    def forward(self, x, t):
        e = self.emb(t)
        h = self.conv_in(x)
        skips = [h]
        for m in self.down:
            h = m(h, e) if isinstance(m, RB) else m(h)
            skips.append(h)
        for m in self.mid:
            h = m(h, e)
        for m in self.up:
            h = m(torch.cat([h, skips.pop()], dim=1), e) if isinstance(m, RB) else m(h)
        return self.out_conv(F.silu(self.out_norm(h)))


def main():
    ck, io, C, res, ch, mult, blocks = sys.argv[1:8]
    net = UNet(int(C), int(res), int(ch), [int(m) for m in mult.split(",")], int(blocks)).double()
    sd = {k: v for k, v in read_safetensors(ck).items() if "." in k and not k.startswith(("ema.", "opt.", "state.", "rng."))}
    net.load_state_dict(sd, strict=True)
    n = sum(p.numel() for p in net.parameters())
    d = read_safetensors(io)
    with torch.no_grad():
        y = net(d["x"], d["t"])
    print("params", n)
    print("max_abs_diff", (y - d["y"]).abs().max().item())


if __name__ == "__main__":
    main()
