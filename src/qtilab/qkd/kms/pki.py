"""A throw-away PKI and network configuration for tests, demos and benchmarks.

:func:`make_ca` and :func:`issue_cert` make an ECDSA P-256 CA and certificates with
``cryptography``; :func:`write_network` (behind ``qtilab qkd kms init``) writes, into one
folder, a CA, a certificate per KME (serverAuth and clientAuth) and per SAE (clientAuth), a
shared secret per QKD link and one TOML configuration per KME, from a description
(:func:`load_description` for a TOML file, :func:`line_description` for a line of KMEs).
Private keys and secrets are created with mode 0600 (:func:`write_private`). The private keys
are not encrypted and the CA's key is not kept: a throw-away PKI for tests, demos and trials.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import ipaddress
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qtilab._optional import require
from qtilab.errors import ConfigError

__all__ = ["NetworkFiles", "file_stem", "issue_cert", "line_description", "load_description", "make_ca",
           "write_network", "write_pem", "write_private"]


def _x509() -> Any:
    require("cryptography", extra="server")
    from cryptography import x509

    return x509


def make_ca(common_name: str = "qtilab test CA") -> tuple[Any, Any]:
    """A self-signed CA: ``(certificate, private_key)``."""
    x509 = _x509()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _dt.datetime.now(_dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))
        .not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_cert(
    ca_cert: Any, ca_key: Any, common_name: str, *, server: bool = False, client: bool = True,
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
) -> tuple[Any, Any]:
    """A certificate signed by the CA for ``common_name``: ``(certificate, private_key)``."""
    x509 = _x509()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = _dt.datetime.now(_dt.timezone.utc)
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    )
    b = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))
        .not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if server:
        names: list[Any] = []
        for h in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(h)))
            except ValueError:
                names.append(x509.DNSName(h))
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return b.sign(ca_key, hashes.SHA256()), key


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file that is mode 0600 from its first byte.

    The file is created by ``os.open(..., 0o600)`` (an existing file is removed first, since
    opening it would keep its old mode), never created wider and narrowed by ``chmod`` after.
    """
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def write_pem(path: Path, cert: Any, key: Any | None = None) -> None:
    """Write ``path`` (certificate) and, with ``key``, ``path.with_suffix('.key')`` (mode 0600)."""
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        write_private(
            path.with_suffix(".key"),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )


def file_stem(node_id: str) -> str:
    """The file-name stem of a KME or SAE: ``"KME-A"`` -> ``"kme-a"``."""
    stem = re.sub(r"[^a-z0-9._-]+", "-", node_id.lower()).strip("-.")
    if not stem:
        raise ConfigError(f"cannot make a file name from the ID {node_id!r}: use letters or digits")
    return stem


