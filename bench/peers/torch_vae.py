#!/usr/bin/python3
"""PyTorch peer of `vae train`: Kingma & Welling (2014), "Auto-Encoding Variational Bayes".

The model, objective and data pipeline mirror what VaeSharp's `vae train` does with
  --hidden 500 --latent 20 --activation tanh --decoder bernoulli --optimizer adam
  --lr 0.001 --batch 100 --binarize dynamic
so that samples/s and ELBO can be compared side by side (bench/compare.sh).

  encoder  q(z|x):  h = tanh(W1 x + b1) ;  mu = W2 h + b2 ;  log sigma^2 = W3 h + b3
  sampling (reparameterisation, paper eq. 10):  z = mu + exp(1/2 log sigma^2) * eps,  eps ~ N(0, I)
  decoder  p(x|z):  h' = tanh(W4 z + b4) ;  logits = W5 h' + b5   (Bernoulli, paper appendix C.1)
  ELBO per datapoint (paper eq. 10 / appendix B):
      L = E[log p(x|z)] - KL(q(z|x) || p(z))
      -KL = 1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2)
  loss = -(sum over the minibatch of L) / batch size   (gradient scale = per-datapoint mean)

Data: real MNIST from IDX .gz files, held in memory as float32 grey levels in [0, 1];
dynamic binarisation = a fresh Bernoulli(grey level) draw for every minibatch (torch.bernoulli).
Minibatches are drawn from a fresh permutation each epoch (no DataLoader). The last minibatch
is smaller when the batch size does not divide the training-set size.

Test ELBO: all 10,000 test images, ONE binarisation draw and ONE eps sample per image per epoch
(a single-sample Monte-Carlo estimate of the ELBO, the same estimator as the training figures).

Optimisers: Adam (lr --lr, default 1e-3, betas 0.9/0.999, eps 1e-8) or
Adagrad (torch.optim.Adagrad, lr --lr, lr_decay 0, initial_accumulator_value 0, eps 1e-10;
the paper used Adagrad with lr in {0.01, 0.02, 0.1}; pass --lr explicitly).
Weights: PyTorch's default nn.Linear init (Kaiming-uniform a=sqrt(5), i.e. U(+-1/sqrt(fan_in))).

The script refuses to run on the reference (netlib) BLAS, which is ~50x slower than OpenBLAS.
Run with Debian's python (/usr/bin/python3): the packages are python3-torch, python3-numpy,
libopenblas0-openmp.
"""
import argparse
import csv
import gzip
import os
import sys
import time

import numpy as np

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--data-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "..", "shared", "datasets", "mnist"))
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--hidden", default="500", help="comma-separated hidden widths, e.g. 500 or 200,200")
p.add_argument("--latent", type=int, default=20)
p.add_argument("--batch", type=int, default=100)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--optimizer", choices=["adam", "adagrad"], default="adam")
p.add_argument("--threads", type=int, default=None, help="intra-op threads (torch + OpenMP BLAS)")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--csv", default=None, help="write per-epoch metrics to this CSV path")
args = p.parse_args()

# Thread counts must be in the environment before torch / OpenBLAS initialise their pools.
if args.threads:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

if args.threads:
    torch.set_num_threads(args.threads)


def check_blas():
    """Refuse to run on the reference BLAS: which library is mapped after a matmul, and how fast is it."""
    a = torch.randn(1024, 1024)
    a @ a  # warm-up; also makes sure the BLAS library is loaded and mapped
    reps = 3
    t = time.perf_counter()
    for _ in range(reps):
        a @ a
    gflops = reps * 2 * 1024 ** 3 / (time.perf_counter() - t) / 1e9
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps")
                   if "blas" in line.split()[-1] or "mkl" in line.split()[-1]})
    openblas = [lib for lib in libs if "openblas" in lib or "mkl" in lib]
    reference = [lib for lib in libs if "/blas/libblas" in lib]
    if not openblas or reference or gflops < 20:
        sys.exit(f"torch_vae.py: refusing to run on the reference BLAS (1024^3 matmul = {gflops:.1f} GFLOP/s; "
                 f"mapped: {libs or 'none'}).\n  Fix: apt-get install libopenblas0-openmp, then check "
                 f"`update-alternatives --display libblas.so.3-x86_64-linux-gnu`.")
    if any("openblas-pthread" in lib for lib in libs):
        print("warning: pthread OpenBLAS is mapped; it oversubscribes cores under torch's OpenMP "
              "(prefer libopenblas0-openmp)", file=sys.stderr)
    return gflops, openblas


