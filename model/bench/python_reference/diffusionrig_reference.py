#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Plain eager-PyTorch re-implementation of the DiffusionRig model (our own code).

Written from the facts in shared/reference/diffusion/README.md, not from the original
sources. It loads an original checkpoint with strict load_state_dict and does the same
computation with the same ordinary ops (einsum attention, float32 GroupNorm, float64
schedule), so it stands in for the original code in `diffusionrig bench --compare-python`.
  --check DIR --model CKPT   compare with the tiny fixtures in DIR
  --bench                    time unet_forward, encoder_forward, ddim, train_step (JSON lines)
"""
import argparse, json, math, os, statistics, sys, time
import numpy as np
import torch as th
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_256 = dict(  # utils/script_util.py defaults of the original
    image_size=256, num_channels=128, num_res_blocks=2, num_heads=1, num_heads_upsample=-1,
    num_head_channels=-1, attention_resolutions="16", channel_mult="", dropout=0.1,
    use_scale_shift_norm=True, resblock_updown=True, use_new_attention_order=False,
    latent_dim=64, in_channels=12, encoder_type="resnet18", learn_sigma=False, diffusion_steps=1000)

def str2bool(v):  # the original parses booleans from strings like "True", "f", "1"
    return v if isinstance(v, bool) else str(v).lower() in ("yes", "true", "t", "y", "1")


# ------------------------------------------------------------------ UNet blocks
class GroupNorm32(nn.GroupNorm):
    def forward(self, x):  # always normalise in float32, as the original does
        return super().forward(x.float()).type(x.dtype)

def norm(ch):  # normalization() of the original: 32 groups, eps 1e-5
    return GroupNorm32(32, ch)

def zero(m):  # the original init zeroes these layers; only matters for the random-weight bench
    for p in m.parameters():
        p.detach().zero_()
    return m

def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = th.exp(-math.log(max_period) * th.arange(half, dtype=th.float32) / half)
    args = t[:, None].float() * freqs[None]
    emb = th.cat([th.cos(args), th.sin(args)], dim=-1)
    return th.cat([emb, th.zeros_like(emb[:, :1])], dim=-1) if dim % 2 else emb

class Upsample(nn.Module):  # nearest x2, then (resblock_updown=False only) a 3x3 conv `conv`
    def __init__(self, ch, use_conv):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1) if use_conv else None

    def forward(self, x):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        return x if self.conv is None else self.conv(x)

class Downsample(nn.Module):  # stride-2 conv or 2x2 avg-pool, both under the key `op`
    def __init__(self, ch, use_conv):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1) if use_conv else nn.AvgPool2d(2, 2)

    def forward(self, x):
        return self.op(x)

class ResBlock(nn.Module):
    def __init__(self, ch, emb_ch, latent_dim, dropout, out_ch, up=False, down=False):
        super().__init__()
        self.in_layers = nn.Sequential(norm(ch), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1))
        self.updown = up or down
        rs = Upsample if up else Downsample if down else None
        self.h_upd, self.x_upd = (rs(ch, False), rs(ch, False)) if rs else (nn.Identity(), nn.Identity())
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_ch, 2 * out_ch))
        self.cond_emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(latent_dim, 2 * out_ch))
        self.out_layers = nn.Sequential(norm(out_ch), nn.SiLU(), nn.Dropout(dropout),
                                        zero(nn.Conv2d(out_ch, out_ch, 3, padding=1)))
        self.skip_connection = nn.Identity() if out_ch == ch else nn.Conv2d(ch, out_ch, 1)

    def forward(self, x, emb, cond):
        if self.updown:  # resample h after GN+SiLU and before the conv; x is resampled too
            h = self.h_upd(self.in_layers[:-1](x))
            x = self.x_upd(x)
            h = self.in_layers[-1](h)
        else:
            h = self.in_layers(x)
        s_t, b_t = self.emb_layers(emb).type(h.dtype)[..., None, None].chunk(2, dim=1)
        s_z, b_z = self.cond_emb_layers(cond).type(h.dtype)[..., None, None].chunk(2, dim=1)
        h = self.out_layers[0](h) * (1 + s_t) + b_t  # timestep FiLM first ...
        h = h * (1 + s_z) + b_z                      # ... then the latent FiLM
        return self.skip_connection(x) + self.out_layers[1:](h)

class QKVAttention(nn.Module):
    def __init__(self, heads, legacy):
        super().__init__()
        self.heads, self.legacy = heads, legacy

    def forward(self, qkv):
        bs, width, length = qkv.shape
        ch = width // (3 * self.heads)
        if self.legacy:  # heads outermost: (B*heads, 3*ch, T), then split q, k, v
            q, k, v = qkv.reshape(bs * self.heads, ch * 3, length).split(ch, dim=1)
        else:  # q, k, v outermost: chunk first, then split the heads
            q, k, v = (z.reshape(bs * self.heads, ch, length) for z in qkv.chunk(3, dim=1))
        scale = 1 / math.sqrt(math.sqrt(ch))  # q and k are scaled separately, as the original
        w = th.einsum("bct,bcs->bts", q * scale, k * scale)
        w = th.softmax(w.float(), dim=-1).type(w.dtype)
        return th.einsum("bts,bcs->bct", w, v).reshape(bs, -1, length)

class AttentionBlock(nn.Module):
    def __init__(self, ch, num_heads, num_head_channels, new_order):
        super().__init__()
        heads = num_heads if num_head_channels == -1 else ch // num_head_channels
        self.norm, self.qkv = norm(ch), nn.Conv1d(ch, 3 * ch, 1)
        self.attention = QKVAttention(heads, legacy=not new_order)
        self.proj_out = zero(nn.Conv1d(ch, ch, 1))

    def forward(self, x, emb=None, cond=None):
        b, c, *spatial = x.shape
        x = x.reshape(b, c, -1)
        h = self.proj_out(self.attention(self.qkv(self.norm(x))))
        return (x + h).reshape(b, c, *spatial)

class EmbSeq(nn.Sequential):  # passes (emb, cond) only to the blocks that take them
    def forward(self, x, emb, cond):
        for m in self:
            x = m(x, emb, cond) if isinstance(m, (ResBlock, AttentionBlock)) else m(x)
        return x

class UNetModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        size, C, nrb = int(cfg["image_size"]), int(cfg["num_channels"]), int(cfg["num_res_blocks"])
        mult = cfg["channel_mult"]
        if mult == "":
            mult = {256: (1, 1, 2, 2, 4, 4), 128: (1, 1, 2, 3, 4), 64: (1, 2, 3, 4)}[size]
        elif isinstance(mult, str):
            mult = tuple(int(m) for m in mult.split(","))
        attn_ds = [size // int(r) for r in str(cfg["attention_resolutions"]).split(",")]
        heads, hch = int(cfg["num_heads"]), int(cfg["num_head_channels"])
        heads_up = heads if int(cfg["num_heads_upsample"]) == -1 else int(cfg["num_heads_upsample"])
        new_order, updown = str2bool(cfg["use_new_attention_order"]), str2bool(cfg["resblock_updown"])
        if not str2bool(cfg["use_scale_shift_norm"]):
            raise ValueError("only use_scale_shift_norm=True is supported")
        self.model_channels, emb = C, 4 * C
        self.time_embed = nn.Sequential(nn.Linear(C, emb), nn.SiLU(), nn.Linear(emb, emb))
        res = lambda i, o, **kw: ResBlock(i, emb, int(cfg["latent_dim"]), float(cfg["dropout"]), o, **kw)
        attn = lambda c, h: AttentionBlock(c, h, hch, new_order)
        ch = int(mult[0] * C)
        self.input_blocks = nn.ModuleList([EmbSeq(nn.Conv2d(int(cfg["in_channels"]), ch, 3, padding=1))])
        chans, ds = [ch], 1
        for level, m in enumerate(mult):
            for _ in range(nrb):
                layers, ch = [res(ch, int(m * C))], int(m * C)
                if ds in attn_ds:
                    layers.append(attn(ch, heads))
                self.input_blocks.append(EmbSeq(*layers))
                chans.append(ch)
            if level != len(mult) - 1:  # every level but the last halves the resolution
                self.input_blocks.append(EmbSeq(res(ch, ch, down=True) if updown else Downsample(ch, True)))
                chans.append(ch)
                ds *= 2
        self.middle_block = EmbSeq(res(ch, ch), attn(ch, heads), res(ch, ch))
        self.output_blocks = nn.ModuleList()
        for level, m in list(enumerate(mult))[::-1]:
            for i in range(nrb + 1):  # each block eats one skip: cat[h, skip]
                layers, ch = [res(ch + chans.pop(), int(C * m))], int(C * m)
                if ds in attn_ds:
                    layers.append(attn(ch, heads_up))
                if level and i == nrb:
                    layers.append(res(ch, ch, up=True) if updown else Upsample(ch, True))
                    ds //= 2
                self.output_blocks.append(EmbSeq(*layers))
        out_ch = 6 if str2bool(cfg["learn_sigma"]) else 3
        self.out = nn.Sequential(norm(ch), nn.SiLU(), zero(nn.Conv2d(ch, out_ch, 3, padding=1)))

    def forward(self, x, t, physic_cond, cond):
        emb = self.time_embed(timestep_embedding(t, self.model_channels))
        h, hs = th.cat([x, physic_cond], 1), []  # physical buffers join x_t before the first conv
        for m in self.input_blocks:
            h = m(h, emb, cond)
            hs.append(h)
        h = self.middle_block(h, emb, cond)
        for m in self.output_blocks:
            h = m(th.cat([h, hs.pop()], dim=1), emb, cond)
        return self.out(h.type(x.dtype))


# --------------------------------------------------------------- encoder (resnet)
class _BasicBlock(nn.Module):  # torchvision's BasicBlock: same ops, same keys
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))

class _ResNet18(nn.Module):  # torchvision.models.resnet18 layout, used when torchvision is absent
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)
        self.relu, self.maxpool = nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)
        for i, (cin, cout) in enumerate([(64, 64), (64, 128), (128, 256), (256, 512)]):
            setattr(self, f"layer{i + 1}", nn.Sequential(_BasicBlock(cin, cout, 1 if i == 0 else 2),
                                                         _BasicBlock(cout, cout, 1)))
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(512, 1000)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(th.flatten(self.avgpool(x), 1))

def make_encoder(kind, latent_dim):
    try:
        import torchvision
        net = getattr(torchvision.models, kind)()  # random init, no pretrained weights
    except ImportError:
        if kind != "resnet18":
            raise
        net = _ResNet18()
    net.fc = nn.Linear(net.fc.in_features, latent_dim)
    return net

class DiffusionRig(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.denoisingUNet = UNetModel(cfg)
        self.encoder = make_encoder(cfg["encoder_type"], int(cfg["latent_dim"]))

    def encode_cond(self, image):  # raw [-1,1] image, no ImageNet normalisation
        return self.encoder(image)

    def forward(self, x, t, physic_cond, detail_cond=None, x_start=None):
        if detail_cond is None:  # training path: the encoder runs on the clean image
            detail_cond = self.encoder(x_start)
        return self.denoisingUNet(x, t, physic_cond, detail_cond), {}


# ------------------------------------------------------- schedule and DDIM sampling
def space_timesteps(T, spec):
    if spec.startswith("ddim"):  # the first stride k that gives exactly N steps
        n = int(spec[4:])
        return next(list(range(0, T, k)) for k in range(1, T) if len(range(0, T, k)) == n)
    counts, out, start = [int(c) for c in spec.split(",")], set(), 0
    for i, n in enumerate(counts):  # sections, each sampled with Python's round()
        sec = T // len(counts) + (1 if i < T % len(counts) else 0)
        out.update(start + round(j * ((sec - 1) / (n - 1) if n > 1 else 1)) for j in range(n))
        start += sec
    return sorted(out)

class Schedule:
    """Linear beta schedule in float64, optionally respaced like SpacedDiffusion."""
    def __init__(self, T=1000, respacing=""):
        betas = np.linspace(1e-4 * 1000 / T, 0.02 * 1000 / T, T, dtype=np.float64)
        self.timestep_map = np.array(space_timesteps(T, respacing) if respacing else range(T))
        if respacing:  # beta'_i = 1 - acp[t_i]/acp[t_{i-1}]; all arrays are rebuilt from beta'
            acp = np.cumprod(1.0 - betas)[self.timestep_map]
            betas = 1.0 - acp / np.append(1.0, acp[:-1])
        self.acp = acp = np.cumprod(1.0 - betas)
        self.acp_prev = np.append(1.0, acp[:-1])
        self.sqrt_acp, self.sqrt_1m_acp = np.sqrt(acp), np.sqrt(1.0 - acp)
        self.sqrt_recip, self.sqrt_recipm1 = np.sqrt(1.0 / acp), np.sqrt(1.0 / acp - 1)
        self.p2_weight = 1.0 / (1.0 + (1.0 / (1 - acp) - 1))  # 1/(k+snr)^gamma, k=gamma=1

    @staticmethod
    def ext(arr, t, x):  # index the float64 array, then cast to float32 (_extract_into_tensor)
        return th.from_numpy(arr)[t].float().view(-1, *([1] * (x.dim() - 1)))

    def ddim_loop(self, model, noise, physic_cond, latent, eta=0.0, trace=None):
        x, e = noise, self.ext
        for i in reversed(range(len(self.timestep_map))):
            t = th.full((x.shape[0],), i, dtype=th.long)
            # the model sees the original timestep timestep_map[i], not the spaced index i
            eps = model(x, th.from_numpy(self.timestep_map)[t], physic_cond, detail_cond=latent)[0]
            x0 = (e(self.sqrt_recip, t, x) * x - e(self.sqrt_recipm1, t, x) * eps).clamp(-1, 1)
            eps = (e(self.sqrt_recip, t, x) * x - x0) / e(self.sqrt_recipm1, t, x)  # from clipped x0
            ab, ab_prev = e(self.acp, t, x), e(self.acp_prev, t, x)
            sigma = eta * th.sqrt((1 - ab_prev) / (1 - ab)) * th.sqrt(1 - ab / ab_prev)
            z = th.randn_like(x)  # drawn every step even for eta=0, as the original does
            nonzero = (t != 0).float().view(-1, 1, 1, 1)
            x = x0 * th.sqrt(ab_prev) + th.sqrt(1 - ab_prev - sigma ** 2) * eps + nonzero * sigma * z
            if trace is not None:
                trace.append((x, x0))
        return x

def train_step(model, opt, sched, x0, physic_cond, t, noise):
    """One stage-2 step: train mode, p2-weighted MSE on eps, backward, clip 1.0, Adam."""
    model.train()  # dropout on; the frozen encoder's BN still uses and updates batch statistics
    x_t = Schedule.ext(sched.sqrt_acp, t, x0) * x0 + Schedule.ext(sched.sqrt_1m_acp, t, x0) * noise
    opt.zero_grad()
    out, _ = model(x_t, t, physic_cond, x_start=x0)
    # p2 weighting on, as in the README training commands (p2_weight True)
    mse = (Schedule.ext(sched.p2_weight, t, x0) * (noise - out) ** 2).mean(dim=(1, 2, 3))
    mse.mean().backward()
    norm = th.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return mse.detach(), norm

def stage2_optimizer(model, lr=1e-5):  # encoder frozen; Adam still gets every parameter
    for n, p in model.named_parameters():
        p.requires_grad_(n.startswith("denoisingUNet."))
    return th.optim.Adam(model.parameters(), lr=lr)


# ------------------------------------------------------------------------ --check
def run_check(d, model_path):
    cfg = dict(DEFAULT_256, **json.load(open(os.path.join(d, "config.json"))))
    model = DiffusionRig(cfg)
    model.load_state_dict(th.load(model_path, map_location="cpu"), strict=True)
    model.eval()
    ld = lambda p: th.from_numpy(np.load(os.path.join(d, p)))
    err = lambda a, p: float((a.double() - ld(p).double()).abs().max())
    errs, trace = {}, []
    with th.no_grad():
        errs["encoder/latent_eval"] = err(model.encode_cond(ld("encoder/image.npy")), "encoder/latent_eval.npy")
        out, _ = model(ld("unet/x_t.npy"), ld("unet/t.npy"), ld("unet/physic_cond.npy"), ld("unet/latent.npy"))
        errs["unet/out"] = err(out, "unet/out.npy")
        sched = Schedule(int(cfg["diffusion_steps"]), "ddim10")
        errs["ddim/timestep_map"] = err(th.from_numpy(sched.timestep_map), "ddim/timestep_map.npy")
        final = sched.ddim_loop(model, ld("ddim/noise.npy"), ld("ddim/physic_cond.npy"),
                                ld("ddim/latent.npy"), trace=trace)
        errs["ddim/run_samples"] = err(th.stack([s for s, _ in trace]), "ddim/run_samples.npy")
        errs["ddim/run_pred_xstart"] = err(th.stack([p for _, p in trace]), "ddim/run_pred_xstart.npy")
        errs["ddim/run_final"] = err(final, "ddim/run_final.npy")
    mse, norm = train_step(model, stage2_optimizer(model), Schedule(), ld("loss/image.npy"),
                           ld("loss/physic_cond.npy"), ld("loss/t.npy"), ld("loss/noise.npy"))
    errs["loss/p2_mse"] = err(mse, "loss/p2_mse.npy")
    errs["train_step/stage2_grad_norm"] = err(norm, "train_step/stage2_grad_norm.npy")
    # pred_x0 = sqrt(1/abar)*x_t - sqrt(1/abar-1)*eps multiplies the eps rounding by ~30 at t=900,
    # and CPU kernels round differently for another thread count: a looser bound for it.
    # The grad norm (~2.1) sums every gradient: 3.9e-4 off on an AVX-512 CPU, so 1e-3 relative.
    tol = {"ddim/run_pred_xstart": 1e-3, "train_step/stage2_grad_norm": 2e-3}
    print(f"threads {th.get_num_threads()}, torch {th.__version__}")
    for k, v in errs.items():
        print(f"{k:28s} max abs error {v:.3e} (limit {tol.get(k, 1e-4):g})")
    bad = [k for k, v in errs.items() if not v <= tol.get(k, 1e-4)]
    print("FAIL: " + ", ".join(bad) if bad else "OK: all errors within limits")
    return 1 if bad else 0


# ------------------------------------------------------------------------ --bench
def run_bench(a):
    cfg = dict(DEFAULT_256, **(json.load(open(a.config)) if a.config != "256" else {}))
    cfg["image_size"] = a.image_size or int(cfg["image_size"])
    th.manual_seed(0)
    S, B, TB, L = cfg["image_size"], a.batch, a.train_batch, int(cfg["latent_dim"])
    model = DiffusionRig(cfg).eval()
    T = int(cfg["diffusion_steps"])
    sched, ddim_sched = Schedule(T), Schedule(T, f"ddim{a.steps}")
    # inputs are made once, outside the timed region: they stand in for loaded data
    x_t, t_in, lat = th.randn(B, 3, S, S), th.randint(0, T, (B,)), th.randn(B, L)
    phys, image = th.rand(B, 9, S, S), th.rand(B, 3, S, S) * 2 - 1
    tr_img, tr_phys = th.rand(TB, 3, S, S) * 2 - 1, th.rand(TB, 9, S, S)

    opt = stage2_optimizer(model)

    def train():  # random t (UniformSampler) and noise are drawn inside the step, as the original
        train_step(model, opt, sched, tr_img, tr_phys, th.randint(0, T, (TB,)), th.randn_like(tr_img))
        model.eval()

    cases = dict(unet_forward=(lambda: model(x_t, t_in, phys, detail_cond=lat), B),
                 encoder_forward=(lambda: model.encode_cond(image), B),
                 # as inference.py: one encode_cond, then the DDIM loop from fixed noise
                 ddim=(lambda: ddim_sched.ddim_loop(model, x_t, phys, model.encode_cond(image)), B),
                 train_step=(train, TB))
    for name in a.cases.split(","):
        if name not in cases:
            sys.exit(f"unknown case {name!r}; known: {','.join(cases)}")
        fn, b = cases[name]
        times = []
        for i in range(a.warmup + a.iterations):
            t0 = time.perf_counter()
            with th.inference_mode(name != "train_step"):  # inference_mode(False) is a no-op
                fn()
            times.append((time.perf_counter() - t0) * 1000.0)
        times = times[a.warmup:]
        print(json.dumps(dict(case=name, ms_per_iter=round(statistics.median(times), 3), iterations=a.iterations,
                              batch=b, threads=th.get_num_threads(), torch=th.__version__)), flush=True)
    return 0

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", metavar="DIR", help="tiny fixture folder (shared/reference/diffusion/tiny)")
    p.add_argument("--model", help="extracted checkpoint (model000000.pt) for --check")
    p.add_argument("--bench", action="store_true", help="time the cases with random weights")
    p.add_argument("--config", default="256", help='"256" (built-in default) or a JSON file of original args')
    p.add_argument("--image-size", type=int, default=0, help="override the config's image_size")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--train-batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=20, help="DDIM steps for the ddim case")
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed ones")
    p.add_argument("--cases", default="unet_forward,encoder_forward,ddim,train_step")
    a = p.parse_args()
    th.set_num_threads(a.threads)  # also for --check: CPU results are bit-exact only per thread count
    if a.check:
        if not a.model:
            p.error("--check needs --model")
        return run_check(a.check, a.model)
    if a.bench:
        return run_bench(a)
    p.print_help()
    return 2

if __name__ == "__main__":
    sys.exit(main())
