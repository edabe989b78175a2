"""A small ETSI GS QKD 014 client (mutual TLS) for any 014 key manager.

Examples
--------
>>> c = KMSClient("https://kme-a.example:8443", ca="ca.pem", cert="sae-1.pem", key="sae-1.key")
>>> keys = c.get_key("SAE-2", number=2, size=256)            # doctest: +SKIP
>>> same = KMSClient(...).get_key_with_id("SAE-1", [k["key_ID"] for k in keys["keys"]])  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qtilab._optional import require
from qtilab.errors import QtilabError

__all__ = ["KMSClient", "KMSClientError"]


class KMSClientError(QtilabError):
    """A 014 request failed; ``status`` is the HTTP status (0 when no answer came back)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}" if status else message)
        self.status = status
        self.message = message


class KMSClient:
    """Client of one KME for one SAE (its certificate and key)."""

    def __init__(
        self,
        base_url: str,
        *,
        ca: str | Path | None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        timeout: float = 30.0,
    ) -> None:
        httpx = require("httpx", extra="server")
        from qtilab.qkd.kms.tls import client_ssl_context

        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(verify=client_ssl_context(ca, cert, key), timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KMSClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        import httpx

        try:
            r = self._http.request(method, f"{self.base_url}/api/v1/keys/{path}", **kw)
        except httpx.HTTPError as exc:
            raise KMSClientError(0, f"cannot reach {self.base_url}: {type(exc).__name__}: {exc}") from None
        try:
            body = r.json()
        except ValueError:
            body = {"message": r.text[:300]}
        if r.status_code != 200:
            raise KMSClientError(r.status_code, str(body.get("message", body)))
        if not isinstance(body, dict):
            raise KMSClientError(r.status_code, "the answer is not a JSON object")
        return body

    def status(self, slave_sae_id: str) -> dict[str, Any]:
        """``GET /api/v1/keys/{slave_SAE_ID}/status``."""
        return self._call("GET", f"{slave_sae_id}/status")

    def get_key(
        self,
        slave_sae_id: str,
        number: int | None = None,
        size: int | None = None,
        *,
        additional_slave_sae_ids: list[str] | None = None,
        post: bool = True,
    ) -> dict[str, Any]:
        """``enc_keys``: new keys shared with ``slave_sae_id`` (and any additional slaves)."""
        if post or additional_slave_sae_ids:
            body: dict[str, Any] = {}
            if number is not None:
                body["number"] = number
            if size is not None:
                body["size"] = size
            if additional_slave_sae_ids:
                body["additional_slave_SAE_IDs"] = list(additional_slave_sae_ids)
            return self._call("POST", f"{slave_sae_id}/enc_keys", json=body)
        params = {k: v for k, v in (("number", number), ("size", size)) if v is not None}
        return self._call("GET", f"{slave_sae_id}/enc_keys", params=params)

    def get_key_with_id(self, master_sae_id: str, key_ids: list[str], *, post: bool = True) -> dict[str, Any]:
        """``dec_keys``: the keys ``key_ids`` that master ``master_sae_id`` obtained."""
        if not post and len(key_ids) == 1:
            return self._call("GET", f"{master_sae_id}/dec_keys", params={"key_ID": key_ids[0]})
        return self._call("POST", f"{master_sae_id}/dec_keys", json={"key_IDs": [{"key_ID": k} for k in key_ids]})
