"""The one thread policy (hubeval.core.threads)."""
from __future__ import annotations

import subprocess
import sys

import pytest

import hubeval as hb
from hubeval.core.errors import SpecError
from hubeval.core.threads import THREAD_ENV, apply_thread_policy


def _policy_in_child(env: dict) -> str:
    code = ("import hubeval as hb, numpy, threadpoolctl; p = hb.thread_policy(); "
            "blas = [i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']; "
            "print(p['threads'], p['source'], min(blas) if blas else 'none', sep='|')")
    clean = {k: v for k, v in __import__("os").environ.items() if k not in THREAD_ENV and k != "HUBEVAL_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_default_is_one_thread_for_every_entry_point():
    assert _policy_in_child({}) == "1|hubeval default (one thread)|1"


def test_hubeval_threads_sets_the_count():
    assert _policy_in_child({"HUBEVAL_THREADS": "2"}).startswith("2|HUBEVAL_THREADS|")


def test_user_thread_variables_are_respected():
    threads, source, _ = _policy_in_child({"OPENBLAS_NUM_THREADS": "2"}).split("|")
    assert threads == "None" and source == "environment (OPENBLAS_NUM_THREADS)"


def test_policy_sets_variables_for_later_libraries():
    environ: dict = {}
    apply_thread_policy(environ)
    assert environ == {name: "1" for name in THREAD_ENV}
    assert hb.thread_policy() == {"threads": 1, "source": "hubeval default (one thread)"}


def test_errors():
    with pytest.raises(SpecError) as err:
        apply_thread_policy({"HUBEVAL_THREADS": "many"})
    assert str(err.value) == ("`HUBEVAL_THREADS` must be a positive integer; got 'many'. Unset it for one "
                              "thread, or set e.g. HUBEVAL_THREADS=2.")
    with pytest.raises(SpecError) as err:
        hb.set_threads(0)
    assert str(err.value) == "`n` must be a positive integer number of threads; got 0."
    assert hb.set_threads(1) == 1


def test_policy_limits_a_blas_loaded_before_hubeval():
    code = ("import numpy, threadpoolctl, hubeval; "
            "print(min(i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'))")
    clean = {k: v for k, v in __import__("os").environ.items() if k not in THREAD_ENV and k != "HUBEVAL_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_import_hubeval_loads_no_numerical_stack():
    code = "import sys, hubeval; print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
