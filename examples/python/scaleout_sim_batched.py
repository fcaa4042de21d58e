# scaleout_sim.py with all W workers stepping at once (batched matrix products, on the cpu or a GPU): per-worker
# Adam on batchSize/W examples, K local steps, row-weighted averaging of weights and Adam state, and the driver's
# SecondMoment correction (--keep: the share of the round's second-moment growth kept,
# -1 = 1/W as the connector does, 1 = none), with candidate schedules: post-local SGD (--post epochs of --early
# local steps first, then --late), warm-up (--warm epochs). Shards are equal (59,904 rows), so all workers step in
# lockstep. To pick settings before confirming them with `examples/run bench-scaling`:
#   /usr/bin/python3 examples/python/scaleout_sim_batched.py --workers 32 --epochs 5 [--device cuda]
# Checked against the connector (bench-scaling): 8 workers, 1 epoch: 0.8483 here, 0.8475 there; 32 workers, 5 epochs:
# 0.8805 here (22 min on the busy 2-core machine), 0.8791 there. On the cpu the
# workers' Adam states (W copies of the model) dominate: 128 workers need a GPU or a quiet machine.
import gzip, math, time, argparse, os
import numpy as np, torch
ap = argparse.ArgumentParser()
ap.add_argument('--workers', type=int, default=1); ap.add_argument('--epochs', type=int, default=5)
ap.add_argument('--local', type=int, default=-2)          # -2: the connector's auto rule; 0: one pass per round
ap.add_argument('--lr', type=float, default=3e-3); ap.add_argument('--batch', type=int, default=128)
ap.add_argument('--warm', type=float, default=0)          # warm-up epochs
ap.add_argument('--keep', type=float, default=-1)         # SecondMoment: share of v kept (-1: 1/W; 1: no correction)
ap.add_argument('--post', type=float, default=0)          # post-local SGD: epochs with --early local steps first
ap.add_argument('--early', type=int, default=1)
ap.add_argument('--late', type=int, default=0)            # local steps after --post epochs (0: same as --local)
ap.add_argument('--seed', type=int, default=42); ap.add_argument('--device', default='cpu')
ap.add_argument('--tag', default='')
a = ap.parse_args()
dev = torch.device(a.device); torch.set_num_threads(1)
D = os.environ.get('FASHION_MNIST', '/usr/share/datasets/fashion-mnist') + '/'
def idx(name, off):
    with gzip.open(D + name) as f: return np.frombuffer(f.read(), np.uint8, offset=off)
