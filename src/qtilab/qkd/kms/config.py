"""The one TOML file that configures a key-management entity (KME).

Example (paths are relative to the file)::

    [kme]
    id = "KME-A"                      # this KME
    host = "127.0.0.1"
    port = 8443
    database = "sqlite:///kme-a.db"   # or postgresql+psycopg://user:pw@host/db
    max_body_bytes = 65536            # larger request bodies get HTTP 413 (checked while reading)
    ready_timeout_s = 30.0            # at start, wait up to this long for key in every link pool

    [tls]
    cert = "kme-a.pem"                # server certificate (also the client cert for relays)
    key = "kme-a.key"
    ca = "ca.pem"                     # CA that signs SAE and KME certificates
    client_cert = "required"          # TLS refuses clients without a certificate;
                                      # "optional": such clients get HTTP 401

    [keys]                            # limits reported by the status endpoint
    default_key_size = 256
    min_key_size = 64
    max_key_size = 4096
    max_key_per_request = 128
    max_key_count = 100000
    max_SAE_ID_count = 2              # additional slave SAEs per request
    key_lifetime_s = 3600.0           # undelivered keys are erased after this long

    [[sae]]                           # the SAEs attached to this KME (others: discovered)
    id = "SAE-1"
    kme = "KME-A"
    cert = "sae-1.pem"                # or cert_sha256 = "<hex SHA-256 of the DER certificate>"

    [[peer]]                          # the neighbour KMEs: where to reach them, how to know them
    id = "KME-B"
    url = "https://127.0.0.1:8444"
    cert = "kme-b.pem"

    [[link]]                          # this KME's QKD links (the rest of the network is
                                      # discovered from the peers, see app.py)
    a = "KME-A"
    b = "KME-B"
    secret = "link-ab.secret"         # shared by the two simulated QKD devices (ends only)
    distance_km = 25.0                # rate = pulse_rate_hz * decoy-BB84 bits per pulse
    params = "gys"
    pulse_rate_hz = 1e9
    # rate_bps = 1e5                  # ...or a fixed rate
    capacity_bits = 1e8

A SAE is identified only by the SHA-256 fingerprint of the certificate it presents in the TLS
handshake; likewise a peer KME calling the relay endpoint. A file may list further ``[[sae]]``
and ``[[link]]`` entries of the network (known without asking the peers).
"""

from __future__ import annotations

import hashlib
import math
import ssl
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qtilab.errors import ConfigError

__all__ = ["KMSConfig", "LinkConfig", "PeerConfig", "SAEConfig", "cert_sha256", "load_config"]


def cert_sha256(pem_or_der: bytes | str | Path) -> str:
    """Hex SHA-256 fingerprint of a certificate (DER bytes, PEM text/bytes, or a file path)."""
    if isinstance(pem_or_der, Path):
        pem_or_der = pem_or_der.read_bytes()
    if isinstance(pem_or_der, bytes) and pem_or_der.lstrip().startswith(b"-----BEGIN"):
        pem_or_der = pem_or_der.decode("ascii")
    if isinstance(pem_or_der, str):
        try:
            der = ssl.PEM_cert_to_DER_cert(pem_or_der.strip() + "\n")
        except ValueError as exc:
            raise ConfigError(f"not a PEM certificate: {exc}") from exc
    else:
        der = pem_or_der
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True)
class SAEConfig:
    id: str
    kme: str
    cert_sha256: str | None = None


@dataclass(frozen=True)
class PeerConfig:
    id: str
    url: str
    cert_sha256: str | None = None


@dataclass(frozen=True)
class LinkConfig:
    a: str
    b: str
    rate_bps: float
    capacity_bits: float = 1e8
    secret_file: Path | None = None

    @property
    def name(self) -> str:
        return f"{self.a}-{self.b}"


