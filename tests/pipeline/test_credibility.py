"""assess_credibility: inference panel, matched sample, sensitivity and power in one call."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import hubeval as hb
from hubeval.pipeline.credibility import sensitivity_inputs


@pytest.fixture(scope="module")
def credibility(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.assess_credibility(example_panel, outcome="log_va_per_worker",
                                     covariates=["posco_supplier", "metal"], anticipation=1,
                                     n_boot=199, n_permutations=99, seed=3)


def test_every_piece_is_there(credibility):
    assert credibility.inference is not None and credibility.matching is not None
    assert credibility.sensitivity is not None and credibility.power is not None
    terms = credibility.estimates["term"].tolist()
    assert terms[0] == "matched sample: ATT simple"
    assert terms[1] == "Rambachan-Roth breakdown M-bar (average effect)"
    assert any(t.startswith("MDE (one cohort") for t in terms)
    out = json.loads(json.dumps(credibility.to_dict()))
    # the per-firm matches are confidential: left out by field metadata; nested results in full
    assert set(out) == {"type", "estimates", "inference", "sensitivity", "power", "spec", "warnings"}
    assert out["inference"]["type"] == type(credibility.inference).__name__


def test_matched_sample_estimate_is_near_the_truth(credibility):
    truth = 0.056  # true simple ATT on the example data (truth.json), log points
    row = credibility.estimates.iloc[0]
    assert abs(row.estimate - truth) < 3 * row.std_error


def test_sensitivity_uses_the_average_post_effect_without_the_anticipation_window(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = hb.att_gt(example_panel, outcome="log_va_per_worker", control="not_yet_treated",
                       anticipation=1, base_period="universal")
        study = hb.aggregate(gt, by="event_time")
    beta, vcov, n_pre, n_post, l_vec = sensitivity_inputs(study, anticipation=1, max_lead=5)
    table = study.estimates
    assert n_pre == 3  # leads -5, -4, -3; -2 is the reference, -1 the anticipation window
    assert n_post == int((table.event_time >= 0).sum())
    np.testing.assert_allclose(beta[n_pre:], table.loc[table.event_time >= 0, "estimate"])
    assert l_vec.sum() == pytest.approx(1.0) and vcov.shape == (n_pre + n_post, n_pre + n_post)


def test_statements_explain_missing_pieces(credibility):
    assert credibility.power_statement == credibility.power.statement
    broken = type(credibility)(credibility.estimates, None, None, None, None, None, credibility.spec,
                               ("power not available: `sd` must be positive; got nan.",))
    assert broken.power_statement == "power not available: `sd` must be positive; got nan."
    assert broken.sensitivity_statement == "sensitivity not available."
