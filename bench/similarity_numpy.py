"""The numpy side of bench/similarity.sh: the same question as reco-bench similarity, asked of
numpy in-process. Loads the same .npy files, normalises rows, maps shop ids to rows with a dense
table (as Courier does), and per query computes the candidates' dot products with the keyword and
the top k with argpartition + argsort.

    python3 bench/similarity_numpy.py DATA_DIR [--queries N] [--candidates 1000] [--top-k 100] [--candidate-pool N]
"""
import argparse
import glob
import os
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--queries", type=int, default=20000)
parser.add_argument("--warmup", type=int, default=2000)
parser.add_argument("--candidates", type=int, default=1000)
parser.add_argument("--top-k", type=int, default=100)
parser.add_argument("--candidate-pool", type=int, default=0)
args = parser.parse_args()

part = sorted(p for p in glob.glob(os.path.join(args.data, "embeddings", "*")) if os.path.exists(os.path.join(p, "_SUCCESS")))[-1]
shops = np.load(os.path.join(part, "shops.npy"))
keywords = np.load(os.path.join(part, "keywords.npy"))
shop_ids = np.loadtxt(os.path.join(part, "shops.ids"), dtype=np.int64)
shops /= np.linalg.norm(shops, axis=1, keepdims=True)
keywords /= np.linalg.norm(keywords, axis=1, keepdims=True)
base = shop_ids.min()
row_of = np.full(shop_ids.max() - base + 1, -1, dtype=np.int64)
row_of[shop_ids - base] = np.arange(len(shop_ids))

rng = np.random.default_rng(1)
pool = args.candidate_pool or len(shop_ids)
total = args.warmup + args.queries
candidate_ids = shop_ids[rng.integers(0, pool, size=(total, args.candidates))]
query_rows = rng.integers(0, len(keywords), size=total)


def query(i):
    rows = row_of[candidate_ids[i] - base]
    scores = shops[rows] @ keywords[query_rows[i]]
    top = np.argpartition(-scores, args.top_k)[: args.top_k]
    return candidate_ids[i][top[np.argsort(-scores[top], kind="stable")]]


for i in range(args.warmup):
    query(i)
start = time.perf_counter()
for i in range(args.warmup, total):
    query(i)
elapsed = time.perf_counter() - start
print(f"numpy {np.__version__} in-process: {args.queries} queries in {elapsed:.3f} s = "
      f"{elapsed / args.queries * 1e6:.1f} us/query, {args.queries / elapsed:.0f} queries/s")
