"""The social network customers talk on, as a compressed (CSR) adjacency.

Models: Verbinding — no tie, no trust (MODEL_BRIEF §2.1); word of mouth travels along ties
(Goldenberg, Libai & Muller 2001). Builders are vectorised numpy versions of the classic
generators so that a million customers take seconds, and every draw comes from the run's
seeded generator. ``Network.to_networkx`` gives a networkx graph for analysis and drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from trustsim.errors import ConfigError


@dataclass(frozen=True)
class Network:
    """Undirected network over customers 0..n-1; `indptr`/`indices` are None when well mixed.

    Attributes:
        n: number of customers.
        indptr: CSR row pointers (n + 1,), int64.
        indices: CSR neighbour ids, int32, each undirected tie stored in both directions.
        kind: the builder used.
    """

    n: int
    indptr: np.ndarray | None
    indices: np.ndarray | None
    kind: str = "well_mixed"

    @property
    def well_mixed(self) -> bool:
        """True when there are no ties and contacts are uniformly random (mean field)."""
        return self.indptr is None

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each customer."""
        if self.indptr is None:
            return np.full(self.n, self.n - 1, dtype=np.int64)
        return np.diff(self.indptr)

    @property
    def edges(self) -> int:
        """Number of undirected ties."""
        return 0 if self.indices is None else len(self.indices) // 2

    def random_contacts(self, senders: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly random contact for each entry of `senders` (-1 for an isolated sender).

        On a well-mixed population the contact is any member of the population, as in Bass.
        """
        if self.indptr is None:
            return rng.integers(0, self.n, size=len(senders), dtype=np.int64)
        assert self.indices is not None  # indptr and indices are None together
        start = self.indptr[senders]
        deg = self.indptr[senders + 1] - start
        pick = (rng.random(len(senders)) * deg).astype(np.int64)
        out = np.where(deg > 0, self.indices[np.minimum(start + pick, len(self.indices) - 1)], -1)
        return out.astype(np.int64)

    def to_networkx(self, nodes: np.ndarray | None = None) -> nx.Graph:
        """The network (or the subgraph induced by `nodes`) as a networkx Graph."""
        g = nx.Graph()
        keep = np.arange(self.n) if nodes is None else np.asarray(nodes)
        g.add_nodes_from(keep.tolist())
        if self.indptr is None:
            return g
        assert self.indices is not None  # indptr and indices are None together
        mask = np.zeros(self.n, dtype=bool)
        mask[keep] = True
        src = np.repeat(np.arange(self.n), np.diff(self.indptr))
        sel = mask[src] & mask[self.indices] & (src < self.indices)
        g.add_edges_from(zip(src[sel].tolist(), self.indices[sel].tolist(), strict=True))
        return g


def from_edges(n: int, u: np.ndarray, v: np.ndarray, kind: str) -> Network:
    """Build a CSR network from undirected edge arrays, dropping self-loops and duplicates."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    # sort + neighbour comparison: the same as np.unique, whose numpy 2.x implementation is
    # 20x slower here (7.7 s instead of 0.3 s for a million customers' ties)
    key = np.sort(lo * n + hi)
    key = key[np.concatenate(([True], key[1:] != key[:-1]))] if len(key) else key
    lo, hi = key // n, key % n
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Network(n=n, indptr=indptr, indices=dst[order].astype(np.int32), kind=kind)


def erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator) -> Network:
    """G(n, m) random graph with m = n * mean_degree / 2 ties (Erdős & Rényi 1959)."""
    m = round(n * mean_degree / 2)
    # Draw a little extra to make up for self-loops and duplicates removed afterwards.
    extra = int(m * (mean_degree / max(n - 1, 1))) + 16
    u = rng.integers(0, n, size=m + extra)
    v = rng.integers(0, n, size=m + extra)
    net = from_edges(n, u, v, "erdos_renyi")
    return net if net.edges <= m else _thin(net, m, rng)


def _thin(net: Network, m: int, rng: np.random.Generator) -> Network:
    assert net.indptr is not None and net.indices is not None  # built from edges, never well mixed
    src = np.repeat(np.arange(net.n), np.diff(net.indptr))
    sel = src < net.indices
    u, v = src[sel], net.indices[sel]
    keep = rng.choice(len(u), size=m, replace=False)
    return from_edges(net.n, u[keep], v[keep], net.kind)


