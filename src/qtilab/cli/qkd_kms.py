"""``qtilab qkd kms ...`` (ETSI GS QKD 014 key manager and client) and ``qtilab qkd network ...``.

    qtilab qkd kms init --out DIR --line KME-A,KME-B,KME-C --sae SAE-1@KME-A --sae SAE-2@KME-C
    qtilab qkd kms serve --config kme-a.toml [--log-level info]
    qtilab qkd kms wait --config kme-a.toml [--config kme-b.toml ...] [--timeout 60]
    qtilab qkd kms status          --url URL --ca ca.pem --cert sae.pem --key sae.key SLAVE_SAE_ID
    qtilab qkd kms get-key         --url URL --ca ca.pem --cert sae.pem --key sae.key SLAVE_SAE_ID [-n N] [-s BITS]
    qtilab qkd kms get-key-with-id --url URL --ca ca.pem --cert sae.pem --key sae.key MASTER_SAE_ID KEY_ID...
    qtilab qkd network simulate [--config net.toml] [--duration S] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from qtilab.cli import add_common


def register(qsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kms = qsub.add_parser("kms", help="ETSI GS QKD 014 key manager (serve) and client (get-key...)")
    ksub = kms.add_subparsers(dest="kms_verb", metavar="<kms-verb>")
    kms.set_defaults(func=lambda a: (kms.print_help(), 2)[1])

    p = ksub.add_parser(
        "init", help="write a network's PKI (CA, KME and SAE certificates), link secrets and one TOML per KME",
        description="Write, into --out, a throw-away CA (ca.pem), per KME a certificate with the serverAuth "
        "and clientAuth usages (kme-a.pem/.key) and its TOML (kme-a.toml), per SAE a client certificate "
        "(sae-1.pem/.key) and per link a shared secret (link-kme-a-kme-b.secret). Private keys and secrets "
        "are created with mode 0600. Describe the network either as a line (--line, inner KMEs are trusted "
        "relay nodes) or with a TOML file (--network; see qtilab.qkd.kms.pki.load_description).",
    )
    p.add_argument("--out", required=True, help="folder to write (created; must not hold a network already)")
    p.add_argument("--line", default=None, metavar="KME,KME,...", help="KME IDs of a line, e.g. KME-A,KME-B,KME-C")
    p.add_argument("--sae", action="append", default=[], metavar="SAE@KME",
                   help="a SAE and its KME, e.g. SAE-1@KME-A (repeat; with --line)")
    p.add_argument("--port", type=int, default=8443, help="port of the first KME of --line; the next get +1... (default 8443)")
    p.add_argument("--distance-km", type=float, default=20.0, help="fibre length of each --line link (default 20)")
    p.add_argument("--pulse-rate-hz", type=float, default=1e9, help="QKD pulse rate of each --line link (default 1e9)")
    p.add_argument("--network", default=None, help="a network description TOML ([[kme]], [[sae]], [[link]], ...)")
    p.add_argument("--host", default=None, help="address the KMEs listen on and are reached at (default 127.0.0.1)")
    p.add_argument("--database", default=None,
                   help="database URL template with {kme}, e.g. postgresql+psycopg://u:pw@host/kms_{kme} "
                   "(default: sqlite:///kme-a.db beside each TOML)")
    p.add_argument("--full-topology", action="store_true",
                   help="list every link, SAE and KME in every TOML (default: each its own; the rest is discovered)")
    p.add_argument("--force", action="store_true", help="overwrite the files of an existing network in --out")
    p.set_defaults(func=_init)

    p = ksub.add_parser("wait", help="wait until KMEs answer /ready (their link pools hold key)")
    p.add_argument("--config", action="append", default=[], help="a KME's TOML (its URL, CA and own certificate are used); repeat")
    p.add_argument("--url", default=None, help="or: the KME's URL (with --ca, and --cert/--key for mutual TLS)")
    p.add_argument("--ca", default=None)
    p.add_argument("--cert", default=None)
    p.add_argument("--key", default=None)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait in all (default 60)")
    p.set_defaults(func=_wait)

    p = ksub.add_parser("serve", help="run a KME over HTTPS with mutual TLS")
    p.add_argument("--config", required=True, help="the KME's TOML configuration")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=_serve)

    def client_opts(q: argparse.ArgumentParser) -> None:
        q.add_argument("--url", required=True, help="base URL of the KME, e.g. https://kme-a:8443")
        q.add_argument("--ca", required=True, help="CA certificate (PEM) that signed the KME's certificate")
        q.add_argument("--cert", required=True, help="this SAE's client certificate (PEM)")
        q.add_argument("--key", required=True, help="this SAE's private key (PEM)")
        q.add_argument("--get", action="store_true", help="use the GET form of the request")

    p = ksub.add_parser("status", help="GET .../{slave_SAE_ID}/status")
    client_opts(p)
    p.add_argument("slave_sae_id")
    p.set_defaults(func=_status)

    p = ksub.add_parser("get-key", help="enc_keys: new keys shared with a slave SAE (as master)")
    client_opts(p)
    p.add_argument("slave_sae_id")
    p.add_argument("-n", "--number", type=int, default=None, help="number of keys (default 1)")
    p.add_argument("-s", "--size", type=int, default=None, help="key size in bits (default: the KME's)")
    p.add_argument("--additional", nargs="*", default=None, help="additional slave SAE IDs")
    p.set_defaults(func=_get_key)

    p = ksub.add_parser("get-key-with-id", help="dec_keys: keys by ID (as slave)")
    client_opts(p)
    p.add_argument("master_sae_id")
    p.add_argument("key_ids", nargs="+", metavar="KEY_ID")
    p.set_defaults(func=_get_key_with_id)

    net = qsub.add_parser("network", help="QKD network with trusted-node relay: time simulation")
    nsub = net.add_subparsers(dest="net_verb", metavar="<network-verb>")
    net.set_defaults(func=lambda a: (net.print_help(), 2)[1])
    p = nsub.add_parser("simulate", help="simulate key pools and requests over time, with a plot")
    p.add_argument("--config", default=None, help="TOML with [[link]] and [[demand]] tables (default: built-in example)")
    p.add_argument("--duration", type=float, default=60.0, help="simulated seconds (default 60)")
    p.add_argument("--dt", type=float, default=0.1, help="time step in seconds (default 0.1)")
    add_common(p)
    p.set_defaults(func=_simulate)


# --------------------------------------------------------------------------- kms verbs
def _serve(args: argparse.Namespace) -> int:
    from qtilab.qkd.kms.config import load_config
    from qtilab.qkd.kms.server import serve

    cfg = load_config(args.config)
    configure_logging(args.log_level)
    print(f"KME {cfg.kme_id} on https://{cfg.host}:{cfg.port} (store {cfg.database})", file=sys.stderr, flush=True)
    serve(cfg, log_level=args.log_level)
    return 0


def configure_logging(level: str) -> None:
    """``--log-level`` for the KME's own logger (``qtilab.kms``) as well as uvicorn's.

    The HTTP client's per-request lines (``httpx``, relays to peers) show only at ``debug``.
    """
    import logging

    lvl = getattr(logging, level.upper())
    logging.getLogger("qtilab.kms").setLevel(lvl)
    logging.getLogger("httpx").setLevel(lvl if lvl <= logging.DEBUG else max(lvl, logging.WARNING))


def _init(args: argparse.Namespace) -> int:
    from qtilab.errors import ConfigError
    from qtilab.qkd.kms.pki import line_description, load_description, write_network

    if bool(args.line) == bool(args.network):
        raise ConfigError("give the network either as --line KME-A,KME-B,... (with --sae SAE@KME) or as --network FILE")
    if args.line:
        desc = line_description(args.line, saes=args.sae, port=args.port, host=args.host or "127.0.0.1",
                                link={"distance_km": args.distance_km, "pulse_rate_hz": args.pulse_rate_hz},
                                database=args.database)
    else:
        if args.sae:
            raise ConfigError("--sae goes with --line; list the SAEs in the --network file")
        desc = load_description(args.network)
        if args.host:
            desc["host"] = args.host
        if args.database:
            from qtilab.qkd.kms.pki import _db_template

            desc["database"] = _db_template(args.database)
    out = Path(args.out)
    if (out / "ca.pem").exists() and not args.force:
        raise ConfigError(f"{out} already holds a network (ca.pem); use another --out, or --force to overwrite it")
    files = write_network(out, full_topology=args.full_topology, **desc)
    for k, cfg in files.configs.items():
        print(f"{k}: {cfg}  ({files.urls[k]})")
    for s, (cert, key) in files.sae_certs.items():
        print(f"{s}: {cert} {key}")
    print(f"CA: {files.ca}")
    return 0


def _wait(args: argparse.Namespace) -> int:
    import time

    from qtilab.errors import ConfigError
    from qtilab.qkd.kms.config import load_config

    targets: list[tuple[str, Any, Any, Any]] = []
    for c in args.config:
        cfg = load_config(c)
        targets.append((f"https://{cfg.host}:{cfg.port}", cfg.tls_ca, cfg.tls_cert, cfg.tls_key))
    if args.url:
        targets.append((args.url, args.ca, args.cert, args.key))
    if not targets:
        raise ConfigError("give --config KME.toml (repeatable) or --url with --ca/--cert/--key")
    import httpx

    from qtilab.qkd.kms.tls import client_ssl_context

    _quiet_httpx()
    deadline = time.monotonic() + args.timeout
    for url, ca, cert, key in targets:
        last = "no answer yet"
        with httpx.Client(verify=client_ssl_context(ca, cert, key), timeout=5.0) as h:
            while True:
                try:
                    r = h.get(f"{url.rstrip('/')}/ready")
                    if r.status_code == 200:
                        print(f"{url}: ready")
                        break
                    last = str(r.json().get("message", r.text[:200]))
                except httpx.HTTPError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                except ValueError:
                    last = "not a JSON answer"
                if time.monotonic() > deadline:
                    print(f"error: {url} not ready after {args.timeout:g} s ({last})", file=sys.stderr)
                    return 1
                time.sleep(0.2)
    return 0


def _quiet_httpx() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # no per-request lines on stderr


def _client(args: argparse.Namespace) -> Any:
    from qtilab.qkd.kms.client import KMSClient

    _quiet_httpx()

    for name in ("ca", "cert", "key"):
        if not Path(getattr(args, name)).is_file():
            raise FileNotFoundError(f"--{name} file {getattr(args, name)} does not exist")
    return KMSClient(args.url, ca=args.ca, cert=args.cert, key=args.key)


def _print(obj: Any) -> int:
    print(json.dumps(obj, indent=2))
    return 0


def _status(args: argparse.Namespace) -> int:
    with _client(args) as c:
        return _print(c.status(args.slave_sae_id))


def _get_key(args: argparse.Namespace) -> int:
    with _client(args) as c:
        return _print(
            c.get_key(args.slave_sae_id, args.number, args.size,
                      additional_slave_sae_ids=args.additional, post=not args.get)
        )


def _get_key_with_id(args: argparse.Namespace) -> int:
    with _client(args) as c:
        return _print(c.get_key_with_id(args.master_sae_id, list(args.key_ids), post=not (args.get and len(args.key_ids) == 1)))


# --------------------------------------------------------------------------- network
def example_network(pulse_rate_hz: float = 1e9) -> Any:
    """A small metro network: two rings joined at one node, GYS devices at ``pulse_rate_hz``."""
    from qtilab.qkd.network import QKDNetwork

    net = QKDNetwork()
    for a, b, d in [
        ("Alpha", "Bravo", 20.0), ("Bravo", "Charlie", 35.0), ("Charlie", "Delta", 25.0),
        ("Delta", "Alpha", 40.0), ("Charlie", "Echo", 60.0), ("Echo", "Foxtrot", 30.0),
        ("Foxtrot", "Charlie", 45.0),
    ]:
        net.add_link(a, b, distance_km=d, pulse_rate_hz=pulse_rate_hz, capacity_bits=2e6)
    return net


def example_demands() -> list[Any]:
    from qtilab.qkd.network import Demand

    # key_bits = 4096: each request is a batch of 16 AES-256 keys; the loads are set so that
    # the links shared by the Charlie-Echo-Foxtrot ring saturate and some requests are refused
    return [
        Demand("Alpha", "Charlie", rate_per_s=240.0, key_bits=4096),
        Demand("Bravo", "Foxtrot", rate_per_s=40.0, key_bits=4096),
        Demand("Delta", "Echo", rate_per_s=45.0, key_bits=4096),
    ]


def _network_from_toml(path: str) -> tuple[Any, list[Any]]:
    from qtilab.errors import ConfigError
    from qtilab.qkd.kms.config import _toml_load
    from qtilab.qkd.network import Demand, QKDNetwork

    raw = _toml_load(Path(path))
    net = QKDNetwork()
    for i, link in enumerate(raw.get("link", [])):
        try:
            net.add_link(
                str(link["a"]), str(link["b"]), distance_km=link.get("distance_km"), params=link.get("params", "gys"),
                pulse_rate_hz=link.get("pulse_rate_hz"), rate_bps=link.get("rate_bps"),
                capacity_bits=float(link.get("capacity_bits", 1e6)), initial_bits=float(link.get("initial_bits", 0.0)),
            )
        except KeyError as exc:
            raise ConfigError(f"{path}: [[link]] #{i + 1} lacks {exc}") from None
    demands = []
    for i, d in enumerate(raw.get("demand", [])):
        try:
            demands.append(Demand(str(d["src"]), str(d["dst"]), float(d["rate_per_s"]), int(d.get("key_bits", 256))))
        except KeyError as exc:
            raise ConfigError(f"{path}: [[demand]] #{i + 1} lacks {exc}") from None
    if not net.links or not demands:
        raise ConfigError(f"{path}: at least one [[link]] and one [[demand]] are needed")
    return net, demands


def network_report(net: Any, res: Any, meta: dict[str, Any]) -> Any:
    from qtilab.qkd.network import plot_network_simulation
    from qtilab.report import Report

    rep = Report("QKD network with trusted-node relay", meta=meta)
    rep.add_table(
        "Links", ["link", "distance (km)", "key rate (kbit/s)", "capacity (kbit)", "final level (kbit)"],
        [[f"{lk.a}-{lk.b}", lk.distance_km if lk.distance_km is not None else "", lk.rate_bps / 1e3,
          lk.capacity_bits / 1e3, lk.level_bits / 1e3] for lk in net.links],
        note="Rates: pulse rate x decoy-state BB84 key bits per pulse (GYS devices, qtilab.qkd.theory).",
    )
    rows = [[s["demand"], s["rate_per_s"], s["key_bits"], s["requested"], s["served"], s["refused"], s["served_fraction"]]
            for s in res.summary()]
    rep.add_table("Requests", ["demand", "rate (1/s)", "key bits", "requested", "served", "refused", "served fraction"], rows)
    rep.add_text("Relay hops", ", ".join(f"{h} hop(s): {n}" for h, n in res.hops_histogram.items()) or "none served")
    fig = rep.new_figure("network_pools", "Key-pool levels (top) and cumulative requests (bottom)", figsize=(7.0, 6.0))
    plot_network_simulation(res, fig)
    rep.data["summary"] = res.summary()
    rep.data["hops_histogram"] = res.hops_histogram
    return rep


def _simulate(args: argparse.Namespace) -> int:
    from qtilab.qkd.network import NetworkSimConfig, simulate_network

    if args.config:
        net, demands = _network_from_toml(args.config)
    else:
        net, demands = example_network(), example_demands()
    cfg = NetworkSimConfig(duration_s=args.duration, dt_s=args.dt, demands=demands, seed=args.seed,
                           record_every=max(1, int(round(0.5 / args.dt))))
    res = simulate_network(net, cfg)
    if args.json:
        _print({"summary": res.summary(), "hops_histogram": res.hops_histogram})
    else:
        for s in res.summary():
            print(f"{s['demand']:>16}: requested {s['requested']:6d}, served {s['served']:6d}, refused {s['refused']:6d}")
    if args.out:
        paths = network_report(net, res, {"seed": args.seed, "duration_s": args.duration}).write(args.out)
        print(f"report: {paths['md']}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- demo
def demo_part(out_dir: Path, seed: int) -> None:
    """Network time simulation (30 s) with a plot, then one key through an in-process relay."""
    from qtilab.errors import MissingExtraError

    try:
        import networkx  # noqa: F401
    except ImportError:
        print("qkd network: skipped (install qtilab[server] for networkx)")
        return
    from qtilab.qkd.network import NetworkSimConfig, simulate_network

    net, demands = example_network(), example_demands()
    res = simulate_network(net, NetworkSimConfig(duration_s=30.0, dt_s=0.05, demands=demands, seed=seed, record_every=10))
    print("QKD network (6 nodes, 7 links, 30 s simulated):")
    for s in res.summary():
        print(f"  {s['demand']:>16}: {s['served']}/{s['requested']} requests served ({s['served_fraction']:.0%})")
    network_report(net, res, {"seed": seed, "duration_s": 30.0}).write(Path(out_dir) / "network")
    import tempfile

    try:
        # certificates and keys of the throw-away PKI go to a temporary folder, not the report
        with tempfile.TemporaryDirectory(prefix="qtilab-kms-demo-") as tmp:
            _demo_kms(Path(tmp), seed)
    except MissingExtraError as exc:
        print(f"qkd kms: skipped ({exc})")


def _demo_kms(folder: Path, seed: int) -> None:
    """Two SAEs, three KMEs (A-B-C), real mutual TLS on loopback, one relayed key."""
    import socket

    from qtilab.qkd.kms.client import KMSClient
    from qtilab.qkd.kms.config import load_config
    from qtilab.qkd.kms.pki import write_network
    from qtilab.qkd.kms.server import ServerThread

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    kmes = {k: free_port() for k in ("KME-A", "KME-B", "KME-C")}
    nf = write_network(
        folder, kmes=kmes, saes={"SAE-master": "KME-A", "SAE-slave": "KME-C"},
        links=[{"a": "KME-A", "b": "KME-B", "distance_km": 20.0, "pulse_rate_hz": 1e9},
               {"a": "KME-B", "b": "KME-C", "distance_km": 30.0, "pulse_rate_hz": 1e9}],
    )
    import logging

    for name in ("httpx", "qtilab.kms"):  # keep the demo's output short
        logging.getLogger(name).setLevel(logging.WARNING)
    servers = [ServerThread(load_config(nf.configs[k])) for k in kmes]
    try:
        for s in servers:
            s.start()  # returns once the KME's link pools hold key (readiness)
        m_cert, m_key = nf.sae_certs["SAE-master"]
        s_cert, s_key = nf.sae_certs["SAE-slave"]
        with KMSClient(nf.urls["KME-A"], ca=nf.ca, cert=m_cert, key=m_key) as master, \
                KMSClient(nf.urls["KME-C"], ca=nf.ca, cert=s_cert, key=s_key) as slave:
            got = master.get_key("SAE-slave", number=2, size=256)
            ids = [k["key_ID"] for k in got["keys"]]
            back = slave.get_key_with_id("SAE-master", ids)
        same = [a["key"] == b["key"] for a, b in zip(got["keys"], back["keys"])]
        print(f"KMS (ETSI 014 over mutual TLS, relay KME-A -> KME-B -> KME-C): 2 keys, "
              f"IDs {', '.join(i[:8] for i in ids)}..., identical at both SAEs: {all(same)}")
    finally:
        for s in servers:
            s.stop()
