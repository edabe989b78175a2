"""Hardening of the KME (issue 25): body cap, authentication first, uniform refusals, limits,
expiry, erasure on disk, file modes, certificate usages, readiness, status fields.

Each case runs over real mutual TLS; the store-level cases run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

for _mod in ("fastapi", "uvicorn", "sqlalchemy", "cryptography", "httpx", "networkx"):
    pytest.importorskip(_mod, reason=f"{_mod} is missing: pip install 'qtilab[server]'")

import httpx  # noqa: E402

from qtilab.errors import ConfigError  # noqa: E402
from qtilab.qkd.kms.client import KMSClient, KMSClientError  # noqa: E402
from qtilab.qkd.kms.config import load_config  # noqa: E402
from qtilab.qkd.kms.pki import write_network, write_private  # noqa: E402
from qtilab.qkd.kms.server import ServerThread  # noqa: E402
from qtilab.qkd.kms.store import KeyStore, StoreError  # noqa: E402

from .conftest import Databases, free_port  # noqa: E402

pytestmark = pytest.mark.server
API = "/api/v1/keys"


# ----------------------------------------------------------------------------- helpers
def raw_request(net: Any, kme: str, sae: str | None, head: str, body_parts: list[bytes], *,
                pause: float = 0.0) -> tuple[int, dict[str, Any], float]:
    """Send a hand-made HTTP/1.1 request over mutual TLS; ``(status, JSON body, seconds)``.

    The body is sent in ``body_parts``; the answer is read as soon as it comes, so a server
    that answers before the body is complete is seen to do so.
    """
    host, port = net.kmes[kme].url.removeprefix("https://").split(":")
    ctx = net.ssl_context(sae)
    t0 = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as raw, ctx.wrap_socket(raw, server_hostname=host) as s:
        s.sendall(head.encode())
        for part in body_parts:
            try:
                s.sendall(part)
            except OSError:  # the server answered and closed: stop sending
                break
            time.sleep(pause)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _clen(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.split(b"\r\n\r\n", 1)[1]), time.monotonic() - t0


def _clen(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 30


def head(path: str, host: str, extra: str) -> str:
    return f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}\r\n"


def padded_body(n: int) -> bytes:
    """A valid enc_keys request of exactly ``n`` bytes (the padding goes in extension_optional)."""
    base = json.dumps({"number": 1, "extension_optional": [{"pad": ""}]})
    return json.dumps({"number": 1, "extension_optional": [{"pad": "x" * (n - len(base))}]}).encode()


# ----------------------------------------------------------------------------- body cap
def test_default_body_cap_is_64_kib_with_a_json_413(net: Any) -> None:
    url = f"{net.kmes['KME-A'].url}{API}/SAE-3/enc_keys"
    with httpx.Client(verify=net.ssl_context("SAE-1")) as h:
        ok = h.post(url, content=padded_body(65536), headers={"content-type": "application/json"})
        assert ok.status_code == 200, ok.text  # exactly the cap: served
        r = h.post(url, content=padded_body(65537), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json() == {"message": "the request body is larger than max_body_bytes=65536 bytes"}
    with net.client("SAE-3") as s3:  # tidy: fetch the key made above
        s3.get_key_with_id("SAE-1", [ok.json()["keys"][0]["key_ID"]])


def test_10_mb_body_is_refused_before_it_is_sent(net: Any) -> None:
    # Content-Length announces 10 MB; only 1 KiB follows: the answer must come without the rest
    h = head(f"{API}/SAE-3/enc_keys", "127.0.0.1", f"Content-Length: {10 * 2**20}\r\n")
    status, body, _ = raw_request(net, "KME-A", "SAE-1", h, [b"x" * 1024])
    assert status == 413 and "max_body_bytes=65536" in body["message"]


def test_chunked_body_is_refused_while_it_is_read(net: Any) -> None:
    # no Content-Length: 16 KiB chunks, and the client would go on for 10 MB; the server must
    # answer 413 once it has read past 64 KiB, long before that
    h = head(f"{API}/SAE-3/enc_keys", "127.0.0.1", "Transfer-Encoding: chunked\r\n")
    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    status, body, _ = raw_request(net, "KME-A", "SAE-1", h, [chunk] * 640, pause=0.002)
    assert status == 413 and "max_body_bytes" in body["message"]


def test_body_cap_is_configurable(small: Any) -> None:
    url = f"{small.urls['KME-X']}{API}/SAE-x2/enc_keys"
    with httpx.Client(verify=small.ctx("SAE-x")) as h:
        r = h.post(url, content=padded_body(2049), headers={"content-type": "application/json"})
        assert r.status_code == 413 and "max_body_bytes=2048" in r.json()["message"]
        r = h.post(url, content=padded_body(2048), headers={"content-type": "application/json"})
        assert r.status_code == 200
    small.fetch("SAE-x2", r.json())


# ----------------------------------------------------------------------------- authentication first
def test_relay_authenticates_before_it_validates_the_body(net: Any) -> None:
    relay = f"{net.kmes['KME-B'].url}/api/v1/relay"
    with httpx.Client(verify=net.ssl_context("SAE-1")) as h:  # a SAE: not a KME of the network
        for content in (b"{not json", b"[]", b'{"path": 3}'):
            r = h.post(relay, content=content, headers={"content-type": "application/json"})
            assert r.status_code == 401, (content, r.text)
            assert "only for the KMEs" in r.json()["message"]
    # a KME of the network gets past authentication, and then its malformed body is a 400
    from qtilab.qkd.kms.tls import client_ssl_context

    ctx = client_ssl_context(net.files.ca, *net.files.kme_certs["KME-A"])
    with httpx.Client(verify=ctx) as h:
        r = h.post(relay, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_an_unknown_caller_gets_401_not_413_and_no_body_is_read(net: Any) -> None:
    # SAE-2's certificate is valid but SAE-2 is not attached to KME-A: 401 from the headers alone
    h = head(f"{API}/SAE-3/enc_keys", "127.0.0.1", f"Content-Length: {10 * 2**20}\r\n")
    status, body, _ = raw_request(net, "KME-A", "SAE-2", h, [])
    assert status == 401 and "not registered" in body["message"]
    with httpx.Client(verify=net.ssl_context("SAE-2")) as hc:  # and a malformed body: still 401
        r = hc.post(f"{net.kmes['KME-A'].url}{API}/SAE-3/enc_keys", content=b"{bad")
    assert r.status_code == 401


# ----------------------------------------------------------------------------- status
def test_status_omits_an_empty_status_extension(net: Any) -> None:
    with httpx.Client(verify=net.ssl_context("SAE-1")) as h:
        for slave in ("SAE-2", "SAE-3"):
            st = h.get(f"{net.kmes['KME-A'].url}{API}/{slave}/status").json()
            assert "status_extension" not in st
            assert None not in st.values()


def test_stored_key_count_is_the_minimum_over_the_relay_path(net: Any) -> None:
    from .conftest import BC_CAPACITY_KEYS

    # A - B holds tens of thousands of keys; B - C's pool holds at most 781 (its capacity)
    time.sleep(0.5)  # let B - C refill after earlier tests
    with net.client("SAE-1") as c:
        st = c.status("SAE-2")
    store = KeyStore(net.dbs.urls["KME-A"], create=False)
    try:
        first_hop = store.available_chunks("KME-A->KME-B", 2.0e7, 1.0e9)
    finally:
        store.close()
    assert first_hop > 10 * BC_CAPACITY_KEYS
    assert st["stored_key_count"] == BC_CAPACITY_KEYS


# ----------------------------------------------------------------------------- a small network
class Small:
    def __init__(self, files: Any, dbs: Databases, servers: list[ServerThread]) -> None:
        self.files, self.dbs, self.servers = files, dbs, servers
        self.urls = files.urls

    def ctx(self, sae: str) -> ssl.SSLContext:
        from qtilab.qkd.kms.tls import client_ssl_context

        return client_ssl_context(self.files.ca, *self.files.sae_certs[sae])

    def client(self, sae: str) -> KMSClient:
        kme = {"SAE-x": "KME-X", "SAE-x2": "KME-X", "SAE-y": "KME-Y"}[sae]
        return KMSClient(self.urls[kme], ca=self.files.ca, cert=self.files.sae_certs[sae][0],
                         key=self.files.sae_certs[sae][1])

    def fetch(self, sae: str, container: dict[str, Any], master: str = "SAE-x") -> dict[str, Any]:
        with self.client(sae) as c:
            return c.get_key_with_id(master, [k["key_ID"] for k in container["keys"]])

    def store(self, kme: str) -> KeyStore:
        return KeyStore(self.dbs.urls[kme], create=False)


@pytest.fixture(scope="module")
def small(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Small]:
    """KME-X - KME-Y in this process; max_key_count 6, keys live 600 s, bodies up to 2 KiB."""
    folder = tmp_path_factory.mktemp(f"kms-small-{backend}")
    dbs = Databases(backend)
    files = write_network(
        folder, kmes={"KME-X": free_port(), "KME-Y": free_port()},
        saes={"SAE-x": "KME-X", "SAE-x2": "KME-X", "SAE-y": "KME-Y"},
        links=[{"a": "KME-X", "b": "KME-Y", "rate_bps": 1e7, "capacity_bits": 1e9}],
        keys={"max_key_count": 6, "key_lifetime_s": 600.0}, kme_options={"max_body_bytes": 2048},
        database=lambda k: dbs.url(k, folder),
    )
    servers = [ServerThread(load_config(files.configs[k])).start() for k in ("KME-X", "KME-Y")]
    yield Small(files, dbs, servers)
    for s in servers:
        s.stop()
    dbs.drop()


def test_max_key_count_bounds_undelivered_keys(small: Any) -> None:
    with small.client("SAE-x") as m:
        first = m.get_key("SAE-x2", number=4)  # stored at KME-X for SAE-x2
        assert m.status("SAE-x2")["stored_key_count"] == 2
        with pytest.raises(KMSClientError) as ei:
            m.get_key("SAE-x2", number=3)
        assert ei.value.status == 503 and "max_key_count=6" in ei.value.message
        # relayed keys count at the slave's KME, and its refusal reaches the master
        relayed = m.get_key("SAE-y", number=6)
        with pytest.raises(KMSClientError) as ei:
            m.get_key("SAE-y", number=1)
        assert ei.value.status == 503 and "max_key_count=6" in ei.value.message
        # fetching frees the room
        small.fetch("SAE-x2", first)
        small.fetch("SAE-y", relayed)
        assert m.status("SAE-x2")["stored_key_count"] == 6
        again = m.get_key("SAE-x2", number=6)
        small.fetch("SAE-x2", again)


def _age(small: Any, kme: str, seconds: float) -> None:
    """Make every key stored at ``kme`` older by ``seconds`` (instead of sleeping that long)."""
    import sqlalchemy as sa

    st = small.store(kme)
    try:
        with st.engine.begin() as c:
            c.execute(st.keys.update().values(created=st.keys.c.created - seconds))
    finally:
        st.close()
    assert sa is not None


def test_undelivered_keys_expire(small: Any) -> None:
    with small.client("SAE-x") as m:
        local = m.get_key("SAE-x2", number=2)
        relayed = m.get_key("SAE-y", number=2)
    st = small.store("KME-X")
    try:
        assert st.count_keys() == 2
    finally:
        st.close()
    for kme in ("KME-X", "KME-Y"):
        _age(small, kme, 601.0)  # key_lifetime_s = 600
    for sae, got in (("SAE-x2", local), ("SAE-y", relayed)):
        with pytest.raises(KMSClientError) as ei:
            small.fetch(sae, got)
        assert ei.value.status == 401 and "not available" in ei.value.message
    for kme in ("KME-X", "KME-Y"):  # and they are erased, not just hidden
        st = small.store(kme)
        try:
            assert st.count_keys() == 0
        finally:
            st.close()


@pytest.mark.parametrize("case", ["full", "expiry"])
def test_store_limits_are_atomic_and_expiry_erases(backend: str, tmp_path: Path, case: str) -> None:
    dbs = Databases(backend)
    store = KeyStore(dbs.url("KME-S", tmp_path), max_keys=5, lifetime_s=2.0 if case == "expiry" else 3600)
    try:
        from concurrent.futures import ThreadPoolExecutor

        def add(i: int) -> bool:
            try:
                store.add_keys([(str(uuid.uuid4()), os.urandom(32))], master_sae="M", size_bits=256,
                               parties=[("M", True), ("S", False)])
                return True
            except StoreError as exc:
                assert exc.status == 503 and "max_key_count=5" in exc.message
                return False

        if case == "full":
            with ThreadPoolExecutor(5) as ex:  # 10 concurrent inserts: exactly 5 may succeed
                assert sum(ex.map(add, range(10))) == 5
            assert store.count_keys() == 5
        else:
            assert all(add(i) for i in range(3))
            assert store.undelivered_count() == 3
            ids = store.key_ids()
            time.sleep(2.1)
            assert store.undelivered_count() == 0
            with pytest.raises(StoreError) as ei:
                store.deliver("S", "M", ids[:1])
            assert ei.value.status == 401
            assert store.count_keys() == 0  # erased in that transaction
            assert add(0)
    finally:
        store.close()
        dbs.drop()


# ----------------------------------------------------------------------------- erasure on disk
def _file_bytes(db_url: str) -> bytes:
    path = db_url.removeprefix("sqlite:///")
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            out += Path(path + suffix).read_bytes()
    return out


def test_delivered_keys_leave_no_trace_in_the_files(small: Any, backend: str) -> None:
    with small.client("SAE-x") as m:
        local = m.get_key("SAE-x2", number=4)
        relayed = m.get_key("SAE-y", number=4)
    import base64

    raw = {kme: [base64.b64decode(k["key"]) for k in got["keys"]]
           for kme, got in (("KME-X", local), ("KME-Y", relayed))}
    if backend == "postgresql":
        # the server's data files are not ours to read: the delete is logical there (docs/kms.md
        # says to keep PostgreSQL's data directory on an encrypted volume); check the rows go
        small.fetch("SAE-x2", local)
        small.fetch("SAE-y", relayed)
        for kme, got in (("KME-X", local), ("KME-Y", relayed)):
            st = small.store(kme)
            try:
                assert not {k["key_ID"] for k in got["keys"]} & set(st.key_ids())
            finally:
                st.close()
        return
    # control: before delivery the scan finds every key (in the database or its -wal file)
    for kme, keys in raw.items():
        data = _file_bytes(small.dbs.urls[kme])
        assert all(k in data for k in keys), kme
    small.fetch("SAE-x2", local)
    small.fetch("SAE-y", relayed)
    for kme, keys in raw.items():
        path = small.dbs.urls[kme].removeprefix("sqlite:///")
        data = _file_bytes(small.dbs.urls[kme])
        found = [k.hex()[:8] for k in keys if k in data]
        assert not found, f"{kme}: delivered keys still in the files: {found}"
        assert os.path.getsize(path + "-wal") == 0  # checkpointed and truncated


# ----------------------------------------------------------------------------- file modes
def _mode(p: str | Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_sqlite_database_files_are_created_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: a plainly created file would be 0644
    try:
        store = KeyStore(f"sqlite:///{tmp_path / 'kme.db'}")
        store.add_keys([(str(uuid.uuid4()), os.urandom(32))], master_sae="M", size_bits=256,
                       parties=[("M", True), ("S", False)])
        for suffix in ("", "-wal", "-shm"):  # SQLite gives -wal and -shm the database's mode
            assert _mode(tmp_path / f"kme.db{suffix}") == 0o600, suffix
        store.close()
    finally:
        os.umask(old)


def test_secrets_are_0600_from_the_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # with umask 0 a plainly created file would be 0666; chmod is forbidden: the mode must come
    # from the creation itself
    def no_chmod(*a: Any, **k: Any) -> None:
        raise AssertionError("chmod after creation: the file was readable by others for a moment")

    old = os.umask(0)
    try:
        monkeypatch.setattr(os, "chmod", no_chmod)
        stale = tmp_path / "stale.key"
        stale.write_bytes(b"old")
        write_private(stale, b"new secret")  # an existing, world-readable file is replaced
        assert _mode(stale) == 0o600 and stale.read_bytes() == b"new secret"
        nf = write_network(
            tmp_path / "net", kmes={"KME-P": 1, "KME-Q": 2}, saes={"SAE-p": "KME-P"},
            links=[{"a": "KME-P", "b": "KME-Q", "rate_bps": 1e3}],
        )
        KeyStore(f"sqlite:///{tmp_path / 'fresh.db'}").close()
    finally:
        os.umask(old)
    private = [k for _, k in [*nf.kme_certs.values(), *nf.sae_certs.values()]] + list((tmp_path / "net").glob("*.secret"))
    assert len(private) == 4
    for p in private:
        assert _mode(p) == 0o600, p
    assert _mode(tmp_path / "fresh.db") == 0o600


# ----------------------------------------------------------------------------- certificate usages
def test_kme_certificate_without_client_auth_is_a_clear_error(tmp_path: Path) -> None:
    from qtilab.qkd.kms.server import uvicorn_config
    from qtilab.qkd.kms.tls import relay_error_hint

    nf = write_network(tmp_path, kmes={"KME-P": free_port(), "KME-Q": free_port()}, saes={"SAE-p": "KME-P"},
                       links=[{"a": "KME-P", "b": "KME-Q", "rate_bps": 1e5}], kme_client_auth=False)
    with pytest.raises(ConfigError, match="lacks the extended key usage clientAuth"):
        uvicorn_config(load_config(nf.configs["KME-P"]))
    # the command line says the same and exits 1 instead of serving
    code = "import sys; from qtilab.cli import main; sys.exit(main(sys.argv[1:]))"
    r = subprocess.run([sys.executable, "-c", code, "qkd", "kms", "serve", "--config", str(nf.configs["KME-P"])],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "clientAuth" in r.stderr, r.stderr[-2000:]
    # and a handshake refused at relay time is explained, not a bare protocol error
    hint = relay_error_hint(httpx.RemoteProtocolError("Server disconnected without sending a response."))
    assert "clientAuth" in hint


# ----------------------------------------------------------------------------- readiness
def test_serve_waits_for_key_and_ready_reports_it(tmp_path: Path) -> None:
    # 512 bit/s: the first 256-bit key exists 0.5 s after the start
    nf = write_network(
        tmp_path, kmes={"KME-P": free_port(), "KME-Q": free_port()}, saes={"SAE-p": "KME-P", "SAE-q": "KME-Q"},
        links=[{"a": "KME-P", "b": "KME-Q", "rate_bps": 512.0, "capacity_bits": 1e6}],
    )
    q = ServerThread(load_config(nf.configs["KME-Q"])).start()
    p = ServerThread(load_config(nf.configs["KME-P"])).start()
    try:
        cert, key = nf.sae_certs["SAE-p"]
        with KMSClient(nf.urls["KME-P"], ca=nf.ca, cert=cert, key=key) as c:
            got = c.get_key("SAE-q", number=1)  # right after start: no 503
        assert len(got["keys"]) == 1
    finally:
        p.stop()
        q.stop()
    # a KME that may not wait (ready_timeout_s = 0) opens at once and says it is not ready
    cfg = load_config(nf.configs["KME-P"])
    cfg.ready_timeout_s = 0.0
    cfg.database = f"sqlite:///{tmp_path / 'fresh-p.db'}"
    from qtilab.qkd.kms.tls import client_ssl_context

    with ServerThread(cfg), httpx.Client(verify=client_ssl_context(nf.ca, cert, key)) as h:
        r = h.get(f"{nf.urls['KME-P']}/ready")
        assert r.status_code == 503 and "KME-P->KME-Q" in r.json()["message"]
        time.sleep(0.7)
        r = h.get(f"{nf.urls['KME-P']}/ready")
        assert r.status_code == 200 and r.json()["ready"] is True
