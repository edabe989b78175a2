"""A key-management service (KME) speaking ETSI GS QKD 014 V1.1.1 over mutual TLS.

* :mod:`~qtilab.qkd.kms.config` -- the TOML configuration (certificates, CA, SAEs, peers, links)
* :mod:`~qtilab.qkd.kms.store`  -- the SQLAlchemy key store (SQLite file or PostgreSQL)
* :mod:`~qtilab.qkd.kms.app`    -- the FastAPI application (014 endpoints, KME relay)
* :mod:`~qtilab.qkd.kms.tls`    -- client certificate into the ASGI scope; simulated link pads
* :mod:`~qtilab.qkd.kms.server` -- uvicorn with ``ssl_cert_reqs`` / ``ssl_ca_certs``
* :mod:`~qtilab.qkd.kms.client` -- a 014 client for any KME
* :mod:`~qtilab.qkd.kms.pki`    -- a throw-away CA and certificates for tests and demos

Everything here needs the ``server`` extra: ``pip install 'qtilab[server]'``.
See ``docs/kms.md``.
"""

from __future__ import annotations
