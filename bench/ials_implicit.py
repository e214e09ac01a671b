"""The `implicit` library's CPU ALS on a feature-store user_item version, for the side-by-side
with recomart's ials (bench/ials.mjs): same matrix, confidence 1 + alpha * strength, factors,
regularization, iterations and conjugate-gradient solver, two threads.

    python3 -m venv .venv && .venv/bin/pip install implicit pyarrow pandas threadpoolctl
    .venv/bin/python bench/ials_implicit.py <lake>/feature_store/user_item/v=<N>/data.parquet
"""
import json
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import implicit

FACTORS, REGULARIZATION, ALPHA, ITERATIONS = 64, 0.05, 1.0, 15

table = pq.read_table(sys.argv[1], columns=["user_id", "item_id", "strength"]).to_pandas()
users = table.user_id.astype("category")
items = table.item_id.astype("category")
# implicit multiplies the values by its alpha: give it 1 + ALPHA * strength and alpha 1.
confidence = 1 + ALPHA * table.strength.to_numpy(dtype=np.float32)
matrix = sp.csr_matrix((confidence, (users.cat.codes, items.cat.codes)))
with threadpool_limits(1, "blas"):
    model = implicit.cpu.als.AlternatingLeastSquares(
        factors=FACTORS, regularization=REGULARIZATION, alpha=1.0, iterations=ITERATIONS,
        use_cg=True, num_threads=2, random_state=42, calculate_training_loss=False,
    )
    started = time.perf_counter()
    model.fit(matrix, show_progress=False)
    seconds = time.perf_counter() - started
print(json.dumps({"library": f"implicit {implicit.__version__}", "users": matrix.shape[0],
                  "items": matrix.shape[1], "nnz": int(matrix.nnz), "seconds": round(seconds, 2)}))
