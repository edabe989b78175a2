"""Running a KME: uvicorn over HTTPS with mutual TLS.

``serve(config)`` blocks (the CLI's ``qtilab qkd kms serve``); :class:`ServerThread` runs one
in a background thread (demo, benchmark).
"""

from __future__ import annotations

import ssl
import threading
import time
from typing import Any

from qtilab._optional import require
from qtilab.errors import ConfigError
from qtilab.qkd.kms.config import KMSConfig

__all__ = ["ServerThread", "serve", "uvicorn_config"]


def uvicorn_config(config: KMSConfig, app: Any = None, *, log_level: str = "info", **kw: Any) -> Any:
    """The ``uvicorn.Config`` of a KME: HTTPS, client certificates checked against the CA."""
    uvicorn = require("uvicorn", extra="server")
    from qtilab.qkd.kms.app import create_app
    from qtilab.qkd.kms.tls import PeerCertH11Protocol, check_kme_certificate

    for name in ("tls_cert", "tls_key", "tls_ca"):
        p = getattr(config, name)
        if p is None:
            raise ConfigError(f"[tls] {name[4:]} is required: the KME only speaks HTTPS with mutual TLS")
        if not p.is_file():
            raise ConfigError(f"[tls] {name[4:]} file {p} does not exist")
    check_kme_certificate(config.tls_cert, config.kme_id, relays=bool(config.peers or config.links))  # type: ignore[arg-type]
    if app is None:
        app = create_app(config)
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        http=PeerCertH11Protocol,
        ssl_certfile=str(config.tls_cert),
        ssl_keyfile=str(config.tls_key),
        ssl_ca_certs=str(config.tls_ca),
        # "required": the TLS handshake fails without a CA-signed client certificate;
        # "optional": it succeeds and the app answers 401 (a CA-signed certificate that is
        # presented is still verified, an invalid one fails the handshake)
        ssl_cert_reqs=ssl.CERT_REQUIRED if config.client_cert == "required" else ssl.CERT_OPTIONAL,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=kw.pop("timeout_graceful_shutdown", 5),
        **kw,
    )


def serve(config: KMSConfig, *, log_level: str = "info") -> None:
    """Run the KME until interrupted."""
    uvicorn = require("uvicorn", extra="server")
    uvicorn.Server(uvicorn_config(config, log_level=log_level)).run()


class ServerThread:
    """A KME in a background thread: ``with ServerThread(cfg) as s: ... s.url ...``."""

    def __init__(self, config: KMSConfig, *, log_level: str = "warning", app: Any = None) -> None:
        uvicorn = require("uvicorn", extra="server")
        self.config = config
        self.server = uvicorn.Server(uvicorn_config(config, app, log_level=log_level))
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"kme-{config.kme_id}")

    @property
    def url(self) -> str:
        return f"https://{self.config.host}:{self.config.port}"

    def start(self, timeout: float = 20.0) -> ServerThread:
        self.thread.start()
        t0 = time.monotonic()
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() - t0 > timeout:
                raise RuntimeError(f"KME {self.config.kme_id} did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
