"""PyTorch reference for `examples/run bench-rnn`: LSTM(input, hidden, 1 layer), forward + backward of
output.sum() on a [T, batch, input] float32 sequence, best-of-reps seconds per sequence. One thread unless told.
Usage: bench_rnn_torch.py INPUT HIDDEN BATCH REPS T [T ...]. Prints one JSON line per T."""
import json, sys, time
import torch

def main():
    inp, hidden, batch, reps = (int(a) for a in sys.argv[1:5])
    lengths = [int(a) for a in sys.argv[5:]]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(inp, hidden)
    for steps in lengths:
        x = torch.randn(steps, batch, inp, requires_grad=True)
        times = []
        for r in range(reps + 2):  # the first two warm up
            lstm.zero_grad()
            start = time.perf_counter()
            lstm(x)[0].sum().backward()
            times.append(time.perf_counter() - start)
        print(json.dumps({"T": steps, "seconds": min(times[2:])}), flush=True)

if __name__ == "__main__":
    main()