def read_idx_images(path):
    """IDX3 unsigned-byte images -> float32 [n, rows*cols] grey levels in [0, 1]."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 2051:
        sys.exit(f"{path}: bad IDX3 magic {magic} (expected 2051)")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16)
    if pixels.size != n * rows * cols:
        sys.exit(f"{path}: expected {n}x{rows}x{cols} pixels, found {pixels.size}")
    return torch.from_numpy(pixels.reshape(n, rows * cols).astype(np.float32) / 255.0)


def mlp(sizes):
    """Linear -> tanh -> Linear -> tanh ... (tanh after every layer)."""
    layers = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(i, o), nn.Tanh()]
    return nn.Sequential(*layers)


class VAE(nn.Module):
    def __init__(self, d, hidden, j):
        super().__init__()
        self.enc = mlp([d] + hidden)                  # h = tanh(W1 x + b1)
        self.mu = nn.Linear(hidden[-1], j)            # mu = W2 h + b2
        self.logvar = nn.Linear(hidden[-1], j)        # log sigma^2 = W3 h + b3
        self.dec = mlp([j] + hidden[::-1])            # h' = tanh(W4 z + b4)
        self.out = nn.Linear(hidden[0], d)            # Bernoulli logits = W5 h' + b5

    def forward(self, x):
        """Returns per-batch sums of E[log p(x|z)] (single sample) and KL(q(z|x)||p(z))."""
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)       # reparameterisation trick
        logits = self.out(self.dec(z))
        recon = -F.binary_cross_entropy_with_logits(logits, x, reduction="sum")   # log p(x|z)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())             # closed-form KL
        return recon, kl


def main():
    gflops, blas = check_blas()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    x_train = read_idx_images(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
    x_test = read_idx_images(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"))
    n, d = x_train.shape
    hidden = [int(h) for h in args.hidden.split(",")]
    model = VAE(d, hidden, args.latent)
    if args.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.Adagrad(model.parameters(), lr=args.lr, initial_accumulator_value=0, eps=1e-10)

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS {', '.join(blas)} "
          f"(1024^3 matmul {gflops:.0f} GFLOP/s); train {n}x{d}, test {x_test.shape[0]}; "
          f"hidden {hidden}, latent {args.latent}, batch {args.batch}, {args.optimizer} lr {args.lr}, "
          f"seed {args.seed}", flush=True)

    cols = ["epoch", "samples_seen", "train_elbo", "train_recon", "train_kl",
            "test_elbo", "test_recon", "test_kl", "epoch_seconds", "samples_per_second"]
    out = None
    if args.csv:
        os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
        out = open(args.csv, "w", newline="")
        writer = csv.writer(out)
        writer.writerow(cols)

    seen = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        recon_sum = kl_sum = 0.0
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, args.batch):
            x = torch.bernoulli(x_train[perm[s:s + args.batch]])    # dynamic binarisation
            recon, kl = model(x)
            loss = (kl - recon) / x.shape[0]                          # -ELBO, per-datapoint mean
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            recon_sum += recon.item()
            kl_sum += kl.item()
        secs = time.perf_counter() - t0
        seen += n

        model.eval()
        with torch.no_grad():  # one binarisation draw, one eps sample per test image
            t_recon, t_kl = model(torch.bernoulli(x_test))
        nt = x_test.shape[0]
        row = [epoch, seen, (recon_sum - kl_sum) / n, recon_sum / n, kl_sum / n,
               (t_recon.item() - t_kl.item()) / nt, t_recon.item() / nt, t_kl.item() / nt, secs, n / secs]
        print(f"epoch {epoch:3d}  train elbo {row[2]:9.3f} (recon {row[3]:9.3f} kl {row[4]:7.3f})  "
              f"test elbo {row[5]:9.3f}  {secs:7.2f} s  {row[9]:8.0f} samples/s", flush=True)
        if out:
            writer.writerow([epoch, seen] + [f"{v:.6f}" for v in row[2:]])
            out.flush()
    if out:
        out.close()


if __name__ == "__main__":
    main()
