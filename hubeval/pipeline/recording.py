"""What an outcome notebook records for the batch and the memo, in one call.

:func:`record_outcome_results` writes, through :func:`hubeval.record`, every table the memo
reads from an outcome run, so each number is computed once (in the notebook) and read back by
the memo (:mod:`hubeval.store.readers`) rather than recomputed there:

* ``comparison`` -- the naive claim and the causal estimates of every outcome;
* ``event_study`` -- the Callaway-Sant'Anna event studies, stacked;
* ``event_study_vcov`` -- their joint covariance from the influence functions (long:
  ``outcome, event_time, event_time_other, covariance``), which the cost-benefit simulation
  needs to draw whole effect paths (:func:`event_study_covariances`);
* ``credibility``, ``inference_panel``, ``power``, ``sensitivity`` -- the credibility checks of the
  headline outcome (:func:`hubeval.assess_credibility`): its summary (matched sample,
  Rambachan-Roth breakdown value, minimum detectable effects), the inference panel, the power
  table and the Rambachan-Roth intervals. A check the data could not support is left out.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hubeval.store.records import record

__all__ = ["record_outcome_results", "event_study_covariances"]


def event_study_covariances(result) -> pd.DataFrame:
    """The event studies' covariance matrices of an :class:`EvaluationResult`, as one long table.

    One row per outcome and pair of event times: ``outcome, term, event_time, event_time_other,
    covariance``; ``term`` is ``"vcov"``. The matrices are the studies' ``vcov`` (from the
    influence functions), so the diagonal is the squared standard error of each event time.
    """
    frames = []
    for evaluation in result.evaluations:
        vcov = evaluation.event_study.vcov
        long = vcov.rename_axis(index="event_time", columns="event_time_other").stack()
        frames.append(long.rename("covariance").reset_index().assign(
            outcome=evaluation.outcome, term="vcov"))
    columns = ["outcome", "term", "event_time", "event_time_other", "covariance"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def record_outcome_results(result, credibility=None, *, out_dir: str | Path | None = None) -> list[str]:
    """Record an outcome run's results for the batch's results store and the memo.

    Parameters
    ----------
    result : EvaluationResult
        From :func:`hubeval.evaluate_outcomes`.
    credibility : CredibilityResult, optional
        From :func:`hubeval.assess_credibility` on the headline outcome.
    out_dir : str or Path, optional
        The notebook's output folder (as for :func:`hubeval.record`).

    Returns
    -------
    list of str
        The names recorded, in order.
    """
    tables = {"comparison": (result, None), "event_study": (result.event_studies(), None),
              "event_study_vcov": (event_study_covariances(result), None)}
    if credibility is not None:
        outcome = credibility.spec["outcome"]
        tables["credibility"] = (credibility, outcome)
        for name in ("inference", "power", "sensitivity"):
            part = getattr(credibility, name)
            if part is not None:
                tables["inference_panel" if name == "inference" else name] = (part, outcome)
    for name, (table, outcome) in tables.items():
        record(name, table, out_dir=out_dir, outcome=outcome)
    return list(tables)
