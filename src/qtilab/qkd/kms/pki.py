"""A throw-away PKI and network configuration for tests, demos and benchmarks.

:func:`make_ca` and :func:`issue_cert` make an ECDSA P-256 CA and certificates with
``cryptography``; :func:`write_network` writes, into one folder, a CA, a certificate per KME
(server and client use) and per SAE (client use), a shared secret per QKD link and one TOML
configuration per KME. Never use these files in production: the keys are unencrypted.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qtilab._optional import require

__all__ = ["NetworkFiles", "issue_cert", "make_ca", "write_network"]


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


def write_pem(path: Path, cert: Any, key: Any | None = None) -> None:
    """Write ``path`` (certificate) and, with ``key``, ``path.with_suffix('.key')``."""
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        kp = path.with_suffix(".key")
        kp.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        os.chmod(kp, 0o600)


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


def write_network(
    folder: str | Path,
    *,
    kmes: Mapping[str, int],
    saes: Mapping[str, str],
    links: Sequence[Mapping[str, Any]],
    database: Callable[[str], str] | None = None,
    keys: Mapping[str, int] | None = None,
    client_cert: str = "required",
    host: str = "127.0.0.1",
) -> NetworkFiles:
    """Write CA, certificates, link secrets and one TOML per KME into ``folder``.

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
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = make_ca()
    ca = folder / "ca.pem"
    write_pem(ca, ca_cert)
    kme_certs, sae_certs = {}, {}
    for k in kmes:
        c, key = issue_cert(ca_cert, ca_key, k, server=True, client=True, hosts=(host, "localhost"))
        p = folder / f"{k}.pem"
        write_pem(p, c, key)
        kme_certs[k] = (p, p.with_suffix(".key"))
    for s in saes:
        c, key = issue_cert(ca_cert, ca_key, s, server=False, client=True)
        p = folder / f"{s}.pem"
        write_pem(p, c, key)
        sae_certs[s] = (p, p.with_suffix(".key"))
    secrets: list[Path] = []
    for link in links:
        p = folder / f"link-{link['a']}-{link['b']}.secret"
        p.write_bytes(os.urandom(32).hex().encode())
        os.chmod(p, 0o600)
        secrets.append(p)
    urls = {k: f"https://{host}:{port}" for k, port in kmes.items()}
    configs = {}
    for k, port in kmes.items():
        db = database(k) if database else f"sqlite:///{k}.db"
        lines = [
            "[kme]", f"id = {_toml_str(k)}", f"host = {_toml_str(host)}", f"port = {port}",
            f"database = {_toml_str(db)}", "",
            "[tls]", f'cert = "{k}.pem"', f'key = "{k}.key"', 'ca = "ca.pem"',
            f"client_cert = {_toml_str(client_cert)}", "",
        ]
        if keys:
            lines += ["[keys]", *(f"{name} = {v}" for name, v in keys.items()), ""]
        for s, kme in saes.items():
            lines += ["[[sae]]", f"id = {_toml_str(s)}", f"kme = {_toml_str(kme)}"]
            if kme == k:
                lines.append(f'cert = "{s}.pem"')
            lines.append("")
        for other, url in urls.items():
            if other != k:
                lines += ["[[peer]]", f"id = {_toml_str(other)}", f"url = {_toml_str(url)}", f'cert = "{other}.pem"', ""]
        for link, secret in zip(links, secrets):
            lines += ["[[link]]"]
            for name, v in link.items():
                lines.append(f"{name} = {_toml_str(v) if isinstance(v, str) else repr(float(v))}")
            if k in (link["a"], link["b"]):
                lines.append(f"secret = {_toml_str(secret.name)}")
            lines.append("")
        p = folder / f"{k}.toml"
        p.write_text("\n".join(lines))
        configs[k] = p
    return NetworkFiles(folder, ca, configs, sae_certs, kme_certs, urls)
