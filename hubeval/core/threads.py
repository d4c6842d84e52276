"""One thread policy for the numerical libraries, whatever the entry point.

hubeval's numerical work is thin matrix products (firms x a few columns) repeated many times.
Threaded BLAS does not speed those up and, on a shared or loaded machine, makes them several
times slower (measured: a threaded 1-d ``np.dot`` took 760 us against 4 us single-threaded, and
``att_gt`` ran 4x slower in wall time in a notebook). So every entry point (notebooks, scripts,
the CLI, batch kernels) uses the same rule, applied once when :mod:`hubeval` is imported:

1. if the user set a thread variable (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
   ``MKL_NUM_THREADS``, ...), it is respected and hubeval changes nothing;
2. otherwise ``HUBEVAL_THREADS`` (an integer) sets the BLAS/OpenMP thread count;
3. otherwise one thread.

Under rules 2 and 3 the variables are also set in ``os.environ``, so libraries loaded later and
child processes (papermill kernels, Dask workers started from the session) follow the same rule.

The batch runner passes the same variables to each kernel it starts (``threads_per_kernel``),
so a kernel follows rule 1. :func:`set_threads` changes the count later in a session and
:func:`thread_policy` says what is in force and why.
"""
from __future__ import annotations

import os
import sys

from hubeval.core.errors import SpecError

__all__ = ["THREAD_ENV", "set_threads", "thread_policy", "apply_thread_policy"]

#: Environment variables of the numerical libraries' thread pools.
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")

_STATE: dict = {"threads": None, "source": "not applied"}


def _limit(n: int, environ=None) -> None:
    # Libraries loaded later (scipy's own OpenBLAS is loaded on first use) read the variables at
    # load time; those already loaded are limited now through threadpoolctl.
    environ = os.environ if environ is None else environ
    for name in THREAD_ENV:
        environ[name] = str(n)
    if "numpy" in sys.modules or "scipy" in sys.modules:  # a BLAS may be loaded already
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=n)


def set_threads(n: int) -> int:
    """Use ``n`` threads in the numerical libraries (BLAS, OpenMP) from now on.

    Parameters
    ----------
    n : int
        At least 1.

    Returns
    -------
    int
        ``n``.

    Raises
    ------
    SpecError
        ``n`` is not a positive integer.

    Examples
    --------
    >>> import hubeval as hb
    >>> hb.set_threads(1)
    1
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError(f"`n` must be a positive integer number of threads; got {n!r}.")
    _limit(n)
    _STATE.update(threads=n, source="set_threads()")
    return n


def apply_thread_policy(environ=None) -> dict:
    """Apply the rule of the module docstring (called once by ``import hubeval``)."""
    environ = os.environ if environ is None else environ
    user = [name for name in THREAD_ENV if environ.get(name)]
    if user:
        _STATE.update(threads=None, source=f"environment ({', '.join(user)})")
        return thread_policy()
    value = environ.get("HUBEVAL_THREADS")
    if value:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise SpecError(f"`HUBEVAL_THREADS` must be a positive integer; got {value!r}. Unset it "
                            "for one thread, or set e.g. HUBEVAL_THREADS=2.")
        _limit(n, environ)
        _STATE.update(threads=n, source="HUBEVAL_THREADS")
        return thread_policy()
    _limit(1, environ)
    _STATE.update(threads=1, source="hubeval default (one thread)")
    return thread_policy()


def thread_policy() -> dict:
    """What is in force: ``{"threads": n or None (left to the environment), "source": why}``."""
    return dict(_STATE)
