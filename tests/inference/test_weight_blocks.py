"""Bootstrap weights drawn in blocks of clusters: the same weights and products as one matrix."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import hubeval as hb
from hubeval.inference import weights as weights_module
from hubeval.inference.multiplier import bootstrap_influence
from hubeval.inference.weights import draw_weights, weighted_draws


@pytest.mark.parametrize("kind", ["rademacher", "mammen", "webb"])
@pytest.mark.parametrize("n_clusters, n_boot", [(1001, 7), (777, 33), (640, 3), (65, 1)])
def test_blocks_give_the_product_of_the_whole_matrix_and_leave_the_same_generator(kind, n_clusters,
                                                                                  n_boot):
    sums = np.random.default_rng(0).normal(size=(n_clusters, 3))
    whole_rng, block_rng = np.random.default_rng(5), np.random.default_rng(5)
    whole = draw_weights(kind, n_clusters, n_boot, whole_rng).T @ sums
    blocks = weighted_draws(kind, sums, n_boot, block_rng, max_block=64 * n_boot)  # 64-row blocks
    np.testing.assert_allclose(blocks, whole, rtol=0, atol=1e-12)
    # the random stream is consumed exactly as by one call: later draws are the same
    assert block_rng.bit_generator.state == whole_rng.bit_generator.state
    assert block_rng.random() == whole_rng.random()


def test_blocks_hold_the_same_weights_row_by_row():
    """With sums = identity the product is the weights matrix itself: every weight is equal."""
    n_clusters, n_boot = 200, 11
    for kind in ("rademacher", "mammen"):
        whole = draw_weights(kind, n_clusters, n_boot, np.random.default_rng(9))
        blocks = weighted_draws(kind, np.eye(n_clusters), n_boot, np.random.default_rng(9),
                                max_block=32 * n_boot)
        assert np.array_equal(blocks, whole.T)


def test_bootstrap_influence_in_blocks_equals_one_matrix(monkeypatch):
    sim = hb.simulate_panel(300, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
        agg = hb.aggregate(hb.att_gt(panel, outcome="y"), by="event_time")
    whole = bootstrap_influence(agg, n_boot=999, seed=1).estimates
    monkeypatch.setattr(weights_module, "MAX_BLOCK", 32 * 999)  # ten blocks of 32 firms
    blocks = bootstrap_influence(agg, n_boot=999, seed=1).estimates
    numeric = whole.columns.drop("term")
    np.testing.assert_allclose(blocks[numeric].to_numpy(float), whole[numeric].to_numpy(float),
                               rtol=1e-12, atol=1e-13)
