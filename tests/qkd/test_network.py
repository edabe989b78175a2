"""QKD network: link rates, routing, one-time-pad relay, time simulation.

References are independent of the code: hand-computed paths, XOR on recorded pads, exact key
bookkeeping of a fluid single-link queue, Poisson statistics.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("networkx")

from qtilab.errors import ConfigError  # noqa: E402
from qtilab.qkd.network import Demand, NetworkSimConfig, QKDNetwork, simulate_network  # noqa: E402


def test_link_rate_is_pulse_rate_times_decoy_key_rate() -> None:
    net = QKDNetwork()
    # Ma, Qi, Zhao, Lo, PRA 72, 012326 (2005) with the GYS set: 2.55e-3 bits/pulse at 0 km, mu=0.48
    link = net.add_link("A", "B", distance_km=0.0, mu=0.48, pulse_rate_hz=1e6)
    assert link.rate_bps == pytest.approx(2550.0, rel=5e-3)
    # the GYS system ran at 2 MHz: the default pulse rate
    gys = net.add_link("B", "C", distance_km=0.0, mu=0.48)
    assert gys.rate_bps == pytest.approx(5100.0, rel=5e-3)
    # far beyond the ~142 km cut-off the link makes no key
    assert net.add_link("C", "D", distance_km=200.0, pulse_rate_hz=1e9).rate_bps == 0.0


def _diamond(levels: dict[tuple[str, str], float]) -> QKDNetwork:
    net = QKDNetwork()
    for (a, b), lvl in levels.items():
        net.add_link(a, b, rate_bps=1.0, capacity_bits=1e9, initial_bits=lvl)
    return net


def test_routing_prefers_fewest_hops_with_enough_key() -> None:
    # S-A-T and S-B-T (2 hops), S-C-D-T (3 hops)
    lv = {("S", "A"): 500, ("A", "T"): 300, ("S", "B"): 400, ("B", "T"): 400,
          ("S", "C"): 1e4, ("C", "D"): 1e4, ("D", "T"): 1e4}
    net = _diamond(lv)
    assert net.find_path("S", "T", 256) == ["S", "B", "T"]  # bottleneck 400 beats 300
    assert net.find_path("S", "T", 350) == ["S", "B", "T"]
    assert net.find_path("S", "T", 450) == ["S", "C", "D", "T"]  # only the long way has enough
    assert net.find_path("S", "T", 2e4) is None
    with pytest.raises(ConfigError, match="unknown node"):
        net.find_path("S", "X", 1)


def test_relay_is_one_time_pad_hop_by_hop() -> None:
    net = QKDNetwork()
    for a, b in [("A", "B"), ("B", "C"), ("C", "D")]:
        net.add_link(a, b, rate_bps=8000.0, capacity_bits=80000.0)
    net.fill_material(1.0, rng=5)
    pads_before = {lk.a + lk.b: bytes(lk.material) for lk in net.links}
    key = bytes(range(32))
    res = net.relay_key(["A", "B", "C", "D"], key)
    assert res.key == key
    for c, name in zip(res.ciphertexts, ["AB", "BC", "CD"]):
        pad = pads_before[name][:32]
        assert bytes(x ^ y for x, y in zip(c, pad)) == key  # c_i = K xor k_i
        assert c != key
    for lk in net.links:  # 32 bytes consumed (and erased) on every hop
        assert len(lk.material) == 1000 - 32
        assert bytes(lk.material) == pads_before[lk.a + lk.b][32:]
    # a link without enough key: refused, nothing consumed anywhere
    with pytest.raises(ConfigError, match="bytes"):
        net.relay_key(["A", "B", "C", "D"], bytes(2000))
    assert all(len(lk.material) == 968 for lk in net.links)


def test_single_link_bookkeeping_is_exact() -> None:
    net = QKDNetwork()
    net.add_link("A", "B", rate_bps=10_000.0, capacity_bits=1e12)
    res = simulate_network(net, NetworkSimConfig(duration_s=5.0, dt_s=0.01,
                                                 demands=[Demand("A", "B", 20.0, 256)], seed=3))
    served = res.served[0]
    assert res.requested[0] == served + res.refused[0]
    assert res.levels[-1, 0] == pytest.approx(10_000.0 * 5.0 - 256 * served)
    assert res.refused[0] == 0  # 20/s x 256 bits = 5.1 kbit/s < 10 kbit/s


def test_overloaded_link_serves_at_its_key_rate() -> None:
    # fluid limit: demand 4x the link rate, empty small pool -> served bits/s -> link rate
    net = QKDNetwork()
    net.add_link("A", "B", rate_bps=25_600.0, capacity_bits=2560.0)
    T = 40.0
    res = simulate_network(net, NetworkSimConfig(duration_s=T, dt_s=0.01,
                                                 demands=[Demand("A", "B", 400.0, 256)], seed=11))
    served_rate = res.served[0] * 256 / T
    assert served_rate == pytest.approx(25_600.0, rel=0.02)
    # arrivals are Poisson(400 T): within 5 standard deviations
    assert abs(res.requested[0] - 400 * T) < 5 * math.sqrt(400 * T)


def test_two_paths_share_the_load_and_relay_hops_are_counted() -> None:
    net = QKDNetwork()
    for a, b in [("S", "A"), ("A", "T"), ("S", "B"), ("B", "T")]:
        net.add_link(a, b, rate_bps=10_000.0, capacity_bits=5000.0)
    res = simulate_network(net, NetworkSimConfig(duration_s=20.0, dt_s=0.01,
                                                 demands=[Demand("S", "T", 60.0, 256)], seed=2))
    # 60/s x 256 = 15.4 kbit/s: more than one path (10 kbit/s) gives, less than two
    assert res.served[0] / res.requested[0] > 0.97
    assert res.hops_histogram == {2: res.served[0]}
    # one path can carry at most 10 kbit/s x 20 s plus one full pool: more was served, so the
    # routing used both paths
    assert res.served[0] * 256 > 10_000.0 * 20.0 + 5000.0
    assert set(res.link_names) == {"S-A", "A-T", "S-B", "B-T"}


def test_same_seed_same_result_and_bad_input() -> None:
    def run(seed: int) -> list[int]:
        net = QKDNetwork()
        net.add_link("A", "B", rate_bps=3000.0, capacity_bits=1e4)
        net.add_link("B", "C", rate_bps=2000.0, capacity_bits=1e4)
        cfg = NetworkSimConfig(duration_s=3.0, dt_s=0.05, demands=[Demand("A", "C", 15.0, 256)], seed=seed)
        r = simulate_network(net, cfg)
        return r.served + r.refused + [int(np.sum(r.levels))]

    assert run(4) == run(4)
    assert run(4) != run(5)
    net = QKDNetwork()
    with pytest.raises(ConfigError):
        net.add_link("A", "A", rate_bps=1.0)
    with pytest.raises(ConfigError):
        net.add_link("A", "B")
    with pytest.raises(ConfigError):
        net.add_link("A", "B", distance_km=-1.0)
    net.add_link("A", "B", rate_bps=1.0)
    with pytest.raises(ConfigError):
        simulate_network(net, NetworkSimConfig(duration_s=1.0, dt_s=2.0))
    with pytest.raises(ConfigError, match="unknown node"):
        simulate_network(net, NetworkSimConfig(demands=[Demand("A", "Z", 1.0)]))
    with pytest.raises(ConfigError):
        net.link("A", "Q")
