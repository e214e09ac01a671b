"""The transactions checks of recomart's default suite, as a vectorised pandas script.

The alternative issue 24 measures `recomart validate --dataset transactions` against: the script a
user of the brief writes, reading the raw partitions and the master files with pandas (one core)
and counting the same checks with the same semantics. It prints one JSON object: seconds, rows and
each check's failing count under recomart's check name, so that bench/run.mjs can require the
counts to be equal.

    python bench/validate_pandas.py <lake>    # in a venv with `pip install pandas`
"""

import glob
import json
import os
import sys
import time

import pandas as pd


def read(paths):
    # Every cell as text, an empty field as '' (recomart reads it as NULL: both are missing).
    return pd.concat(
        (pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False) for p in paths),
        ignore_index=True,
    )


def present(s):
    return s.str.strip() != ""


def main(lake):
    started = time.perf_counter()
    tx = read(sorted(glob.glob(os.path.join(lake, "raw_zone", "transactions", "*", "*.csv"))))
    customers = read([os.path.join(lake, "raw_zone", "recomart_raw_customers.csv")])
    catalog = read([os.path.join(lake, "raw_zone", "recomart_product_catalog.csv")])
    n = len(tx)
    counts = {}

    counts["schema(columns)"] = sum(
        c not in tx.columns for c in ["txn_id", "txn_date", "customer_id", "product_id", "quantity"]
    )
    date = pd.to_datetime(tx["txn_date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    counts["type(txn_date: DATE)"] = int((present(tx["txn_date"]) & date.isna()).sum())
    numbers = {c: pd.to_numeric(tx[c].str.strip(), errors="coerce") for c in ["quantity", "unit_price", "rating"]}
    q = numbers["quantity"]
    not_int = q.isna() | (q != q.round()) | (q.abs() > 2**31 - 1)
    counts["type(quantity: INTEGER)"] = int((present(tx["quantity"]) & not_int).sum())
    for c in ["unit_price", "rating"]:
        counts[f"type({c}: DOUBLE)"] = int((present(tx[c]) & numbers[c].isna()).sum())

    for c in ["txn_id", "txn_date", "customer_id", "product_id", "quantity"]:
        counts[f"missing({c})"] = int((~present(tx[c])).sum())

    counts["duplicates(row)"] = n - len(tx.drop_duplicates())
    key = ["txn_id", "product_id"]
    keyed = tx[(tx["txn_id"] != "") & (tx["product_id"] != "")]
    counts["duplicates(txn_id, product_id)"] = len(keyed.drop_duplicates()) - len(keyed[key].drop_duplicates())

    for c, lo, hi in [("quantity", 1, 1000), ("rating", 1, 5), ("unit_price", 0, None)]:
        v = numbers[c]
        within = v.notna() & (v >= lo) & ((v <= hi) if hi is not None else True)
        counts[f"range({c})"] = int((present(tx[c]) & ~within).sum())

    for c, target, name in [("customer_id", customers, "customers"), ("product_id", catalog, "catalog")]:
        keys = set(target[c].str.strip())
        orphan = present(tx[c]) & ~tx[c].str.strip().isin(keys)
        counts[f"references({c} → {name}.{c})"] = int(orphan.sum())

    print(json.dumps({"seconds": time.perf_counter() - started, "rows": n, "counts": counts}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/validate_pandas.py <lake>")
    main(sys.argv[1])
