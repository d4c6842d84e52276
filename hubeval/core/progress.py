"""Progress bars for the long steps (permutations, the credibility checks, several outcomes).

``tqdm.auto`` draws a widget in JupyterLab and a text bar elsewhere (papermill writes it to the
run log), so a cell that takes a minute says how far it is. Set the environment variable
``HUBEVAL_PROGRESS=0`` to turn the bars off (the batch runner's own progress lines stay).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress_bar"]

T = TypeVar("T")


def progress_bar(iterable: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
    """``iterable`` with a progress bar (cleared when done); a plain iterator when disabled."""
    if os.environ.get("HUBEVAL_PROGRESS", "1") == "0":
        return iter(iterable)
    from tqdm.auto import tqdm

    return iter(tqdm(iterable, total=total, desc=desc, leave=False, mininterval=0.5,
                     dynamic_ncols=True))
