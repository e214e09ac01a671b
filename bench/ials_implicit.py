"""The `implicit` library's CPU ALS on a feature-store user_item version, for the side-by-side
with recomart's ials (bench/ials_compare.mjs runs both): same matrix, confidence
1 + alpha * strength, factors, regularization, iterations and conjugate-gradient solver, two
threads. Writes the factors (float32, row-major) and their ids to <out>.{users,items}.{f32,txt}.

    python3 -m venv bench/venv && bench/venv/bin/pip install implicit pyarrow pandas threadpoolctl
    bench/venv/bin/python bench/ials_implicit.py <user_item data.parquet> <out prefix> \\
        <factors> <regularization> <alpha> <iterations>
"""
import json
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import implicit

source, out = sys.argv[1], sys.argv[2]
factors, regularization, alpha, iterations = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])

table = pq.read_table(source, columns=["user_id", "item_id", "strength"]).to_pandas()
users = table.user_id.astype("category")
items = table.item_id.astype("category")
# implicit multiplies the values by its alpha: give it 1 + alpha * strength and alpha 1.
confidence = 1 + alpha * table.strength.to_numpy(dtype=np.float32)
matrix = sp.csr_matrix((confidence, (users.cat.codes, items.cat.codes)))
with threadpool_limits(1, "blas"):
    model = implicit.cpu.als.AlternatingLeastSquares(
        factors=factors, regularization=regularization, alpha=1.0, iterations=iterations,
        use_cg=True, num_threads=2, random_state=42, calculate_training_loss=False,
    )
    started = time.perf_counter()
    model.fit(matrix, show_progress=False)
    seconds = time.perf_counter() - started
np.asarray(model.user_factors, dtype=np.float32).tofile(out + ".users.f32")
np.asarray(model.item_factors, dtype=np.float32).tofile(out + ".items.f32")
with open(out + ".users.txt", "w") as f:
    f.write("\n".join(users.cat.categories))
with open(out + ".items.txt", "w") as f:
    f.write("\n".join(items.cat.categories))
print(json.dumps({"library": f"implicit {implicit.__version__}", "users": matrix.shape[0],
                  "items": matrix.shape[1], "nnz": int(matrix.nnz), "seconds": round(seconds, 2)}))