@dataclass
class NetworkFiles:
    """Paths written by :func:`write_network`."""

    folder: Path
    ca: Path
    configs: dict[str, Path]  # KME id -> TOML
    sae_certs: dict[str, tuple[Path, Path]]  # SAE id -> (cert, key)
    kme_certs: dict[str, tuple[Path, Path]]
    urls: dict[str, str]


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def write_network(
    folder: str | Path,
    *,
    kmes: Mapping[str, int],
    saes: Mapping[str, str],
    links: Sequence[Mapping[str, Any]],
    database: Callable[[str], str] | None = None,
    keys: Mapping[str, Any] | None = None,
    kme_options: Mapping[str, Any] | None = None,
    client_cert: str = "required",
    host: str = "127.0.0.1",
    full_topology: bool = False,
    kme_client_auth: bool = True,
) -> NetworkFiles:
    """Write CA, certificates, link secrets and one TOML per KME into ``folder``.

    File names (``qtilab qkd kms init`` writes the same): ``ca.pem``; per KME ``kme-a.pem``,
    ``kme-a.key``, ``kme-a.toml`` (and its database ``kme-a.db``); per SAE ``sae-1.pem``,
    ``sae-1.key``; per link ``link-kme-a-kme-b.secret``. Private keys and secrets are mode 0600.

    Parameters
    ----------
    kmes:
        KME id -> TCP port.
    saes:
        SAE id -> the KME it is attached to.
    links:
        ``{"a": ..., "b": ..., "rate_bps" or "distance_km" (+ "pulse_rate_hz"), ...}``.
    database:
        KME id -> database URL (default: an SQLite file per KME in ``folder``).
    keys:
        ``[keys]`` table (limits) for every KME.
    kme_options:
        further ``[kme]`` entries for every KME (``max_body_bytes``, ``ready_timeout_s``...).
    full_topology:
        list every SAE, KME and link of the network in every file; by default a KME's file
        holds only its own SAEs, links and neighbours, and it learns the rest from its peers.
    kme_client_auth:
        give KME certificates the clientAuth usage (relays need it; ``False`` only to test
        the error).
    """
    require("cryptography", extra="server")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for node in [*kmes, *saes]:
        file_stem(node)
    stems = [file_stem(n) for n in [*kmes, *saes]]
    if len(set(stems)) != len(stems):
        raise ConfigError(f"two KME/SAE IDs give the same file name: {sorted(stems)}")
    for s, kme in saes.items():
        if kme not in kmes:
            raise ConfigError(f"SAE {s!r} is attached to {kme!r}, which is not a KME of the network")
    for link in links:
        if link.get("a") not in kmes or link.get("b") not in kmes or link["a"] == link["b"]:
            raise ConfigError(f"link {link.get('a')!r}-{link.get('b')!r}: both ends must be two different KMEs of the network")
    ca_cert, ca_key = make_ca()
    ca = folder / "ca.pem"
    write_pem(ca, ca_cert)
    kme_certs, sae_certs = {}, {}
    for k in kmes:
        c, key = issue_cert(ca_cert, ca_key, k, server=True, client=kme_client_auth, hosts=(host, "localhost"))
        p = folder / f"{file_stem(k)}.pem"
        write_pem(p, c, key)
        kme_certs[k] = (p, p.with_suffix(".key"))
    for s in saes:
        c, key = issue_cert(ca_cert, ca_key, s, server=False, client=True)
        p = folder / f"{file_stem(s)}.pem"
        write_pem(p, c, key)
        sae_certs[s] = (p, p.with_suffix(".key"))
    secrets: list[Path] = []
    for link in links:
        p = folder / f"link-{file_stem(link['a'])}-{file_stem(link['b'])}.secret"
        write_private(p, os.urandom(32).hex().encode())
        secrets.append(p)
    urls = {k: f"https://{host}:{port}" for k, port in kmes.items()}
    configs = {}
    for k, port in kmes.items():
        stem = file_stem(k)
        db = database(k) if database else f"sqlite:///{stem}.db"
        lines = [
            "[kme]", f"id = {_toml_str(k)}", f"host = {_toml_str(host)}", f"port = {port}",
            f"database = {_toml_str(db)}",
            *(f"{name} = {_toml_value(v)}" for name, v in (kme_options or {}).items()), "",
            "[tls]", f'cert = "{stem}.pem"', f'key = "{stem}.key"', 'ca = "ca.pem"',
            f"client_cert = {_toml_str(client_cert)}", "",
        ]
        if keys:
            lines += ["[keys]", *(f"{name} = {_toml_value(v)}" for name, v in keys.items()), ""]
        mine = [(link, sec) for link, sec in zip(links, secrets) if full_topology or k in (link["a"], link["b"])]
        neighbours = {link["b"] if link["a"] == k else link["a"] for link, _ in mine if k in (link["a"], link["b"])}
        for s, kme in saes.items():
            if kme == k or full_topology:
                lines += ["[[sae]]", f"id = {_toml_str(s)}", f"kme = {_toml_str(kme)}"]
                if kme == k:
                    lines.append(f'cert = "{file_stem(s)}.pem"')
                lines.append("")
        for other, url in urls.items():
            if other != k and (full_topology or other in neighbours):
                lines += ["[[peer]]", f"id = {_toml_str(other)}", f"url = {_toml_str(url)}",
                          f'cert = "{file_stem(other)}.pem"', ""]
        for link, secret in mine:
            lines += ["[[link]]"]
            for name, v in link.items():
                lines.append(f"{name} = {_toml_value(v)}")
            if k in (link["a"], link["b"]):
                lines.append(f"secret = {_toml_str(secret.name)}")
            lines.append("")
        p = folder / f"{stem}.toml"
        p.write_text("\n".join(lines))
        configs[k] = p
    return NetworkFiles(folder, ca, configs, sae_certs, kme_certs, urls)


