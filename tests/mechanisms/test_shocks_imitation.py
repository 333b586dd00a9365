"""Scandals (MODEL_BRIEF §4) and role-model imitation (§2.9)."""

import numpy as np

from trustsim.mechanisms import imitation, shocks


def state(n=1000, s=3):
    logits = np.zeros((n, s, 4), dtype=np.float32)
    heard = np.zeros((n, s), dtype=np.int8)
    heard[:, 2] = -1
    return logits, heard, np.zeros(n, dtype=np.float32)


def test_supplier_scandal_hits_only_that_supplier(rng):
    logits, heard, prior = state()
    shocks.scandal(rng, logits, heard, prior, 0, 1.5, 1.0)
    assert np.allclose(logits[:, 0], -1.5) and np.allclose(logits[:, 1:], 0) and np.allclose(prior, 0)


def test_sector_scandal_hits_every_known_supplier_and_the_benefit_of_the_doubt(rng):
    logits, heard, prior = state()
    hit = shocks.scandal(rng, logits, heard, prior, "all", 1.0, 0.5)
    assert abs(hit.mean() - 0.5) < 0.06
    assert np.allclose(logits[hit, :2], -1.0) and np.allclose(logits[~hit], 0)
    assert np.allclose(logits[:, 2], 0)  # unknown supplier: nothing to lose yet
    assert np.allclose(prior[hit], -1.0)


def test_imitation_moves_policy_towards_the_role_model():
    own = dict.fromkeys(imitation.IMITABLE, 0.0)
    model = dict.fromkeys(imitation.IMITABLE, 1.0)
    new = imitation.imitate(own, model, 0.25)
    assert all(v == 0.25 for v in new.values())
