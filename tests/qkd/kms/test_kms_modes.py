"""Optional client certificates (401 from the app), exhausted link key (503), config errors.

These KMEs run in-process (uvicorn in a thread) over real TLS on loopback.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from qtilab.errors import ConfigError
from qtilab.qkd.kms.client import KMSClient, KMSClientError
from qtilab.qkd.kms.config import load_config
from qtilab.qkd.kms.pki import write_network
from qtilab.qkd.kms.server import ServerThread
from qtilab.qkd.kms.tls import client_ssl_context

for _mod in ("fastapi", "uvicorn", "sqlalchemy", "cryptography", "httpx", "networkx"):
    pytest.importorskip(_mod, reason=f"{_mod} is missing: pip install 'qtilab[server]'")

import httpx  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """KME-X and KME-Y joined by a link that makes 2560 bit/s; client certificates optional."""
    folder = tmp_path_factory.mktemp("kms-modes")
    nf = write_network(
        folder, kmes={"KME-X": free_port(), "KME-Y": free_port()},
        saes={"SAE-x": "KME-X", "SAE-y": "KME-Y"},
        links=[{"a": "KME-X", "b": "KME-Y", "rate_bps": 2560.0, "capacity_bits": 5120.0}],
        client_cert="optional",
    )
    servers = [ServerThread(load_config(nf.configs[k])).start() for k in ("KME-X", "KME-Y")]
    yield nf
    for s in servers:
        s.stop()


def test_optional_mode_answers_401_without_certificate(pair: Any) -> None:
    with httpx.Client(verify=client_ssl_context(pair.ca)) as h:
        r = h.get(f"{pair.urls['KME-X']}/api/v1/keys/SAE-y/status")
    assert r.status_code == 401
    assert "certificate" in r.json()["message"]


def test_optional_mode_still_refuses_a_foreign_certificate(pair: Any, tmp_path: Path) -> None:
    from qtilab.qkd.kms.pki import issue_cert, make_ca, write_pem

    ca, key = make_ca("other CA")
    c, k = issue_cert(ca, key, "SAE-x")
    write_pem(tmp_path / "x.pem", c, k)
    with httpx.Client(verify=client_ssl_context(pair.ca, tmp_path / "x.pem", tmp_path / "x.key")) as h:
        with pytest.raises(httpx.TransportError):
            h.get(f"{pair.urls['KME-X']}/api/v1/keys/SAE-y/status")


def test_exhausted_link_gives_503_then_recovers(pair: Any) -> None:
    cert, key = pair.sae_certs["SAE-x"]
    with KMSClient(pair.urls["KME-X"], ca=pair.ca, cert=cert, key=key) as c:
        time.sleep(2.2)  # the pool is full: 5120 bits = 20 keys of 256 bits
        assert c.status("SAE-y")["stored_key_count"] == 20
        got = c.get_key("SAE-y", number=20)
        assert len(got["keys"]) == 20
        # 15 keys need 1.5 s of production at 10 keys/s
        with pytest.raises(KMSClientError) as ei:
            c.get_key("SAE-y", number=15)
        assert ei.value.status == 503 and "not enough QKD key" in ei.value.message
        time.sleep(1.6)
        assert len(c.get_key("SAE-y", number=15)["keys"]) == 15


def test_config_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
    p = tmp_path / "bad.toml"
    p.write_text("[kme\nid=1")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(p)
    p.write_text('[kme]\nid = "K"\n[tls]\nclient_cert = "sometimes"\n')
    with pytest.raises(ConfigError, match="client_cert"):
        load_config(p)
    p.write_text('[kme]\nid = "K"\n[keys]\nmin_key_size = 12\n')
    with pytest.raises(ConfigError, match="multiple of 8"):
        load_config(p)
    p.write_text('[kme]\nid = "K"\n[keys]\nmax_keys = 3\n')
    with pytest.raises(ConfigError, match="unknown \\[keys\\]"):
        load_config(p)
    p.write_text('[kme]\nid = "K"\n[[link]]\na = "K"\nb = "L"\nrate_bps = 1.0\n')
    with pytest.raises(ConfigError, match="secret"):
        load_config(p)
    p.write_text('[kme]\nid = "K"\n[[sae]]\nid = "S"\nkme = "K"\ncert = "nope.pem"\n')
    with pytest.raises(ConfigError, match="nope.pem"):
        load_config(p)
    from qtilab.qkd.kms.server import uvicorn_config

    p.write_text('[kme]\nid = "K"\n')
    with pytest.raises(ConfigError, match="mutual TLS"):
        uvicorn_config(load_config(p))


def test_init_writes_the_pki_with_the_right_usages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID as EKU

    from qtilab.cli import main

    out = tmp_path / "net"
    assert main(["qkd", "kms", "init", "--out", str(out), "--line", "KME-A,KME-B,KME-C",
                 "--sae", "SAE-1@KME-A", "--sae", "SAE-2@KME-C", "--port", "19443"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["ca.pem", *(f"kme-{k}.{e}" for k in "abc" for e in ("pem", "key", "toml")),
                            *(f"sae-{i}.{e}" for i in (1, 2) for e in ("pem", "key")),
                            "link-kme-a-kme-b.secret", "link-kme-b-kme-c.secret"])

    def usages(p: Path) -> set[object]:
        cert = x509.load_pem_x509_certificate(p.read_bytes())
        return set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)

    ca = x509.load_pem_x509_certificate((out / "ca.pem").read_bytes())
    for k in "abc":
        assert usages(out / f"kme-{k}.pem") == {EKU.SERVER_AUTH, EKU.CLIENT_AUTH}
        assert x509.load_pem_x509_certificate((out / f"kme-{k}.pem").read_bytes()).issuer == ca.subject
    for i in (1, 2):
        assert usages(out / f"sae-{i}.pem") == {EKU.CLIENT_AUTH}
    cfg = load_config(out / "kme-b.toml")  # the relay node: both links, both neighbours
    assert (cfg.port, sorted(cfg.peers), len(cfg.links)) == (19444, ["KME-A", "KME-C"], 2)
    # a second init into the same folder is refused (it would replace the CA under running KMEs)
    capsys.readouterr()
    assert main(["qkd", "kms", "init", "--out", str(out), "--line", "KME-A,KME-B", "--sae", "SAE-1@KME-A"]) == 1
    assert "--force" in capsys.readouterr().err
    for bad, needle in ([["--sae", "SAE-1"], "SAE_ID@KME_ID"], [["--sae", "SAE-1@KME-Z"], "KME-Z"], [[], "--line"]):
        argv = ["qkd", "kms", "init", "--out", str(tmp_path / "x")]
        argv += (["--line", "KME-A,KME-B"] if bad else []) + bad
        assert main(argv) == 1
        assert needle in capsys.readouterr().err
