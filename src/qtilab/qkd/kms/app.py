"""The KME as a FastAPI application: ETSI GS QKD 014 V1.1.1, plus the KME-to-KME relay.

SAE-facing (ETSI GS QKD 014 V1.1.1, section 5)::

    GET  /api/v1/keys/{slave_SAE_ID}/status
    GET  /api/v1/keys/{slave_SAE_ID}/enc_keys?number=&size=
    POST /api/v1/keys/{slave_SAE_ID}/enc_keys     {"number", "size", "additional_slave_SAE_IDs",
                                                    "extension_mandatory", "extension_optional"}
    GET  /api/v1/keys/{master_SAE_ID}/dec_keys?key_ID=
    POST /api/v1/keys/{master_SAE_ID}/dec_keys     {"key_IDs": [{"key_ID": ...}], ...}

Answers use the specification's JSON names (``keys``/``key_ID``/``key`` with the key in
Base64, ``source_KME_ID``, ``stored_key_count``...) and its error body ``{"message": ...,
"details": [...]}`` with status 400 (bad request), 401 (unauthorised) or 503 (server side: no
key material, a peer KME unreachable). The OpenAPI document is at ``/openapi.json``.

KME-facing (qtilab's own, not part of 014; KME certificates only)::

    POST /api/v1/relay        trusted-node relay of new keys towards the slave SAEs' KME
    POST /api/v1/topology     the links and SAE attachments this KME knows (route discovery)
    POST /api/v1/pool         link key left along a path (``stored_key_count`` over relays)

Anyone whose TLS handshake succeeds::

    GET  /ready               200 once every link pool of this KME holds a key, else 503

Every ``/api/v1/`` request is authenticated from its TLS client certificate *before* its body is
read (401), and its body may not exceed ``max_body_bytes`` (413, checked while reading: a
larger body is refused without being buffered).

Route discovery: a KME's file needs only its own links and neighbours. When it knows no path to
a KME (or does not know a slave SAE), it asks its peers for the links and SAE attachments they
know; each asks its own peers in turn (never one already asked), so the whole connected network
answers.

How a key is made: when the master SAE's KME (the *origin*) and a slave SAE's KME differ, the
key is the first hop's QKD link key (allocated from that link's pool); every further hop
forwards it one-time-pad encrypted with its own link key; the last KME stores it for the slave
SAEs. When master and slave share a KME, the key comes from the operating system's random
source (a QRNG in a real node). The origin relays *before* it answers the master, so a key the
master holds is always already stored for its slaves.
"""

# no "from __future__ import annotations": FastAPI reads the (local) annotations at runtime
import asyncio
import base64
import contextlib
import json
import logging
import math
import os
import threading
import time
import uuid
from typing import Annotated, Any

from qtilab._optional import require
from qtilab.qkd.kms.config import KMSConfig, cert_sha256
from qtilab.qkd.kms.store import CHUNK_BITS, KeyStore, StoreError
from qtilab.qkd.kms.tls import LinkPads, client_ssl_context, peer_cert_pem, relay_error_hint

__all__ = ["create_app"]

log = logging.getLogger("qtilab.kms")

API = "/api/v1"


class KMSError(Exception):
    """An error answered with the 014 error body."""

    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _check_uuid(k: Any) -> str:
    if not isinstance(k, str):
        raise KMSError(400, f"key_ID must be a string in UUID format, got {k!r}")
    try:
        return str(uuid.UUID(k))
    except ValueError:
        raise KMSError(400, f"key_ID {k!r} is not in UUID format") from None