@dataclass
class KMSConfig:
    """A KME's configuration (see the module docstring for the TOML layout)."""

    kme_id: str
    database: str = "sqlite:///kms.db"
    host: str = "127.0.0.1"
    port: int = 8443
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None
    client_cert: str = "required"
    default_key_size: int = 256
    min_key_size: int = 64
    max_key_size: int = 4096
    max_key_per_request: int = 128
    max_key_count: int = 100000
    max_sae_id_count: int = 0
    key_lifetime_s: float = 3600.0
    max_body_bytes: int = 65536
    ready_timeout_s: float = 30.0
    saes: dict[str, SAEConfig] = field(default_factory=dict)
    peers: dict[str, PeerConfig] = field(default_factory=dict)
    links: list[LinkConfig] = field(default_factory=list)
    relay_timeout_s: float = 10.0
    base_dir: Path = field(default_factory=Path.cwd)

    def __post_init__(self) -> None:
        if not self.kme_id:
            raise ConfigError("[kme] id must be a non-empty string")
        if self.client_cert not in ("required", "optional"):
            raise ConfigError(f"[tls] client_cert must be 'required' or 'optional', got {self.client_cert!r}")
        for name in ("min_key_size", "max_key_size", "default_key_size"):
            v = getattr(self, name)
            if v <= 0 or v % 8:
                raise ConfigError(f"[keys] {name} must be a positive multiple of 8 bits, got {v}")
        if not self.min_key_size <= self.default_key_size <= self.max_key_size:
            raise ConfigError("[keys] need min_key_size <= default_key_size <= max_key_size")
        if self.max_key_per_request < 1 or self.max_sae_id_count < 0:
            raise ConfigError("[keys] max_key_per_request must be >= 1 and max_SAE_ID_count >= 0")
        if self.max_key_count < 1:
            raise ConfigError(f"[keys] max_key_count must be >= 1, got {self.max_key_count}")
        if not (math.isfinite(self.key_lifetime_s) and self.key_lifetime_s > 0):
            raise ConfigError(f"[keys] key_lifetime_s must be a positive number of seconds, got {self.key_lifetime_s}")
        if self.max_body_bytes < 1024:
            raise ConfigError(f"[kme] max_body_bytes must be >= 1024, got {self.max_body_bytes}")
        if not (math.isfinite(self.ready_timeout_s) and self.ready_timeout_s >= 0):
            raise ConfigError(f"[kme] ready_timeout_s must be >= 0 seconds, got {self.ready_timeout_s}")
        for link in self.links:
            if self.kme_id in (link.a, link.b) and link.secret_file is None:
                raise ConfigError(f"[[link]] {link.name}: this KME is an end, so 'secret' is required")

    # ----------------------------------------------------------------- look-ups
    def sae_by_fingerprint(self, fp: str) -> SAEConfig | None:
        for s in self.saes.values():
            if s.cert_sha256 == fp and s.kme == self.kme_id:
                return s
        return None

    def peer_by_fingerprint(self, fp: str) -> PeerConfig | None:
        for p in self.peers.values():
            if p.cert_sha256 == fp:
                return p
        return None

    def link_to(self, other: str) -> LinkConfig | None:
        for link in self.links:
            if {link.a, link.b} == {self.kme_id, other}:
                return link
        return None

    def link_secret(self, link: LinkConfig) -> bytes:
        if link.secret_file is None:
            raise ConfigError(f"link {link.name}: no secret file configured on {self.kme_id}")
        data = Path(link.secret_file).read_bytes().strip()
        if len(data) < 32:
            raise ConfigError(f"link {link.name}: the secret file {link.secret_file} must hold >= 32 bytes")
        return data

    def database_url(self) -> str:
        return normalize_db_url(self.database, self.base_dir)


