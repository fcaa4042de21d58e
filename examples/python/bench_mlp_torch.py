"""PyTorch reference for `examples/run bench-mlp`: the same Fashion-MNIST MLP (784-256-128-10, Adam lr 1e-3,
batch 128, shuffled), one epoch per call, at a given thread count. Prints one JSON line per epoch."""
import gzip, json, sys, time
import numpy as np
import torch

def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)

def blas_library():
    """The BLAS that torch's matmuls reach through Debian's libblas.so.3 alternative (the reference BLAS is ~20x slower)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "libblas" in line}
    return ", ".join(sorted(libs)) or "unknown"

def main():
    root, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    def load(split):
        x = torch.from_numpy(idx(f"{root}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
        x = ((x - 0.2860) / 0.3530).reshape(-1, 784)
        y = torch.from_numpy(idx(f"{root}/{split}-labels-idx1-ubyte.gz").astype(np.int64))
        return x, y
    (xt, yt), (xv, yv) = load("train"), load("t10k")
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = xt.shape[0]
    model(xt[:128])  # loads the BLAS, so it shows in the process's maps
    print(json.dumps({"blas": blas_library()}), flush=True)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, 128):
            idx_ = perm[i:i + 128]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx_]), yt[idx_])
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item()
        print(json.dumps({"epoch": epoch, "samples_per_s": n / seconds, "seconds": seconds, "test_accuracy": acc}), flush=True)

if __name__ == "__main__":
    main()