Xtr = torch.tensor(idx('train-images-idx3-ubyte.gz', 16).reshape(-1, 784) / 255., dtype=torch.float32, device=dev)
Ytr = torch.tensor(idx('train-labels-idx1-ubyte.gz', 8).astype(np.int64), device=dev)
Xte = torch.tensor(idx('t10k-images-idx3-ubyte.gz', 16).reshape(-1, 784) / 255., dtype=torch.float32, device=dev)
Yte = torch.tensor(idx('t10k-labels-idx1-ubyte.gz', 8).astype(np.int64), device=dev)
W, B = a.workers, max(1, (a.batch + a.workers - 1) // a.workers)
rows = 59904 // W * W
g = torch.Generator().manual_seed(a.seed)
perm = torch.randperm(60000, generator=g)[:rows]
shards = perm.view(rows // W, W).T.contiguous().to(dev)        # [W, n]
n = shards.shape[1]; spe = n // B                              # steps per epoch, equal for all
K = a.local
if K == -2: K = 0 if W == 1 else max(4, min(16, B // 4))
if K < 0: K = 0
sizes = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
def init():
    gg = torch.Generator().manual_seed(a.seed); ps = []
    for o, i in [(256, 784), (128, 256), (10, 128)]:
        bnd = 1 / math.sqrt(i)
        ps.append((torch.rand(o, i, generator=gg) * 2 - 1) * bnd); ps.append((torch.rand(o, generator=gg) * 2 - 1) * bnd)
    return [p.to(dev) for p in ps]
x = init(); m = [torch.zeros_like(p) for p in x]; v = [torch.zeros_like(p) for p in x]; step = 0.0
b1, b2, eps = 0.9, 0.999, 1e-8
keep = 1.0 / W if a.keep < 0 else a.keep
total = a.epochs * spe
def lr_at(s):
    e = s // spe
    lr = a.lr * (1 + math.cos(math.pi * e / a.epochs)) / 2
    ws = a.warm * spe
    return lr * ((s + 1) / ws) if s + 1 < ws else lr
def local_steps_at(s):
    if K == 0: return spe
    if a.post > 0 and s < a.post * spe: return a.early
    return a.late if a.late > 0 else K
gens = torch.Generator().manual_seed(a.seed * 7 + 1)
order = None
def fwd(ps, xb):  # ps: [W, ...]; xb: [W, b, 784]
    h = torch.relu(torch.baddbmm(ps[1].unsqueeze(1), xb, ps[0].transpose(1, 2)))
    h = torch.relu(torch.baddbmm(ps[3].unsqueeze(1), h, ps[2].transpose(1, 2)))
    return torch.baddbmm(ps[5].unsqueeze(1), h, ps[4].transpose(1, 2))
def acc(ps):
    with torch.no_grad():
        h = torch.relu(Xte @ ps[0].T + ps[1]); h = torch.relu(h @ ps[2].T + ps[3]); return ((h @ ps[4].T + ps[5]).argmax(1) == Yte).float().mean().item()
t0 = time.time(); s = 0; rounds = 0
while s < total:
    k = min(local_steps_at(s), total - s)
    ps = [p.unsqueeze(0).repeat(W, *([1] * p.dim())).requires_grad_(True) for p in x]
    ms = [t.unsqueeze(0).repeat(W, *([1] * t.dim())) for t in m]; vs = [t.unsqueeze(0).repeat(W, *([1] * t.dim())) for t in v]
    st = step
    for j in range(k):
        kk = (s + j) % spe
        if kk == 0 or order is None:
            order = torch.stack([torch.randperm(n, generator=gens) for _ in range(W)]).to(dev)
        ib = torch.gather(shards, 1, order[:, kk * B:(kk + 1) * B])  # [W, B]
        out = fwd(ps, Xtr[ib]); loss = torch.nn.functional.cross_entropy(out.reshape(-1, 10), Ytr[ib].reshape(-1)) * W
        grads = torch.autograd.grad(loss, ps)
        lr = lr_at(s + j); st += 1
        with torch.no_grad():
            for p, mw, vw, gr in zip(ps, ms, vs, grads):
                mw.mul_(b1).add_(gr, alpha=1 - b1); vw.mul_(b2).addcmul_(gr, gr, value=1 - b2)
                p.addcdiv_(mw / (1 - b1 ** st), (vw / (1 - b2 ** st)).sqrt().add_(eps), value=-lr)
    with torch.no_grad():
        x = [p.mean(0) for p in ps]
        ma = [t.mean(0) for t in ms]; va = [t.mean(0) for t in vs]
        if W > 1 and keep < 1:
            bk1, bk2 = b1 ** k, b2 ** k
            va = [bk2 * v0 + (vv - bk2 * v0) * keep + (1 - bk2) * (1 - keep) * ((mm - bk1 * m0) / (1 - bk1)) ** 2
                  for v0, vv, m0, mm in zip(v, va, m, ma)]
        m, v = ma, va; step = st
    s += k; rounds += 1
print(f'RESULT W={W} B={B} K={K} epochs={a.epochs} warm={a.warm} keep={keep:.4g} post={a.post}/{a.early}/{a.late} lr={a.lr} '
      f'rounds={rounds} test={acc(x):.4f} time={time.time() - t0:.1f}s {a.tag}', flush=True)