def normalize_db_url(url: str, base_dir: Path | None = None) -> str:
    """Resolve a relative SQLite path against ``base_dir``; ``postgresql://`` -> psycopg 3."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and base_dir is not None:
        rel = url[len("sqlite:///"):]
        if rel and rel != ":memory:":
            return "sqlite:///" + str((base_dir / rel).resolve())
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _toml_load(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def _link_rate(entry: dict[str, Any], where: str) -> float:
    if "rate_bps" in entry:
        rate = float(entry["rate_bps"])
    elif "distance_km" in entry:
        from qtilab.qkd.theory import decoy_bb84_key_rate, get_params

        p = get_params(entry.get("params", "gys"))
        pulse = float(entry.get("pulse_rate_hz", p.repetition_rate_hz))
        rate = pulse * float(decoy_bb84_key_rate(float(entry["distance_km"]), p))
    else:
        raise ConfigError(f"{where}: give distance_km (rate from decoy-BB84 theory) or rate_bps")
    if not math.isfinite(rate) or rate < 0:
        raise ConfigError(f"{where}: the link rate must be >= 0 bit/s, got {rate}")
    return rate


def load_config(path: str | Path) -> KMSConfig:
    """Read a KME's TOML configuration; relative file paths are resolved against its folder."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"KMS configuration file {path} does not exist")
    raw = _toml_load(path)
    base = path.resolve().parent

    def fpath(v: Any) -> Path | None:
        return None if v is None else (base / str(v)).resolve()

    def fingerprint(entry: dict[str, Any], where: str) -> str | None:
        if "cert_sha256" in entry:
            return str(entry["cert_sha256"]).lower().replace(":", "")
        if "cert" in entry:
            p = (base / str(entry["cert"])).resolve()
            if not p.is_file():
                raise ConfigError(f"{where}: certificate file {p} does not exist")
            return cert_sha256(p)
        return None

    kme = raw.get("kme")
    if not isinstance(kme, dict) or "id" not in kme:
        raise ConfigError(f"{path}: a [kme] table with an 'id' is required")
    tls = raw.get("tls", {})
    keys = raw.get("keys", {})
    known = {"default_key_size", "min_key_size", "max_key_size", "max_key_per_request", "max_key_count",
             "max_SAE_ID_count", "key_lifetime_s"}
    unknown = set(keys) - known
    if unknown:
        raise ConfigError(f"{path}: unknown [keys] entries {sorted(unknown)}; known: {sorted(known)}")
    saes: dict[str, SAEConfig] = {}
    for i, s in enumerate(raw.get("sae", [])):
        where = f"{path}: [[sae]] #{i + 1}"
        if "id" not in s or "kme" not in s:
            raise ConfigError(f"{where}: 'id' and 'kme' are required")
        saes[str(s["id"])] = SAEConfig(str(s["id"]), str(s["kme"]), fingerprint(s, where))
    peers: dict[str, PeerConfig] = {}
    for i, p in enumerate(raw.get("peer", [])):
        where = f"{path}: [[peer]] #{i + 1}"
        if "id" not in p or "url" not in p:
            raise ConfigError(f"{where}: 'id' and 'url' are required")
        peers[str(p["id"])] = PeerConfig(str(p["id"]), str(p["url"]).rstrip("/"), fingerprint(p, where))
    links = []
    for i, entry in enumerate(raw.get("link", [])):
        where = f"{path}: [[link]] #{i + 1}"
        if "a" not in entry or "b" not in entry or entry["a"] == entry["b"]:
            raise ConfigError(f"{where}: two different ends 'a' and 'b' are required")
        links.append(
            LinkConfig(
                str(entry["a"]), str(entry["b"]), _link_rate(entry, where),
                float(entry.get("capacity_bits", 1e8)), fpath(entry.get("secret")),
            )
        )
    return KMSConfig(
        kme_id=str(kme["id"]),
        database=str(kme.get("database", f"sqlite:///{kme['id']}.db")),
        host=str(kme.get("host", "127.0.0.1")),
        port=int(kme.get("port", 8443)),
        tls_cert=fpath(tls.get("cert")),
        tls_key=fpath(tls.get("key")),
        tls_ca=fpath(tls.get("ca")),
        client_cert=str(tls.get("client_cert", "required")),
        default_key_size=int(keys.get("default_key_size", 256)),
        min_key_size=int(keys.get("min_key_size", 64)),
        max_key_size=int(keys.get("max_key_size", 4096)),
        max_key_per_request=int(keys.get("max_key_per_request", 128)),
        max_key_count=int(keys.get("max_key_count", 100000)),
        max_sae_id_count=int(keys.get("max_SAE_ID_count", 0)),
        key_lifetime_s=float(keys.get("key_lifetime_s", 3600.0)),
        max_body_bytes=int(kme.get("max_body_bytes", 65536)),
        ready_timeout_s=float(kme.get("ready_timeout_s", 30.0)),
        saes=saes,
        peers=peers,
        links=links,
        relay_timeout_s=float(kme.get("relay_timeout_s", 10.0)),
        base_dir=base,
    )
