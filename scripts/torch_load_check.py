#!/usr/bin/env python3
"""Load a VaeSharp model folder into the equivalent PyTorch module and evaluate it.

    /usr/bin/python3 scripts/torch_load_check.py RUN_DIR [MNIST_DIR]

Checks that model.safetensors loads with load_state_dict(strict=True) into the module documented in
docs/MODEL-FILES.md, then runs it on the grey-level MNIST test images (Bernoulli decoder: E log p(x|z = mu) and the
closed-form KL) so a wrong layout shows up as nonsense figures. Needs Debian's python3-torch and python3-numpy.
"""
import gzip, json, os, struct, sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "VaeSharp.Tests", "IO", "Fixtures"))
from safetensors_check import read as read_safetensors  # pure-python reader (no safetensors package on Debian)


class Encoder(nn.Module):
    def __init__(self, d, hidden, j, act):
        super().__init__()
        widths = [d] + hidden
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.mu = nn.Linear(widths[-1], j)
        self.logvar = nn.Linear(widths[-1], j)
        self.act = act

    def forward(self, x):
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.mu(x), self.logvar(x)


class Decoder(nn.Module):
    def __init__(self, d, hidden, j, act, kind):
        super().__init__()
        widths = [j] + hidden[::-1]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        if kind == "bernoulli":
            self.logits = nn.Linear(widths[-1], d)
        else:
            self.mean = nn.Linear(widths[-1], d)      # Gaussian mean = sigmoid(mean(h))
            self.logvar = nn.Linear(widths[-1], d)
        self.act = act

    def forward(self, z):
        for layer in self.hidden:
            z = self.act(layer(z))
        if hasattr(self, "logits"):
            return self.logits(z)
        return torch.sigmoid(self.mean(z)), self.logvar(z)


class VAE(nn.Module):
    def __init__(self, arch):
        super().__init__()
        act = {"tanh": torch.tanh, "relu": torch.relu, "softplus": nn.functional.softplus, "sigmoid": torch.sigmoid}[arch["activation"]]
        self.encoder = Encoder(arch["input_size"], arch["hidden"], arch["latent"], act)
        self.decoder = Decoder(arch["input_size"], arch["hidden"], arch["latent"], act, arch["decoder"])


def main():
    run = sys.argv[1]
    mnist = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist")
    arch = json.load(open(os.path.join(run, "model.json")))["architecture"]
    model = VAE(arch)
    tensors, _ = read_safetensors(os.path.join(run, "model.safetensors"))
    state = {name: torch.from_numpy(np.array(t, dtype=np.float32)) for name, t in tensors.items()}
    missing = model.load_state_dict(state, strict=True)
    print(f"load_state_dict(strict=True): {missing}")
    with gzip.open(os.path.join(mnist, "t10k-images-idx3-ubyte.gz")) as f:
        magic, n, r, c = struct.unpack(">IIII", f.read(16))
        assert magic == 0x803
        x = torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8).reshape(n, r * c).astype(np.float32) / 255.0)
    with torch.no_grad():
        mu, logvar = model.encoder(x)
        logits = model.decoder(mu)
        rec = -nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    print(f"torch: E log p(x|z=mu) {rec.item():.4f}  KL {kl.item():.4f}  (grey-level MNIST test set, {n} images)")


if __name__ == "__main__":
    main()
