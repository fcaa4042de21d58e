"""PyTorch reference for `examples/run bench-cuda` on the same GPU: float32 GEMM GFLOP/s (TF32 off, then on) per
size, and MLP training samples/s (784-256-128-10, Adam, batch 128, random data). One JSON line per figure."""
import json, sys, time
import torch

def timed(fn, seconds=0.5):
    fn(); torch.cuda.synchronize()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(); n += 1
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / n

def main():
    if not torch.cuda.is_available():
        print(json.dumps({"error": "torch has no CUDA device"})); return
    sizes = [int(a) for a in sys.argv[1:]] or [1024, 2048, 4096]
    dev = torch.device("cuda")
    for tf32 in (False, True):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        for n in sizes:
            a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
            t = timed(lambda: a @ b)
            print(json.dumps({"what": "gemm", "tf32": tf32, "n": n, "gflops": 2 * n ** 3 / t / 1e9}))
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x, y = torch.randn(128, 784, device=dev), torch.randint(0, 10, (128,), device=dev)
    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    t = timed(step, 2.0)
    print(json.dumps({"what": "mlp", "samples_per_s": 128 / t, "device": torch.cuda.get_device_name()}))

main()
