"""Network builders (MODEL_BRIEF §2.1 Verbinding): sizes, structure, seeding, edge lists."""

import networkx as nx
import numpy as np
import pytest

from trustsim.errors import ConfigError
from trustsim.network import build_network, read_edge_list

N = 4000


@pytest.mark.parametrize("kind", ["erdos_renyi", "small_world", "scale_free"])
def test_mean_degree_and_no_self_loops_or_duplicates(kind):
    net = build_network(kind, N, 10, np.random.default_rng(1))
    assert abs(net.degree.mean() - 10) < 0.3
    g = net.to_networkx()
    assert g.number_of_edges() == net.edges and nx.number_of_selfloops(g) == 0


@pytest.mark.parametrize("kind", ["erdos_renyi", "small_world", "scale_free"])
def test_same_generator_same_network(kind):
    a = build_network(kind, N, 8, np.random.default_rng(5))
    b = build_network(kind, N, 8, np.random.default_rng(5))
    c = build_network(kind, N, 8, np.random.default_rng(6))
    assert np.array_equal(a.indices, b.indices) and not np.array_equal(a.indices, c.indices)


def test_small_world_is_clustered_random_is_not_scale_free_has_hubs():
    rng = np.random.default_rng(2)
    sw = nx.average_clustering(build_network("small_world", 2000, 10, rng, rewire=0.05).to_networkx())
    er = nx.average_clustering(build_network("erdos_renyi", 2000, 10, rng).to_networkx())
    assert sw > 0.5 > 5 * er
    sf = build_network("scale_free", N, 10, rng).degree
    er_deg = build_network("erdos_renyi", N, 10, rng).degree
    assert sf.max() > 5 * er_deg.max()


def test_well_mixed_contacts_are_uniform():
    net = build_network("well_mixed", 1000, 10, np.random.default_rng(0))
    to = net.random_contacts(np.zeros(100_000, dtype=np.int64), np.random.default_rng(1))
    counts = np.bincount(to, minlength=1000)
    assert counts.min() > 50 and counts.max() < 160  # Poisson(100): 5 sd either side


def test_edge_list_reads_and_rejects_bad_lines(tmp_path):
    good = tmp_path / "ties.txt"
    good.write_text("# ties\n0 1\n1 2  # comment\n2,3\n")
    net = read_edge_list(good, 5)
    assert net.edges == 3 and net.degree.tolist() == [1, 2, 2, 1, 0]
    for text, needle in [
        ("0 9\n", "does not exist"),
        ("1 1\n", "self-loop"),
        ("0 x\n", "line 1"),
        ("# none\n", "no edges"),
    ]:
        bad = tmp_path / "bad.txt"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=needle):
            read_edge_list(bad, 5)
