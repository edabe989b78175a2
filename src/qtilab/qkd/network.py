"""A QKD network: nodes, QKD links that fill key pools, trusted-node relay, and a time simulation.

Each link between two nodes runs a point-to-point QKD system; it fills a *key pool* shared by
its two ends at ``pulse_rate_hz * decoy_bb84_key_rate(distance_km, params)`` secret bits per
second (:mod:`qtilab.qkd.theory`). Two nodes that share no link get an end-to-end key by
**trusted-node relay**: the key ``K`` travels along a path ``n0 - n1 - ... - nk``; on every hop
``n(i) -> n(i+1)`` it is one-time-pad encrypted with fresh key of that link's pool
(``c_i = K XOR k_i``) and decrypted by the next node, so every intermediate node sees ``K``
(it must be trusted) and each hop consumes ``len(K)`` bits of its link's pool.

:class:`QKDNetwork` holds the graph (``networkx``); :func:`simulate_network` runs a discrete
time simulation with Poisson key requests between node pairs, routing each request over the
fewest-hop path whose links all hold enough key, and records pool levels and requests served
and refused; :func:`plot_network_simulation` draws it.

Examples
--------
>>> net = QKDNetwork()
>>> ab = net.add_link("A", "B", distance_km=20.0, pulse_rate_hz=1e9)
>>> bc = net.add_link("B", "C", distance_km=30.0, pulse_rate_hz=1e9)
>>> 1e5 < net.link("A", "B").rate_bps < 1e7          # bit/s from the decoy-BB84 formula
True
>>> cfg = NetworkSimConfig(duration_s=2.0, dt_s=0.01,
...                        demands=[Demand("A", "C", rate_per_s=50.0, key_bits=256)], seed=1)
>>> res = simulate_network(net, cfg)
>>> res.served[0] + res.refused[0] == res.requested[0]
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.errors import ConfigError

__all__ = [
    "Demand",
    "Link",
    "NetworkSimConfig",
    "NetworkSimResult",
    "QKDNetwork",
    "RelayResult",
    "plot_network_simulation",
    "simulate_network",
]


def _nx() -> Any:
    return require("networkx", extra="server")


@dataclass
class Link:
    """One QKD link: its secret-key rate and the key pool it fills (shared by both ends).

    Attributes
    ----------
    a, b:
        The two node names.
    rate_bps:
        Secret-key rate in bit/s (``pulse_rate_hz * key bits per pulse``).
    capacity_bits:
        Pool size; key produced while the pool is full is discarded.
    level_bits:
        Key currently stored (bits, a float in the time simulation).
    material:
        Actual key bytes, used by :meth:`QKDNetwork.relay_key` (filled by
        :meth:`QKDNetwork.fill_material`); both ends hold the same bytes.
    """

    a: str
    b: str
    rate_bps: float
    capacity_bits: float
    distance_km: float | None = None
    level_bits: float = 0.0
    material: bytearray = field(default_factory=bytearray, repr=False)

    def take(self, nbytes: int) -> bytes:
        """Remove and return the oldest ``nbytes`` of key material (FIFO, both ends agree)."""
        if nbytes > len(self.material):
            raise ConfigError(
                f"link {self.a}-{self.b} holds {len(self.material)} bytes of key, {nbytes} needed; "
                "fill it first (fill_material) or relay a shorter key"
            )
        out = bytes(self.material[:nbytes])
        # erase consumed key: a one-time pad is used once
        del self.material[:nbytes]
        self.level_bits = max(0.0, self.level_bits - 8 * nbytes)
        return out


@dataclass(frozen=True)
class RelayResult:
    """What :meth:`QKDNetwork.relay_key` did: the path, the per-hop ciphertexts and the key."""

    path: list[str]
    ciphertexts: list[bytes]
    key: bytes


class QKDNetwork:
    """Nodes and QKD links (an undirected ``networkx.Graph`` with a :class:`Link` per edge)."""

    def __init__(self) -> None:
        nx = _nx()
        self.graph = nx.Graph()

    # ---------------------------------------------------------------- building
    def add_node(self, name: str) -> None:
        """Add a trusted node (a key-management site)."""
        if not isinstance(name, str) or not name:
            raise ConfigError(f"a node name must be a non-empty string, got {name!r}")
        self.graph.add_node(name)

    def add_link(
        self,
        a: str,
        b: str,
        *,
        distance_km: float | None = None,
        params: Any = "gys",
        pulse_rate_hz: float | None = None,
        mu: float | None = None,
        rate_bps: float | None = None,
        capacity_bits: float = 1e6,
        initial_bits: float = 0.0,
    ) -> Link:
        """Add a QKD link between nodes ``a`` and ``b`` (created if new).

        Either give ``distance_km`` (the rate is then ``pulse_rate_hz`` times the decoy-state
        BB84 key rate per pulse of :func:`qtilab.qkd.theory.decoy_bb84_key_rate` with
        ``params``; ``pulse_rate_hz`` defaults to the parameter set's repetition rate) or a
        measured ``rate_bps`` directly.
        """
        if a == b:
            raise ConfigError(f"a link needs two different nodes, got {a!r} twice")
        if rate_bps is None:
            if distance_km is None:
                raise ConfigError(f"link {a}-{b}: give distance_km (rate from theory) or rate_bps")
            from qtilab.qkd.theory import decoy_bb84_key_rate, get_params

            p = get_params(params)
            if not math.isfinite(distance_km) or distance_km < 0:
                raise ConfigError(f"link {a}-{b}: distance_km must be >= 0, got {distance_km!r}")
            pr = float(p.repetition_rate_hz if pulse_rate_hz is None else pulse_rate_hz)
            if not math.isfinite(pr) or pr <= 0:
                raise ConfigError(f"link {a}-{b}: pulse_rate_hz must be > 0, got {pulse_rate_hz!r}")
            rate_bps = pr * float(decoy_bb84_key_rate(distance_km, p, mu=mu))
        if not math.isfinite(rate_bps) or rate_bps < 0:
            raise ConfigError(f"link {a}-{b}: rate_bps must be >= 0, got {rate_bps!r}")
        if not math.isfinite(capacity_bits) or capacity_bits <= 0:
            raise ConfigError(f"link {a}-{b}: capacity_bits must be > 0, got {capacity_bits!r}")
        if not 0 <= initial_bits <= capacity_bits:
            raise ConfigError(f"link {a}-{b}: initial_bits must lie in [0, capacity_bits]")
        self.add_node(a)
        self.add_node(b)
        link = Link(a, b, float(rate_bps), float(capacity_bits), distance_km, float(initial_bits))
        self.graph.add_edge(a, b, link=link)
        return link

    @property
    def nodes(self) -> list[str]:
        return list(self.graph.nodes)

    @property
    def links(self) -> list[Link]:
        return [d["link"] for _, _, d in self.graph.edges(data=True)]

    def link(self, a: str, b: str) -> Link:
        """The link between ``a`` and ``b``."""
        if not self.graph.has_edge(a, b):
            raise ConfigError(f"there is no QKD link between {a!r} and {b!r}")
        link: Link = self.graph.edges[a, b]["link"]
        return link

    # ---------------------------------------------------------------- routing
    def find_path(self, src: str, dst: str, key_bits: float) -> list[str] | None:
        """The fewest-hop path from ``src`` to ``dst`` whose every link holds ``key_bits``.

        Among equally short paths the one with the largest bottleneck pool is chosen (so the
        load spreads). Returns ``None`` when no path has enough stored key.
        """
        nx = _nx()
        for n in (src, dst):
            if n not in self.graph:
                raise ConfigError(f"unknown node {n!r}; nodes are {sorted(self.graph.nodes)}")
        if src == dst:
            raise ConfigError(f"source and destination are both {src!r}")
        view = nx.subgraph_view(
            self.graph, filter_edge=lambda u, v: self.graph.edges[u, v]["link"].level_bits >= key_bits
        )
        try:
            paths = nx.all_shortest_paths(view, src, dst)
            best = max(paths, key=lambda p: (min(self.link(u, v).level_bits for u, v in zip(p, p[1:])), p))
        except nx.NetworkXNoPath:
            return None
        return list(best)

    # ---------------------------------------------------------------- key material
    def fill_material(self, seconds: float, rng: np.random.Generator | int | None = None) -> None:
        """Let every link produce ``rate_bps * seconds`` bits of (random) key, up to capacity.

        The bytes stand in for the output of the link's QKD post-processing; both ends of a
        link hold the same bytes.
        """
        g = np.random.default_rng(rng)
        for link in self.links:
            room = int(link.capacity_bits // 8) - len(link.material)
            n = min(room, int(link.rate_bps * seconds // 8))
            if n > 0:
                link.material += g.bytes(n)
            link.level_bits = 8.0 * len(link.material)

    def relay_key(self, path: Sequence[str], key: bytes) -> RelayResult:
        """Carry ``key`` along ``path`` by one-time-pad forwarding, hop by hop.

        On hop ``i`` node ``path[i]`` sends ``c_i = K XOR k_i`` where ``k_i`` is the next
        ``len(K)`` bytes of that link's pool; ``path[i+1]`` recovers ``K = c_i XOR k_i``.
        The pads are erased after use. Raises :class:`ConfigError` if a link lacks key
        (nothing is consumed then).
        """
        if len(path) < 2:
            raise ConfigError(f"a relay path needs at least two nodes, got {list(path)!r}")
        hops = [self.link(u, v) for u, v in zip(path, path[1:])]
        for link in hops:
            if len(link.material) < len(key):
                raise ConfigError(
                    f"link {link.a}-{link.b} holds {len(link.material)} bytes, {len(key)} needed"
                )
        k = np.frombuffer(key, dtype=np.uint8)
        ciphertexts: list[bytes] = []
        carried = k
        for link in hops:
            pad = np.frombuffer(link.take(len(key)), dtype=np.uint8)
            c = np.bitwise_xor(carried, pad)  # sent over the classical channel
            ciphertexts.append(c.tobytes())
            carried = np.bitwise_xor(c, pad)  # decrypted by the next (trusted) node
        return RelayResult(list(path), ciphertexts, carried.tobytes())


# --------------------------------------------------------------------- time simulation
@dataclass(frozen=True)
class Demand:
    """Applications at ``src`` asking for keys shared with ``dst``: Poisson arrivals."""

    src: str
    dst: str
    rate_per_s: float
    key_bits: int = 256


@dataclass(frozen=True)
class NetworkSimConfig:
    """Configuration of :func:`simulate_network`.

    Parameters
    ----------
    duration_s, dt_s:
        Simulated time and time step (pools fill, then that step's requests are served).
    demands:
        The request streams.
    seed:
        Seed of the request arrivals.
    record_every:
        Record pool levels every this many steps.
    """

    duration_s: float = 60.0
    dt_s: float = 0.1
    demands: Sequence[Demand] = ()
    seed: int | None = None
    record_every: int = 1


@dataclass
class NetworkSimResult:
    """Pool levels over time and per-demand request counts."""

    times: np.ndarray
    link_names: list[str]
    levels: np.ndarray  # (n_records, n_links) bits
    demands: list[Demand]
    requested: list[int]
    served: list[int]
    refused: list[int]
    hops_histogram: dict[int, int]
    served_over_time: np.ndarray  # (n_records, n_demands) cumulative
    refused_over_time: np.ndarray

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "demand": f"{d.src}->{d.dst}",
                "rate_per_s": d.rate_per_s,
                "key_bits": d.key_bits,
                "requested": r,
                "served": s,
                "refused": f,
                "served_fraction": (s / r) if r else float("nan"),
            }
            for d, r, s, f in zip(self.demands, self.requested, self.served, self.refused)
        ]


def simulate_network(network: QKDNetwork, config: NetworkSimConfig) -> NetworkSimResult:
    """Run the network in time: pools fill at their link rates; requests consume key.

    Each step of ``dt_s``: every pool gains ``rate_bps * dt_s`` bits (up to capacity); then
    each demand draws a Poisson number of requests; each request takes the path returned by
    :meth:`QKDNetwork.find_path` and removes ``key_bits`` from every link on it (served), or
    is refused when no path holds enough key. Requests of different demands are interleaved
    in a random order within the step. The network's pool levels are changed in place.
    """
    if not (math.isfinite(config.duration_s) and config.duration_s > 0):
        raise ConfigError(f"duration_s must be > 0, got {config.duration_s!r}")
    if not (math.isfinite(config.dt_s) and 0 < config.dt_s <= config.duration_s):
        raise ConfigError(f"dt_s must be in (0, duration_s], got {config.dt_s!r}")
    if config.record_every < 1:
        raise ConfigError("record_every must be >= 1")
    demands = list(config.demands)
    for d in demands:
        for n in (d.src, d.dst):
            if n not in network.graph:
                raise ConfigError(f"demand {d.src}->{d.dst}: unknown node {n!r}")
        if d.rate_per_s < 0 or d.key_bits <= 0:
            raise ConfigError(f"demand {d.src}->{d.dst}: rate_per_s must be >= 0 and key_bits > 0")
    rng = np.random.default_rng(config.seed)
    links = network.links
    n_steps = int(round(config.duration_s / config.dt_s))
    requested = [0] * len(demands)
    served = [0] * len(demands)
    refused = [0] * len(demands)
    hops: dict[int, int] = {}
    times, levels, s_t, r_t = [], [], [], []
    for step in range(1, n_steps + 1):
        for link in links:
            link.level_bits = min(link.capacity_bits, link.level_bits + link.rate_bps * config.dt_s)
        counts = rng.poisson([d.rate_per_s * config.dt_s for d in demands]) if demands else np.zeros(0, dtype=int)
        order = np.repeat(np.arange(len(demands)), counts)
        rng.shuffle(order)
        for i in order:
            d = demands[int(i)]
            requested[i] += 1
            path = network.find_path(d.src, d.dst, d.key_bits)
            if path is None:
                refused[i] += 1
                continue
            for u, v in zip(path, path[1:]):
                network.link(u, v).level_bits -= d.key_bits
            served[i] += 1
            hops[len(path) - 1] = hops.get(len(path) - 1, 0) + 1
        if step % config.record_every == 0 or step == n_steps:
            times.append(step * config.dt_s)
            levels.append([link.level_bits for link in links])
            s_t.append(list(served))
            r_t.append(list(refused))
    return NetworkSimResult(
        times=np.asarray(times),
        link_names=[f"{link.a}-{link.b}" for link in links],
        levels=np.asarray(levels, dtype=float).reshape(len(times), len(links)),
        demands=demands,
        requested=requested,
        served=served,
        refused=refused,
        hops_histogram=dict(sorted(hops.items())),
        served_over_time=np.asarray(s_t, dtype=int).reshape(len(times), len(demands)),
        refused_over_time=np.asarray(r_t, dtype=int).reshape(len(times), len(demands)),
    )


def plot_network_simulation(result: NetworkSimResult, fig: Any) -> Any:
    """Draw pool levels (top) and cumulative served/refused requests (bottom) into ``fig``."""
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    for j, name in enumerate(result.link_names):
        ax1.plot(result.times, result.levels[:, j] / 1e3, label=name)
    ax1.set_ylabel("pool level (kbit)")
    ax1.legend(fontsize=7, ncol=2)
    ax1.set_title("QKD network: key pools and requests")
    for j, d in enumerate(result.demands):
        (line,) = ax2.plot(result.times, result.served_over_time[:, j], label=f"{d.src}->{d.dst} served")
        ax2.plot(
            result.times, result.refused_over_time[:, j], "--", color=line.get_color(),
            label=f"{d.src}->{d.dst} refused",
        )
    ax2.set_xlabel("time (s)")
    ax2.set_ylabel("requests (cumulative)")
    ax2.legend(fontsize=7, ncol=2)
    return fig
