# Simulates Ember's data-parallel fit in PyTorch (Debian's python3-torch, run as /usr/bin/python3): W workers, each
# with its shard of Fashion-MNIST, Adam with its state averaged every round, local steps, an outer update on the
# averaged change (avg: plain averaging; bm: block momentum; nbm: Nesterov block momentum), warm-up and
# learning-rate scaling. The same math as the connector's rounds, on one process, so settings can be compared
# quickly; the defaults of EmberEstimator (batchSize over all workers, localSteps = 0) were chosen with it.
#   /usr/bin/python3 examples/python/scaleout_sim.py --workers 8 --batch 16 --local 4      # 8 workers, global batch 128
# prints the test accuracy after --epochs (5) epochs.
import gzip, sys, math, time, argparse
import numpy as np, torch
torch.set_num_threads(1)
D='/usr/share/datasets/fashion-mnist/'
def idx(name, off):
    with gzip.open(D+name) as f: return np.frombuffer(f.read(), np.uint8, offset=off)
Xtr=torch.tensor(idx('train-images-idx3-ubyte.gz',16).reshape(-1,784)/255.,dtype=torch.float32)
Ytr=torch.tensor(idx('train-labels-idx1-ubyte.gz',8).astype(np.int64))
Xte=torch.tensor(idx('t10k-images-idx3-ubyte.gz',16).reshape(-1,784)/255.,dtype=torch.float32)
Yte=torch.tensor(idx('t10k-labels-idx1-ubyte.gz',8).astype(np.int64))
sizes=[(256,784),(256,),(128,256),(128,),(10,128),(10,)]
N=sum(int(np.prod(s)) for s in sizes)
def init(seed):
    g=torch.Generator().manual_seed(seed); parts=[]
    for i in range(0,6,2):
        o,inn=sizes[i]; b=1/math.sqrt(inn)
        parts.append((torch.rand(o*inn,generator=g)*2-1)*b); parts.append((torch.rand(o,generator=g)*2-1)*b)
    return torch.cat(parts)
def fwd(p,x):
    at=0; ws=[]
    for s in sizes:
        n=int(np.prod(s)); ws.append(p[at:at+n].view(s)); at+=n
    h=torch.relu(x@ws[0].T+ws[1]); h=torch.relu(h@ws[2].T+ws[3]); return h@ws[4].T+ws[5]
def acc(p):
    with torch.no_grad(): return (fwd(p,Xte).argmax(1)==Yte).float().mean().item()
ap=argparse.ArgumentParser()
ap.add_argument('--workers',type=int,default=1); ap.add_argument('--epochs',type=int,default=5)
ap.add_argument('--local',type=int,default=0); ap.add_argument('--lr',type=float,default=3e-3)
ap.add_argument('--batch',type=int,default=128)  # per worker
ap.add_argument('--outer',default='avg')  # avg | bm | nbm
ap.add_argument('--beta',type=float,default=-1); ap.add_argument('--alpha',type=float,default=1.0)
ap.add_argument('--warm',type=float,default=0); ap.add_argument('--lrscale',default='none')
ap.add_argument('--resetv',type=int,default=0); ap.add_argument('--seed',type=int,default=42)
ap.add_argument('--schedule',default='cosine')
a=ap.parse_args()
W=a.workers
g=torch.Generator().manual_seed(a.seed); perm=torch.randperm(60000,generator=g)
shards=[perm[i::W] for i in range(W)]
x=init(a.seed); m=torch.zeros(N); v=torch.zeros(N); step=0.0
mom=torch.zeros(N)
beta=a.beta if a.beta>=0 else (0 if a.outer=='avg' else 1-1/W)
lr0=a.lr*({'none':1,'sqrt':math.sqrt(W),'linear':W}[a.lrscale])
spe=[ (len(s)+a.batch-1)//a.batch for s in shards]; maxspe=max(spe)
rounds = a.epochs if a.local==0 else math.ceil(a.epochs*maxspe/a.local)
b1,b2,eps=0.9,0.999,1e-8
orders=[None]*W; cursors=[0]*W; gens=[torch.Generator().manual_seed(a.seed*1000+i) for i in range(W)]
def lr_at(gstep, spe_w):
    e=gstep/spe_w
    base = lr0 if a.schedule=='constant' else lr0*(1+math.cos(math.pi*math.floor(e)/a.epochs))/2
    if a.warm>0: base*=min(1.0,(gstep+1)/(a.warm*spe_w))  # linear warm-up, as TrainConfig.learningRate(step, stepsPerEpoch)
    return base
t0=time.time()
for r in range(rounds):
    sp=torch.zeros(N); sm=torch.zeros(N); sv=torch.zeros(N); ss=0.0; wsum=0; lsum=0; ns=0
    for w in range(W):
        first = r*spe[w] if a.local==0 else r*a.local
        end = first+spe[w] if a.local==0 else first+a.local
        total=a.epochs*spe[w]; first=min(first,total); end=min(end,total)
        if first>=end: continue
        p=x.clone().requires_grad_(True); mw=m.clone(); vw=v.clone(); st=step
        for s in range(first,end):
            k=s%spe[w]
            if k==0 or orders[w] is None: orders[w]=shards[w][torch.randperm(len(shards[w]),generator=gens[w])]
            idxs=orders[w][k*a.batch:(k+1)*a.batch]
            out=fwd(p,Xtr[idxs]); loss=torch.nn.functional.cross_entropy(out,Ytr[idxs])
            gr,=torch.autograd.grad(loss,p)
            lr=lr_at(s,spe[w]); st+=1
            with torch.no_grad():
                mw.mul_(b1).add_(gr,alpha=1-b1); vw.mul_(b2).addcmul_(gr,gr,value=1-b2)
                bc1=1-b1**st; bc2=1-b2**st
                p.addcdiv_(mw/bc1, (vw/bc2).sqrt().add_(eps), value=-lr)
            lsum+=loss.item()*len(idxs); ns+=len(idxs)
        n=len(shards[w]); sp+=p.detach()*n; sm+=mw*n; sv+=vw*n; ss+=st*n; wsum+=n
    avg=sp/wsum; m=sm/wsum; v=sv/wsum; step=ss/wsum
    d=avg-x
    if a.outer=='avg': x=avg
    elif a.outer=='bm':  mom=beta*mom+a.alpha*d; x=x+mom
    elif a.outer=='nbm': mom=beta*mom+a.alpha*d; x=x+beta*mom+a.alpha*d
    if a.resetv: m.zero_()
    ep=(r+1) if a.local==0 else (r+1)*a.local/maxspe
    if r==rounds-1 or (a.local>0 and abs(ep-round(ep))<1e-9): print(f'round {r+1} epoch {ep:.2f} loss {lsum/max(ns,1):.4f} test {acc(x):.4f}',flush=True)
print(f'RESULT W={W} local={a.local} outer={a.outer} beta={beta:.3f} alpha={a.alpha} lr={lr0:.4g} warm={a.warm} rounds={rounds} test={acc(x):.4f} time={time.time()-t0:.1f}s')