def load_description(path: str | Path) -> dict[str, Any]:
    """Read a network description (TOML) for :func:`write_network`.

    ::

        host = "127.0.0.1"                 # optional
        database = "sqlite:///{kme}.db"    # optional; {kme} is the KME's file stem (kme-a)
        [[kme]]
        id = "KME-A"
        port = 8443
        [[sae]]
        id = "SAE-1"
        kme = "KME-A"
        [[link]]
        a = "KME-A"
        b = "KME-B"
        distance_km = 20.0                 # or rate_bps; pulse_rate_hz, capacity_bits...
        [keys]                             # optional, for every KME
        [kme_options]                      # optional [kme] entries for every KME

    Returns the keyword arguments of :func:`write_network`.
    """
    from qtilab.qkd.kms.config import _toml_load

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"network description {path} does not exist")
    raw = _toml_load(path)
    known = {"host", "database", "kme", "sae", "link", "keys", "kme_options", "client_cert"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{path}: unknown entries {sorted(unknown)}; known: {sorted(known)}")
    try:
        kmes = {str(k["id"]): int(k["port"]) for k in raw.get("kme", [])}
        saes = {str(s["id"]): str(s["kme"]) for s in raw.get("sae", [])}
    except KeyError as exc:
        raise ConfigError(f"{path}: every [[kme]] needs id and port, every [[sae]] id and kme (missing {exc})") from None
    if not kmes:
        raise ConfigError(f"{path}: at least one [[kme]] is needed")
    links = [dict(link) for link in raw.get("link", [])]
    return {"kmes": kmes, "saes": saes, "links": links, "host": str(raw.get("host", "127.0.0.1")),
            "database": _db_template(raw.get("database")), "keys": raw.get("keys"),
            "kme_options": raw.get("kme_options"), "client_cert": str(raw.get("client_cert", "required"))}


def _db_template(template: Any) -> Callable[[str], str] | None:
    if template is None:
        return None
    t = str(template)
    if "{kme}" not in t:
        raise ConfigError(f"database = {t!r}: put {{kme}} where each KME's name goes (each KME needs its own database)")
    return lambda kme: t.replace("{kme}", file_stem(kme).replace("-", "_") if not t.startswith("sqlite") else file_stem(kme))


def line_description(spec: str, *, saes: Sequence[str], port: int = 8443, link: Mapping[str, Any] | None = None,
                     host: str = "127.0.0.1", database: str | None = None) -> dict[str, Any]:
    """A line of KMEs, ``"KME-A,KME-B,KME-C"`` (ports ``port``, ``port+1``...), as :func:`load_description`.

    ``saes`` are ``"SAE-1@KME-A"`` items; every inner KME is a trusted relay node.
    """
    ids = [x.strip() for x in spec.split(",") if x.strip()]
    if len(ids) < 1 or len(set(ids)) != len(ids):
        raise ConfigError(f"--line {spec!r}: give distinct KME IDs separated by commas, e.g. KME-A,KME-B,KME-C")
    kmes = {k: port + i for i, k in enumerate(ids)}
    sae_map = {}
    for item in saes:
        if "@" not in item:
            raise ConfigError(f"--sae {item!r}: write SAE_ID@KME_ID, e.g. SAE-1@KME-A")
        s, k = item.split("@", 1)
        sae_map[s] = k
    params = dict(link or {"distance_km": 20.0, "pulse_rate_hz": 1.0e9})
    links = [{"a": a, "b": b, **params} for a, b in zip(ids, ids[1:])]
    return {"kmes": kmes, "saes": sae_map, "links": links, "host": host, "database": _db_template(database),
            "keys": None, "kme_options": None, "client_cert": "required"}