def create_app(config: KMSConfig, store: KeyStore | None = None) -> Any:
    """Build the FastAPI application of one KME.

    Parameters
    ----------
    config:
        The KME's configuration (:func:`qtilab.qkd.kms.config.load_config`).
    store:
        The key store; by default one on ``config.database``.
    """
    require("fastapi", extra="server")
    require("httpx", extra="server")
    nx = require("networkx", extra="server")
    import httpx
    from fastapi import Body, FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, ConfigDict, Field
    from starlette.exceptions import HTTPException as StarletteHTTPException

    store = store or KeyStore(config.database_url(), max_keys=config.max_key_count, lifetime_s=config.key_lifetime_s)
    me = config.kme_id

    # --------------------------------------------------------------- schemas (OpenAPI)
    class KeyRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        number: int | None = Field(None, description="number of keys requested, default 1")
        size: int | None = Field(None, description="size of each key in bits, default key_size")
        additional_slave_SAE_IDs: list[str] | None = Field(None, description="further slave SAEs (multicast)")
        extension_mandatory: list[dict[str, Any]] | None = None
        extension_optional: list[dict[str, Any]] | None = None

    class KeyIDItem(BaseModel):
        key_ID: str
        key_ID_extension: Any | None = None

    class KeyIDs(BaseModel):
        model_config = ConfigDict(extra="forbid")
        key_IDs: list[KeyIDItem]
        key_IDs_extension: Any | None = None

    class Key(BaseModel):
        key_ID: str
        key_ID_extension: Any | None = None
        key: str = Field(description="the key, Base64")
        key_extension: Any | None = None

    class KeyContainer(BaseModel):
        keys: list[Key]
        key_container_extension: Any | None = None

    class Status(BaseModel):
        source_KME_ID: str
        target_KME_ID: str
        master_SAE_ID: str
        slave_SAE_ID: str
        key_size: int
        stored_key_count: int
        max_key_count: int
        max_key_per_request: int
        max_key_size: int
        min_key_size: int
        max_SAE_ID_count: int
        status_extension: Any | None = None

    class Error(BaseModel):
        message: str
        details: list[dict[str, Any]] | None = None

    class RelayKey(BaseModel):
        key_ID: str
        ciphertext: str | None = None

    class RelayRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        path: list[str]
        hop: int
        chunk_start: int
        chunks_per_key: int
        size: int
        master_SAE_ID: str
        slave_SAE_IDs: list[str]
        keys: list[RelayKey]

    class TopologyRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        visited: list[str] = Field(description="KMEs already asked (not to be asked again)")

    class PoolRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        path: list[str]
        hop: int

    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": Error, "description": "Bad request format"},
        401: {"model": Error, "description": "Unauthorized"},
        413: {"model": Error, "description": "Request body larger than max_body_bytes"},
        503: {"model": Error, "description": "Error on server side"},
    }

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        # uvicorn opens its port only after this startup: wait (bounded) until every link pool
        # holds a key, so that a request right after start does not get a surprising 503
        t0 = time.monotonic()
        while True:
            missing = await asyncio.to_thread(_not_ready)
            if not missing:
                if time.monotonic() - t0 > 0.5:
                    log.info("%s ready: every link pool holds key (waited %.1f s)", me, time.monotonic() - t0)
                break
            if time.monotonic() - t0 >= config.ready_timeout_s:
                log.warning("%s starts without key on %s after ready_timeout_s=%g s; /ready answers 503 "
                            "until the pools fill", me, ", ".join(missing), config.ready_timeout_s)
                break
            await asyncio.sleep(0.05)
        yield
        if relay_client is not None:
            relay_client.close()
        store.close()

    app = FastAPI(
        lifespan=lifespan,
        title=f"qtilab KME {me}",
        version="1.1.1",
        description="ETSI GS QKD 014 V1.1.1 key delivery API (qtilab).",
    )

    # --------------------------------------------------------------- guard: identity, then body size
    def _who(scope: dict[str, Any]) -> str | None:
        """None when the caller may use this path, else the 401 message."""
        pem = peer_cert_pem(scope)
        if pem is None:
            return "a client certificate is required (mutual TLS)"
        fp = cert_sha256(pem)
        if scope["path"].startswith(f"{API}/keys/"):
            if config.sae_by_fingerprint(fp) is None:
                return f"the client certificate is not registered to any SAE of {me}"
        elif config.peer_by_fingerprint(fp) is None:
            return "this endpoint is only for the KMEs of this network (client certificate unknown)"
        return None

    async def _send_json(send: Any, status: int, body: dict[str, Any], close: bool = False) -> None:
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    limit = config.max_body_bytes
    too_big = {"message": f"the request body is larger than max_body_bytes={limit} bytes"}

    class Guard:
        """ASGI middleware: authenticate ``/api/v1/`` requests, then read the body up to the cap."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or not scope["path"].startswith(f"{API}/"):
                await self.inner(scope, receive, send)
                return
            err = _who(scope)
            if err is not None:
                await _send_json(send, 401, {"message": err})
                return
            declared = dict(scope.get("headers") or []).get(b"content-length")
            if declared is not None:
                try:
                    n = int(declared)
                except ValueError:
                    await _send_json(send, 400, {"message": "bad request format: invalid Content-Length"}, True)
                    return
                if n > limit:  # refused before a byte of the body is read
                    await _send_json(send, 413, too_big, True)
                    return
            chunks, total, more = [], 0, True
            while more:
                msg = await receive()
                if msg["type"] != "http.request":
                    return  # the client went away
                chunk = msg.get("body", b"")
                total += len(chunk)
                if total > limit:  # chunked upload: refused as soon as it passes the cap
                    await _send_json(send, 413, too_big, True)
                    return
                chunks.append(chunk)
                more = msg.get("more_body", False)
            body, given = b"".join(chunks), False

            async def replay() -> dict[str, Any]:
                nonlocal given
                if not given:
                    given = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return dict(await receive())

            await self.inner(scope, replay, send)

    app.add_middleware(Guard)

    @app.exception_handler(KMSError)
    async def _kms_error(_r: Request, exc: KMSError) -> JSONResponse:
        body: dict[str, Any] = {"message": exc.message}
        if exc.details:
            body["details"] = exc.details
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_r: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
            details.append({"field": where, "problem": str(e.get("msg"))})
        msg = "; ".join(f"{d['field']}: {d['problem']}" for d in details) or "malformed request"
        return JSONResponse({"message": f"bad request format: {msg}", "details": details}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    # --------------------------------------------------------------- topology, links
    # the routing graph: this KME's configured links, plus what route discovery learns (the
    # graph object is replaced, never changed in place, so readers need no lock)
    base_graph = nx.Graph()
    for link in config.links:
        base_graph.add_edge(link.a, link.b, link=link)
    net: dict[str, Any] = {"graph": base_graph, "saes": {s.id: s.kme for s in config.saes.values()},
                           "asked": -1e9}
    disc_lock = threading.Lock()
    pads: dict[str, LinkPads] = {}
    for link in config.links:
        if me in (link.a, link.b):
            other = link.b if link.a == me else link.a
            pads[other] = LinkPads(config.link_secret(link))
            store.start_link(f"{me}->{other}")
    relay_client = httpx.Client(
        verify=client_ssl_context(config.tls_ca, config.tls_cert, config.tls_key),
        timeout=config.relay_timeout_s,
    ) if config.tls_cert else None
    app.state.store = store
    app.state.config = config
    default_cpk = math.ceil(config.default_key_size / CHUNK_BITS)

    def _own_chunks(nxt: str) -> int:
        link = config.link_to(nxt)
        if link is None:
            return 0
        return store.available_chunks(f"{me}->{nxt}", link.rate_bps, link.capacity_bits)

    def _not_ready() -> list[str]:
        """The outgoing link pools that hold less than one key of ``default_key_size``."""
        return [f"{me}->{o}" for o in sorted(pads) if _own_chunks(o) < default_cpk]

    def _peer_call(peer_id: str, endpoint: str, body: dict[str, Any]) -> Any:
        peer = config.peers.get(peer_id)
        if peer is None or relay_client is None:
            raise KMSError(503, f"{me} cannot reach {peer_id}: no [[peer]] entry with its URL (or no TLS)")
        log.debug("%s: %s to %s", me, endpoint, peer_id)
        try:
            r = relay_client.post(f"{peer.url}{API}/{endpoint}", json=body)
        except httpx.HTTPError as exc:
            raise KMSError(503, f"{endpoint} to {peer_id} failed: {relay_error_hint(exc)}") from None
        if r.status_code != 200:
            try:
                msg = r.json().get("message", "")
            except ValueError:
                msg = r.text[:200]
            raise KMSError(503, f"{endpoint} refused by {peer_id} ({r.status_code}): {msg}")
        return r.json()

    def _topology(visited: list[str]) -> tuple[list[list[str]], dict[str, str]]:
        """Links and SAE attachments known here and (recursively) at peers not yet visited."""
        g, saes = net["graph"], dict(net["saes"])
        links = [[a, b] for a, b in g.edges]
        ask = [p for p in sorted(config.peers) if p not in visited]
        seen = sorted({*visited, me, *ask})
        for p in ask:
            try:
                got = _peer_call(p, "topology", {"visited": seen})
            except KMSError as exc:
                log.info("route discovery: %s", exc.message)
                continue
            links += [[str(x), str(y)] for x, y in got.get("links", [])]
            for sid, kme in dict(got.get("saes", {})).items():
                saes.setdefault(str(sid), str(kme))
        return links, saes

    def discover() -> None:
        """Learn the network from the peers (at most once every 2 s)."""
        with disc_lock:
            if time.monotonic() - net["asked"] < 2.0:
                return
            links, saes = _topology([me])
            g = net["graph"].copy()
            for a, b in links:
                if not g.has_edge(a, b):
                    g.add_edge(a, b, link=None)
            added = g.number_of_edges() - net["graph"].number_of_edges()
            net["graph"], net["saes"], net["asked"] = g, saes, time.monotonic()
            log.info("route discovery: %d link(s) known (%d new), %d SAE(s)", g.number_of_edges(), added, len(saes))

    # --------------------------------------------------------------- identity
    def fingerprint(request: Request) -> str | None:
        pem = peer_cert_pem(request.scope)
        return cert_sha256(pem) if pem else None

    def caller_sae(request: Request) -> str:
        fp = fingerprint(request)
        if fp is None:
            raise KMSError(401, "a client certificate is required (mutual TLS)")
        sae = config.sae_by_fingerprint(fp)
        if sae is None:
            raise KMSError(401, f"the client certificate is not registered to any SAE of {me}")
        return sae.id

    def caller_peer(request: Request) -> Any:
        fp = fingerprint(request)
        peer = config.peer_by_fingerprint(fp) if fp else None
        if peer is None:
            raise KMSError(401, "this endpoint is only for the KMEs of this network (client certificate unknown)")
        return peer

    def kme_of(sae_id: str, role: str) -> str:
        """The KME a SAE is attached to (from the file, else from route discovery); 400 if none."""
        kme = net["saes"].get(sae_id)
        if kme is None:
            discover()
            kme = net["saes"].get(sae_id)
        if kme is None:
            raise KMSError(400, f"unknown {role} {sae_id!r}: no KME of the network has it (not in the "
                                f"configuration of {me} nor of any KME reachable from it)")
        return str(kme)

    # --------------------------------------------------------------- relay
    def _paths(dest: str) -> list[list[str]]:
        def find() -> list[list[str]]:
            g = net["graph"]
            if me not in g or dest not in g:
                return []
            try:
                out = []
                for p in nx.shortest_simple_paths(g, me, dest):
                    out.append(list(p))
                    if len(out) == 3:
                        break
                return out
            except nx.NetworkXNoPath:
                return []

        paths = find()
        if not paths:
            discover()
            paths = find()
        return paths

    def _forward(path: list[str], hop: int, body: dict[str, Any]) -> None:
        """Send ``body`` (already encrypted for hop ``hop``) to ``path[hop]``."""
        _peer_call(path[hop], "relay", body)

    def _send_hop(path: list[str], hop: int, keys: list[tuple[str, bytes | None]], size: int,
                  master: str, slaves: list[str], cpk: int) -> list[bytes]:
        """Allocate pads on link path[hop-1] -> path[hop], encrypt, send. Returns the keys.

        A key given as ``None`` *is* the pad (first hop of a fresh key)."""
        nxt = path[hop]
        link = config.link_to(nxt)
        if nxt not in pads or link is None:
            raise KMSError(400, f"{me} has no QKD link with {nxt} (relay path {path})")
        direction = f"{me}->{nxt}"
        n = len(keys) * cpk
        start = store.allocate_chunks(direction, n, link.rate_bps, link.capacity_bits)
        if start is None:
            raise KMSError(503, f"not enough QKD key on link {direction} for {len(keys)} key(s) of {size} bits")
        pad = pads[nxt].pad(direction, start, n)
        nbytes = size // 8
        out_keys, items = [], []
        for j, (kid, k) in enumerate(keys):
            p = pad[j * cpk * 32:(j + 1) * cpk * 32][:nbytes]
            if k is None:
                out_keys.append(p)
                items.append({"key_ID": kid, "ciphertext": None})
            else:
                out_keys.append(k)
                items.append({"key_ID": kid, "ciphertext": _b64(_xor(k, p))})
        body = {
            "path": path, "hop": hop, "chunk_start": start, "chunks_per_key": cpk, "size": size,
            "master_SAE_ID": master, "slave_SAE_IDs": slaves, "keys": items,
        }
        _forward(path, hop, body)
        return out_keys

    def relay_to(dest: str, key_ids: list[str], keys: list[bytes] | None, size: int,
                 master: str, slaves: list[str]) -> list[bytes]:
        """Deliver new keys to KME ``dest`` over the first path that works; returns the keys."""
        paths = _paths(dest)
        if not paths:
            raise KMSError(503, f"no QKD path from {me} to {dest}: no chain of links joins them "
                                "(neither in the configuration nor as discovered from the peers)")
        cpk = math.ceil(size / CHUNK_BITS)
        last: KMSError | None = None
        for path in paths:
            try:
                given: list[bytes | None] = list(keys) if keys is not None else [None] * len(key_ids)
                return _send_hop(path, 1, list(zip(key_ids, given)), size, master, slaves, cpk)
            except KMSError as exc:
                last = exc
                log.info("relay %s over %s failed (%s); trying another path", me, "-".join(path), exc.message)
        raise last if last is not None else KMSError(503, f"no path from {me} to {dest}")

    def _path_chunks(path: list[str], hop: int) -> int:
        """Link-key chunks left on every link from ``path[hop]`` to the end: the minimum."""
        nxt = path[hop + 1]
        if nxt not in pads:
            return 0
        n = _own_chunks(nxt)
        if n > 0 and hop + 2 < len(path):
            try:
                n = min(n, int(_peer_call(nxt, "pool", {"path": path, "hop": hop + 1})["chunks"]))
            except (KMSError, KeyError, TypeError, ValueError):
                return 0  # the rest of the path cannot be asked: no key can go over it now
        return n

    # --------------------------------------------------------------- 014: status
    def _status(slave_SAE_ID: str, request: Request) -> Status:
        master = caller_sae(request)
        slave_kme = kme_of(slave_SAE_ID, "slave_SAE_ID")
        if slave_kme == me:
            # keys from the local random source: as many as the store may still hold
            stored = max(0, config.max_key_count - store.undelivered_count())
        else:
            paths = _paths(slave_kme)
            chunks = _path_chunks(paths[0], 0) if paths else 0
            stored = min(config.max_key_count, chunks // default_cpk)
        return Status(
            source_KME_ID=me, target_KME_ID=slave_kme, master_SAE_ID=master, slave_SAE_ID=slave_SAE_ID,
            key_size=config.default_key_size, stored_key_count=stored, max_key_count=config.max_key_count,
            max_key_per_request=config.max_key_per_request, max_key_size=config.max_key_size,
            min_key_size=config.min_key_size, max_SAE_ID_count=config.max_sae_id_count,
        )

    app.get(f"{API}/keys/{{slave_SAE_ID}}/status", response_model=Status, response_model_exclude_none=True,
            responses=errors, summary="Get status")(_status)

    # --------------------------------------------------------------- readiness
    @app.get("/ready", summary="200 when every link pool of this KME holds key (qtilab, not 014)")
    def ready() -> Any:
        missing = _not_ready()
        body = {"ready": not missing, "kme": me,
                "link_keys": {f"{me}->{o}": _own_chunks(o) // default_cpk for o in sorted(pads)}}
        if missing:
            body["message"] = f"waiting for QKD key on {', '.join(missing)}"
            return JSONResponse(body, status_code=503)
        return body

    # --------------------------------------------------------------- 014: enc_keys
    def _enc(slave_SAE_ID: str, request: Request, number: int | None, size: int | None,
             additional: list[str] | None, mandatory: list[dict[str, Any]] | None) -> KeyContainer:
        master = caller_sae(request)
        number = 1 if number is None else number
        size = config.default_key_size if size is None else size
        if not 1 <= number <= config.max_key_per_request:
            raise KMSError(400, f"number must be between 1 and max_key_per_request={config.max_key_per_request}, got {number}")
        if size % 8 or not config.min_key_size <= size <= config.max_key_size:
            raise KMSError(400, f"size must be a multiple of 8 between {config.min_key_size} and {config.max_key_size} bits, got {size}")
        if mandatory:
            names = sorted({k for ext in mandatory for k in ext})
            raise KMSError(400, "not supported extension_mandatory parameter(s)",
                           [{"extension_mandatory_unsupported": names}])
        additional = list(additional or [])
        if len(additional) > config.max_sae_id_count:
            raise KMSError(400, f"at most max_SAE_ID_count={config.max_sae_id_count} additional_slave_SAE_IDs allowed, got {len(additional)}")
        slaves = [slave_SAE_ID, *additional]
        if len(set(slaves)) != len(slaves) or master in slaves:
            raise KMSError(400, "slave SAE IDs must be distinct and differ from the master SAE ID")
        slave_kmes = {s: kme_of(s, "slave_SAE_ID") for s in slaves}
        key_ids = [str(uuid.uuid4()) for _ in range(number)]
        local = [s for s, k in slave_kmes.items() if k == me]
        by_kme: dict[str, list[str]] = {}
        for s, k in slave_kmes.items():
            if k != me:
                by_kme.setdefault(k, []).append(s)
        keys: list[bytes] | None = None
        for dest, dest_slaves in by_kme.items():
            keys = relay_to(dest, key_ids, keys, size, master, dest_slaves)
        if keys is None:
            keys = [os.urandom(size // 8) for _ in range(number)]
        try:
            store.add_keys(list(zip(key_ids, keys)), master_sae=master, size_bits=size,
                           parties=[(master, True)] + [(s, False) for s in local])
        except StoreError as exc:  # max_key_count reached
            raise KMSError(exc.status, exc.message) from None
        except Exception as exc:  # database down: the master gets nothing
            log.error("storing keys failed: %s", type(exc).__name__)
            raise KMSError(503, "the key store is unavailable") from None
        log.info("enc_keys: %d key(s) of %d bits for master %s, slaves %s", number, size, master, ",".join(slaves))
        return KeyContainer(keys=[Key(key_ID=k, key=_b64(m)) for k, m in zip(key_ids, keys)])

    @app.get(f"{API}/keys/{{slave_SAE_ID}}/enc_keys", response_model=KeyContainer,
             response_model_exclude_none=True, responses=errors, summary="Get key")
    def enc_keys_get(slave_SAE_ID: str, request: Request, number: Annotated[int | None, Query()] = None,
                     size: Annotated[int | None, Query()] = None) -> KeyContainer:
        return _enc(slave_SAE_ID, request, number, size, None, None)

    @app.post(f"{API}/keys/{{slave_SAE_ID}}/enc_keys", response_model=KeyContainer,
              response_model_exclude_none=True, responses=errors, summary="Get key")
    def enc_keys_post(slave_SAE_ID: str, request: Request, body: Annotated[KeyRequest, Body()]) -> KeyContainer:
        return _enc(slave_SAE_ID, request, body.number, body.size, body.additional_slave_SAE_IDs,
                    body.extension_mandatory)

    # --------------------------------------------------------------- 014: dec_keys
    def _dec(master_SAE_ID: str, request: Request, key_ids: list[str]) -> KeyContainer:
        slave = caller_sae(request)
        # an unknown master SAE gets the same 401 as an unknown key (store.NOT_AVAILABLE)
        if not key_ids:
            raise KMSError(400, "key_IDs must list at least one key_ID")
        if len(key_ids) > config.max_key_per_request:
            raise KMSError(400, f"at most max_key_per_request={config.max_key_per_request} key_IDs per request")
        ids = [_check_uuid(k) for k in key_ids]
        try:
            got = store.deliver(slave, master_SAE_ID, ids)
        except StoreError as exc:
            raise KMSError(exc.status, exc.message) from None
        except Exception as exc:
            log.error("dec_keys store failure: %s", type(exc).__name__)
            raise KMSError(503, "the key store is unavailable") from None
        log.info("dec_keys: %d key(s) of master %s delivered to %s", len(got), master_SAE_ID, slave)
        return KeyContainer(keys=[Key(key_ID=k.key_id, key=_b64(k.material)) for k in got])

    @app.get(f"{API}/keys/{{master_SAE_ID}}/dec_keys", response_model=KeyContainer,
             response_model_exclude_none=True, responses=errors, summary="Get key with key IDs")
    def dec_keys_get(master_SAE_ID: str, request: Request, key_ID: Annotated[str, Query()]) -> KeyContainer:
        return _dec(master_SAE_ID, request, [key_ID])

    @app.post(f"{API}/keys/{{master_SAE_ID}}/dec_keys", response_model=KeyContainer,
              response_model_exclude_none=True, responses=errors, summary="Get key with key IDs")
    def dec_keys_post(master_SAE_ID: str, request: Request, body: Annotated[KeyIDs, Body()]) -> KeyContainer:
        return _dec(master_SAE_ID, request, [k.key_ID for k in body.key_IDs])

    # --------------------------------------------------------------- KME relay
    @app.post(f"{API}/relay", include_in_schema=True, responses=errors,
              summary="qtilab KME-to-KME trusted-node relay (not part of ETSI 014)")
    def relay(request: Request, body: Annotated[RelayRequest, Body()]) -> dict[str, int]:
        # the Guard has authenticated the caller before the body was read; checked again here
        peer = caller_peer(request)
        path, hop = body.path, body.hop
        if not 1 <= hop < len(path) or path[hop] != me or path[hop - 1] != peer.id:
            raise KMSError(400, f"relay hop {hop} of path {path} does not go from {peer.id} to {me}")
        if peer.id not in pads:
            raise KMSError(400, f"{me} has no QKD link with {peer.id}")
        if body.size % 8 or body.chunks_per_key != math.ceil(body.size / CHUNK_BITS) or not body.keys:
            raise KMSError(400, "inconsistent key size / chunk count in relay request")
        direction = f"{peer.id}->{me}"
        n = len(body.keys) * body.chunks_per_key
        try:
            store.mark_chunks_used(direction, body.chunk_start, n)
        except StoreError as exc:
            raise KMSError(exc.status, exc.message) from None
        pad = pads[peer.id].pad(direction, body.chunk_start, n)
        nbytes = body.size // 8
        key_ids, keys = [], []
        for j, item in enumerate(body.keys):
            p = pad[j * body.chunks_per_key * 32:(j + 1) * body.chunks_per_key * 32][:nbytes]
            if item.ciphertext is None:
                k = p
            else:
                try:
                    c = base64.b64decode(item.ciphertext, validate=True)
                except ValueError:
                    raise KMSError(400, "relay ciphertext is not Base64") from None
                if len(c) != nbytes:
                    raise KMSError(400, "relay ciphertext has the wrong length")
                k = _xor(c, p)
            key_ids.append(_check_uuid(item.key_ID))
            keys.append(k)
        if hop == len(path) - 1:
            for s in body.slave_SAE_IDs:
                cfg = config.saes.get(s)
                if cfg is None or cfg.kme != me:
                    raise KMSError(400, f"slave SAE {s!r} is not attached to {me}")
            # a master SAE known here must be attached to the path's origin; one not known here
            # is taken on the word of the authenticated KME (no discovery inside a relay: the
            # KMEs up the path are waiting for this answer)
            mkme = net["saes"].get(body.master_SAE_ID)
            if mkme is not None and mkme != path[0]:
                raise KMSError(400, f"master SAE {body.master_SAE_ID!r} is not attached to {path[0]}")
            try:
                store.add_keys(list(zip(key_ids, keys)), master_sae=body.master_SAE_ID, size_bits=body.size,
                               parties=[(s, False) for s in body.slave_SAE_IDs])
            except StoreError as exc:
                raise KMSError(exc.status, exc.message) from None
            except Exception as exc:
                log.error("relay store failure: %s", type(exc).__name__)
                raise KMSError(503, "the key store is unavailable") from None
            log.info("relay: stored %d key(s) from %s for %s", len(keys), path[0], ",".join(body.slave_SAE_IDs))
            return {"stored": len(keys)}
        _send_hop(path, hop + 1, [(kid, k) for kid, k in zip(key_ids, keys)], body.size,
                  body.master_SAE_ID, body.slave_SAE_IDs, body.chunks_per_key)
        log.info("relay: forwarded %d key(s) %s -> %s", len(keys), peer.id, path[hop + 1])
        return {"stored": len(keys)}

    @app.post(f"{API}/topology", responses=errors, summary="qtilab route discovery: known links and SAEs")
    def topology(request: Request, body: Annotated[TopologyRequest, Body()]) -> dict[str, Any]:
        caller_peer(request)
        links, saes = _topology(list(body.visited))
        return {"links": links, "saes": saes}

    @app.post(f"{API}/pool", responses=errors, summary="qtilab: link key left along a relay path")
    def pool(request: Request, body: Annotated[PoolRequest, Body()]) -> dict[str, int]:
        caller_peer(request)
        path, hop = body.path, body.hop
        if not 0 < hop < len(path) - 1 or path[hop] != me:
            raise KMSError(400, f"pool query hop {hop} of path {path} is not an inner node {me}")
        return {"chunks": _path_chunks(path, hop)}

    return app
