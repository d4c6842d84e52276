"""TWFE standard errors do not depend on Python's string hash seed (run-to-run identity)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = str(Path(__file__).resolve().parents[2] / "data" / "example")
SCRIPT = f"EXAMPLE = {EXAMPLE!r}\n" + """
import json, warnings
import hubeval as hb
warnings.simplefilter("ignore")
panel = hb.load_panel(EXAMPLE + "/firms.csv", price_index=EXAMPLE + "/price_index.csv",
                      base_year=2015)
res = hb.twfe(panel, outcome="log_va_per_worker", event_study=True)
print(json.dumps(res.estimates["std_error"].fillna(0).tolist()))
"""


def _std_errors(hash_seed: str) -> np.ndarray:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         check=True)
    return np.array(json.loads(out.stdout.strip().splitlines()[-1]))


def test_standard_errors_agree_across_hash_seeds():
    # pyfixest's default demeaning tolerance (1e-8) left differences of 1e-11 to 1e-8
    first, second = _std_errors("1"), _std_errors("2")
    np.testing.assert_allclose(first, second, rtol=0, atol=1e-12)
