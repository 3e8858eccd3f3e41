"""An independent implementation of Keelson's drift binning and PSI, in numpy, for
psi-python.int-spec.ts. It is written from the conventions documented in libs/detection/src/drift
(not translated from the TypeScript), so agreement means the conventions are implemented as stated:

- numeric bins are right-closed: bin i holds (edges[i-1], edges[i]], i.e. numpy.searchsorted(...,
  side='left'); after the numeric bins comes one bin for missing or wrongly typed values;
- categorical bins are the listed categories in order, then `other`, then missing;
- quantile edges are numpy's inverted-CDF quantiles at k/bins, deduplicated, without the maximum;
- PSI = sum((a - e) * ln(a / e)) over shares; bins empty on both sides are left out; on each side
  a zero share becomes epsilon and the side is renormalised.

Reads {"cases": [...]} as JSON on stdin, writes {"results": [...]} as JSON on stdout.
"""

import json
import math
import re
import sys

import numpy as np

DECIMAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
# Sentinels, not strings: a category may well be called "missing".
MISSING = object()
INVALID = object()


def read_number(value):
    # bool first: in Python True is an int.
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else MISSING
    if isinstance(value, str):
        if value.strip() == "":
            return MISSING
        if not DECIMAL.match(value):
            return INVALID
        number = float(value)
        return number if math.isfinite(number) else MISSING
    return INVALID


def read_category(value):
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # JavaScript prints integral floats without ".0"; the cases use no other floats.
        if not math.isfinite(value):
            return MISSING
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return MISSING if value.strip() == "" else value
    return INVALID


def numeric_counts(edges, values):
    readings = [read_number(v) for v in values]
    finite = np.array([r for r in readings if isinstance(r, float)], dtype=np.float64)
    unusable = len(readings) - finite.size
    invalid = sum(1 for r in readings if r is INVALID)
    bins = np.searchsorted(np.asarray(edges, dtype=np.float64), finite, side="left")
    counts = np.bincount(bins, minlength=len(edges) + 1).tolist()
    return counts + [unusable], invalid


def category_counts(categories, values):
    index = {name: i for i, name in enumerate(categories)}
    counts = [0] * (len(categories) + 2)
    invalid = 0
    for value in values:
        category = read_category(value)
        if category is INVALID:
            invalid += 1
            counts[-1] += 1
        elif category is MISSING:
            counts[-1] += 1
        else:
            counts[index.get(category, len(categories))] += 1
    return counts, invalid


def quantile_edges(values, bins):
    finite = np.array(
        [r for r in (read_number(v) for v in values) if isinstance(r, float)], dtype=np.float64
    )
    if finite.size == 0:
        return []
    quantiles = np.quantile(finite, [k / bins for k in range(1, bins)], method="inverted_cdf")
    unique = np.unique(quantiles)
    return unique[unique < finite.max()].tolist()


def psi(expected, actual, epsilon):
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    keep = (e > 0) | (a > 0)
    e = e[keep] / e.sum()
    a = a[keep] / a.sum()
    e = smooth(e, epsilon)
    a = smooth(a, epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def smooth(shares, epsilon):
    if not np.any(shares == 0):
        return shares
    floored = np.where(shares == 0, epsilon, shares)
    return floored / floored.sum()


def run(case):
    result = {"name": case["name"]}
    epsilon = case.get("epsilon", 1e-4)
    if "expected" in case:
        result["psi"] = psi(case["expected"], case["actual"], epsilon)
    binning = case.get("binning")
    if binning:
        if binning["kind"] == "number":
            training, _ = numeric_counts(binning["edges"], binning["training"])
            live, invalid = numeric_counts(binning["edges"], binning["live"])
            if "bins" in binning:
                result["edges"] = quantile_edges(binning["training"], binning["bins"])
        else:
            training, _ = category_counts(binning["categories"], binning["training"])
            live, invalid = category_counts(binning["categories"], binning["live"])
        rows = len(binning["training"])
        result["trainingShares"] = [count / rows for count in training]
        result["liveCounts"] = live
        result["liveInvalid"] = invalid
        result["psiFromOwnBins"] = psi(result["trainingShares"], live, epsilon)
    return result


if __name__ == "__main__":
    cases = json.load(sys.stdin)["cases"]
    json.dump({"results": [run(case) for case in cases]}, sys.stdout)