def small_world(n: int, mean_degree: float, rewire: float, rng: np.random.Generator) -> Network:
    """Watts–Strogatz small world: a ring where each customer knows k/2 on each side, rewired.

    Each ring tie (u, u+j) is, with probability `rewire`, moved to (u, w) for a uniform w
    (Watts & Strogatz 1998). Clustering is high for small `rewire`; paths are short.
    """
    half = max(1, round(mean_degree / 2))
    half = min(half, (n - 1) // 2) or 1
    u = np.repeat(np.arange(n, dtype=np.int64), half)
    v = (u + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    moved = rng.random(len(u)) < rewire
    v[moved] = rng.integers(0, n, size=int(moved.sum()))
    return from_edges(n, u, v, "small_world")


def scale_free(n: int, mean_degree: float, rng: np.random.Generator) -> Network:
    """Barabási–Albert preferential attachment, m = mean_degree / 2 ties per newcomer.

    Vectorised Batagelj–Brandes (2005): every newcomer's tie copies the endpoint at a uniformly
    random earlier position of the edge list, which selects nodes in proportion to degree.
    """
    m = max(1, round(mean_degree / 2))
    e = n * m
    source = np.arange(e, dtype=np.int64) // m
    # Position 2k holds the source of edge k, 2k+1 its target; target k copies position r < 2k+1.
    ref = (rng.random(e) * (2 * np.arange(e, dtype=np.int64) + 1)).astype(np.int64)
    draws = ref.copy()
    odd = ref % 2 == 1
    while odd.any():
        ref[odd] = draws[(ref[odd] - 1) // 2]
        odd = ref % 2 == 1
    target = (ref // 2) // m
    return from_edges(n, source, target, "scale_free")


EDGE_LIST_LIMIT = 100_000_000
"""Largest edge list read, in bytes (about 7 million ties); bigger networks use a generated kind."""


def read_edge_list(path: Path, n: int) -> Network:
    """Read a user's edge list: 'u v' per line, 0-based ids below n, '#' starts a comment.

    The file gets the checks of every input file (:func:`trustsim.io.read_user_text`: a
    regular file, at most :data:`EDGE_LIST_LIMIT` bytes, UTF-8, no NUL bytes); messages quote
    at most a short excerpt of a bad line.

    Raises:
        ConfigError: naming the file and line of the first bad line.
    """
    from trustsim.errors import excerpt
    from trustsim.io import read_user_text

    text = read_user_text(path, "edge list (network.path)", EDGE_LIST_LIMIT)
    us: list[int] = []
    vs: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace(",", " ").split()
        if len(parts) != 2 or not all(p.lstrip("-").isdigit() and p.isascii() for p in parts):
            raise ConfigError(
                f"{path}, line {lineno}: {excerpt(raw.strip())} is not an edge; expected two customer "
                f"ids 'u v' (integers 0..{n - 1})."
            )
        a, b = int(parts[0]), int(parts[1])
        for node in (a, b):
            if not 0 <= node < n:
                raise ConfigError(
                    f"{path}, line {lineno}: customer {excerpt(node)} does not exist; ids must be "
                    f"0..{n - 1} (market.customers = {n})."
                )
        if a == b:
            raise ConfigError(f"{path}, line {lineno}: self-loop {a}-{b}; a customer is not their own tie.")
        us.append(a)
        vs.append(b)
    if not us:
        raise ConfigError(f"{path}: the edge list has no edges.")
    return from_edges(n, np.array(us), np.array(vs), "edge_list")


def build_network(
    kind: str,
    n: int,
    mean_degree: float,
    rng: np.random.Generator,
    rewire: float = 0.1,
    path: Path | None = None,
) -> Network:
    """Build the network named by `network.kind` with the run's generator."""
    if kind == "well_mixed":
        return Network(n=n, indptr=None, indices=None, kind=kind)
    if kind == "erdos_renyi":
        return erdos_renyi(n, mean_degree, rng)
    if kind == "small_world":
        return small_world(n, mean_degree, rewire, rng)
    if kind == "scale_free":
        return scale_free(n, mean_degree, rng)
    if kind == "edge_list":
        if path is None:
            raise ConfigError("network.kind = 'edge_list' needs network.path")
        return read_edge_list(path, n)
    raise ConfigError(
        f"network.kind = {kind!r} is not one of well_mixed, erdos_renyi, small_world, scale_free, edge_list"
    )
