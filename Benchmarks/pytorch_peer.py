"""PyTorch peer of shift-benchmark: the same Fashion-MNIST MLP configurations on CPU.

Trains d2l's 784-256-10 (N(0, 0.01) init) and the wide 784-1024-1024-10 (Xavier init) with
SGD lr 0.1, batch 256, shuffled each epoch, from in-memory tensors (no DataLoader overhead),
and prints one JSON object: per configuration and thread count the fastest and median epoch.
"""
import argparse
import gzip
import json
import statistics
import time

import numpy as np
import torch
from torch import nn


def load(directory, split):
    with gzip.open(f"{directory}/{split}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{directory}/{split}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return torch.tensor(images, dtype=torch.float32) / 255, torch.tensor(labels, dtype=torch.long)


def network(sizes, init):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        linear = nn.Linear(a, b)
        if init == "normal":
            nn.init.normal_(linear.weight, std=0.01)
        else:
            nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--wide-epochs", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    x, y = load(args.data_dir, "train")
    x_test, y_test = load(args.data_dir, "t10k")
    results = []
    for name, sizes, init, epochs in [
        ("d2l", [784, 256, 10], "normal", args.epochs),
        ("wide", [784, 1024, 1024, 10], "xavier", args.wide_epochs),
    ]:
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            torch.manual_seed(1)
            net = network(sizes, init)
            optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
            loss = nn.CrossEntropyLoss()
            seconds = []
            for _ in range(epochs):
                start = time.perf_counter()
                order = torch.randperm(len(x))
                for i in range(0, len(x), 256):
                    batch = order[i:i + 256]
                    optimizer.zero_grad(set_to_none=True)
                    loss(net(x[batch]), y[batch]).backward()
                    optimizer.step()
                seconds.append(time.perf_counter() - start)
            with torch.no_grad():
                accuracy = (net(x_test).argmax(1) == y_test).float().mean().item()
            results.append({
                "name": name, "threads": threads, "fastestEpochSeconds": min(seconds),
                "medianEpochSeconds": statistics.median(seconds), "testAccuracy": accuracy,
            })
    print(json.dumps({"torch": torch.__version__, "configurations": results}))


if __name__ == "__main__":
    main()
