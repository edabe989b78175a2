"""Mutual TLS plumbing: the client certificate reaches the app, and TLS contexts for clients.

uvicorn checks the client certificate (``ssl_cert_reqs``, ``ssl_ca_certs``) but does not hand
it to the ASGI application. :class:`PeerCertH11Protocol` is uvicorn's h11 protocol with one
addition: when a TLS connection is made it reads the peer certificate from the transport's
``ssl_object`` and wraps the app so that every request of that connection carries it in the
ASGI TLS extension, ``scope["extensions"]["tls"]["client_cert_chain"]`` (PEM strings, as the
ASGI spec defines it). The certificate is taken from the TLS session itself, never from a
header, so a client cannot claim another identity.

:class:`LinkPads` derives the link key of a *simulated* QKD link: both ends hold the same
secret (standing in for the key their QKD devices distil) and expand it with ChaCha20;
chunk ``i`` of direction ``"A->B"`` is the same 256-bit pad at both ends.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qtilab._optional import require

# PeerCertH11Protocol is made on first access (module __getattr__), so that importing this
# module does not import uvicorn
__all__ = ["LinkPads", "check_kme_certificate", "client_ssl_context", "peer_cert_pem", "relay_error_hint"]


def peer_cert_pem(scope: Mapping[str, Any]) -> str | None:
    """The client certificate (PEM) of the request's TLS connection, or ``None``."""
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    return chain[0] if chain else None


_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def _tls_app(app: Any, der: bytes | None, tls_version: str | None) -> Any:
    pem = ssl.DER_cert_to_PEM_cert(der) if der else None
    ext = {
        "server_cert": None,
        "client_cert_chain": [pem] if pem else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": _TLS_VERSIONS.get(tls_version or ""),  # the ASGI spec's integer form
        "cipher_suite": None,
    }

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            extensions = dict(scope.get("extensions") or {})
            extensions["tls"] = ext
            scope["extensions"] = extensions
        await app(scope, receive, send)

    return wrapped


def _make_protocol_class() -> type:
    require("uvicorn", extra="server")
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class PeerCertH11Protocol(H11Protocol):  # type: ignore[misc]
        """uvicorn's h11 protocol that puts the TLS client certificate into the ASGI scope."""

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            ssl_object = transport.get_extra_info("ssl_object")
            der = None
            version = None
            if ssl_object is not None:
                # asyncio calls connection_made after the handshake, so the peer's
                # certificate (already verified against the CA) is known here
                der = ssl_object.getpeercert(binary_form=True)
                version = ssl_object.version()
            # per connection: self.app is this protocol instance's own attribute
            self.app = _tls_app(self.config.loaded_app, der, version)

    return PeerCertH11Protocol


_PROTO: type | None = None


def __getattr__(name: str) -> Any:
    global _PROTO
    if name == "PeerCertH11Protocol":
        if _PROTO is None:
            _PROTO = _make_protocol_class()
        return _PROTO
    raise AttributeError(name)


def client_ssl_context(
    ca: str | Path | None, cert: str | Path | None = None, key: str | Path | None = None
) -> ssl.SSLContext:
    """A TLS client context that trusts ``ca`` and presents ``cert``/``key`` (mutual TLS)."""
    ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key) if key else None)
    return ctx


def relay_error_hint(exc: BaseException) -> str:
    """What went wrong when a KME could not talk to a peer, with what to check."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    low = text.lower()
    if any(w in low for w in ("ssl", "certificate", "tls", "handshake", "remoteprotocolerror", "disconnected")):
        text += (" (the TLS handshake with the peer failed: both KMEs need certificates from the same CA "
                 "with the serverAuth and clientAuth usages, e.g. from `qtilab qkd kms init`)")
    elif "connect" in low or "refused" in low:
        text += " (the peer KME is not running or its [[peer]] url is wrong)"
    return text


def check_kme_certificate(cert_path: str | Path, kme_id: str, *, relays: bool) -> None:
    """Refuse a KME certificate that cannot do its jobs, with a message that says why.

    A KME is a TLS server for SAEs and peers (extended key usage serverAuth) and, when it relays
    keys, a TLS client of its peers (clientAuth): without clientAuth the peer refuses the
    handshake and the relay fails with an opaque protocol error.
    """
    from qtilab.errors import ConfigError

    require("cryptography", extra="server")
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except ValueError as exc:
        raise ConfigError(f"[tls] cert {cert_path} is not a PEM certificate: {exc}") from exc
    try:
        eku = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return  # no restriction: any usage
    missing = []
    if ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        missing.append("serverAuth (it serves HTTPS)")
    if relays and ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        missing.append("clientAuth (it connects to its peer KMEs to relay keys; they would refuse the handshake)")
    if missing:
        raise ConfigError(
            f"the certificate of {kme_id} ({cert_path}) lacks the extended key usage "
            + " and ".join(missing) + ": issue it with both serverAuth and clientAuth "
            "(`qtilab qkd kms init` does)"
        )


class LinkPads:
    """Pads of a simulated QKD link: ``pad(direction, start, count)`` -> ``count*32`` bytes."""

    CHUNK_BYTES = 32

    def __init__(self, secret: bytes) -> None:
        require("cryptography", extra="server")
        self._secret = secret
        self._keys: dict[str, bytes] = {}

    def _key(self, direction: str) -> bytes:
        k = self._keys.get(direction)
        if k is None:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.kdf.hkdf import HKDF

            k = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"qtilab-kms-link " + direction.encode(),
            ).derive(self._secret)
            self._keys[direction] = k
        return k

    def pad(self, direction: str, start: int, count: int) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher
        from cryptography.hazmat.primitives.ciphers.algorithms import ChaCha20

        key = self._key(direction)
        out = []
        for i in range(start, start + count):
            # one ChaCha20 stream per chunk (nonce = chunk index), so any chunk can be derived alone
            nonce = (0).to_bytes(4, "little") + i.to_bytes(12, "little")
            enc = Cipher(ChaCha20(key, nonce), mode=None).encryptor()
            out.append(enc.update(bytes(self.CHUNK_BYTES)))
        return b"".join(out)
