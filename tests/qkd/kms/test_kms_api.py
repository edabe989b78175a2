"""ETSI GS QKD 014 behaviour of the KME over real mutual-TLS connections.

Three KME processes (A - B - C, B a trusted relay) on SQLite and on PostgreSQL. The field names
checked here are copied from ETSI GS QKD 014 V1.1.1 (2019-02), section 6 (data formats).
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from qtilab.qkd.kms.client import KMSClientError

for _mod in ("fastapi", "uvicorn", "sqlalchemy", "cryptography", "httpx", "networkx"):
    pytest.importorskip(_mod, reason=f"{_mod} is missing: pip install 'qtilab[server]'")

import httpx  # noqa: E402

pytestmark = pytest.mark.server

# ETSI GS QKD 014 V1.1.1, 6.1 Status data format (status_extension is optional)
STATUS_FIELDS = {
    "source_KME_ID", "target_KME_ID", "master_SAE_ID", "slave_SAE_ID", "key_size", "stored_key_count",
    "max_key_count", "max_key_per_request", "max_key_size", "min_key_size", "max_SAE_ID_count",
}
API = "/api/v1/keys"

#: every key the tests saw, for the check that the logs hold none of them
SEEN: list[bytes] = []


def _keys_ok(container: dict[str, Any], number: int, size: int) -> list[tuple[str, bytes]]:
    assert set(container) <= {"keys", "key_container_extension"}
    out = []
    for k in container["keys"]:
        assert set(k) <= {"key_ID", "key_ID_extension", "key", "key_extension"}
        assert str(uuid.UUID(k["key_ID"])) == k["key_ID"]
        raw = base64.b64decode(k["key"], validate=True)
        assert len(raw) == size // 8
        out.append((k["key_ID"], raw))
        SEEN.append(raw)
    assert len(out) == number
    return out


def _err(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


def test_status_fields(net: Any) -> None:
    with net.client("SAE-1") as c:
        st = c.status("SAE-2")
    assert STATUS_FIELDS <= set(st) and "status_extension" not in st
    assert (st["source_KME_ID"], st["target_KME_ID"], st["master_SAE_ID"], st["slave_SAE_ID"]) == (
        "KME-A", "KME-C", "SAE-1", "SAE-2",
    )
    assert st["key_size"] == 256 and st["max_key_per_request"] == 64 and st["max_SAE_ID_count"] == 2
    assert st["stored_key_count"] > 0


def test_relayed_flow_master_and_slave_get_the_same_keys_once(net: Any) -> None:
    with net.client("SAE-1") as master, net.client("SAE-2") as slave:
        got = _keys_ok(master.get_key("SAE-2", number=3, size=256), 3, 256)
        ids = [k for k, _ in got]
        back = _keys_ok(slave.get_key_with_id("SAE-1", ids), 3, 256)
        assert back == got
        assert len({m for _, m in got}) == 3
        with pytest.raises(KMSClientError) as ei:
            slave.get_key_with_id("SAE-1", ids[:1])
        assert ei.value.status == 401  # already delivered: the uniform "not available" answer
    # KME-B relayed the keys (it is on the path) and stores none of them
    assert "forwarded 3 key(s) KME-A -> KME-C" in net.kmes["KME-B"].log.read_text()


def test_get_forms_and_sizes(net: Any) -> None:
    with net.client("SAE-1") as master, net.client("SAE-2") as slave:
        got = _keys_ok(master.get_key("SAE-2", number=2, size=512, post=False), 2, 512)
        one = _keys_ok(slave.get_key_with_id("SAE-1", [got[0][0]], post=False), 1, 512)
        assert one == got[:1]
        default = _keys_ok(master.get_key("SAE-2", post=False), 1, 256)  # defaults: 1 key, key_size
        assert _keys_ok(slave.get_key_with_id("SAE-1", [default[0][0]]), 1, 256) == default
        # a key of 72 bits needs a partial link-key chunk
        odd = _keys_ok(master.get_key("SAE-2", number=1, size=72), 1, 72)
        assert _keys_ok(slave.get_key_with_id("SAE-1", [odd[0][0]]), 1, 72) == odd


def test_local_pair_and_multicast(net: Any) -> None:
    with net.client("SAE-1") as m, net.client("SAE-3") as s3, net.client("SAE-2") as s2, net.client("SAE-4") as s4:
        local = _keys_ok(m.get_key("SAE-3", number=2), 2, 256)
        assert _keys_ok(s3.get_key_with_id("SAE-1", [k for k, _ in local]), 2, 256) == local
        multi = _keys_ok(m.get_key("SAE-2", number=2, additional_slave_sae_ids=["SAE-4", "SAE-3"]), 2, 256)
        ids = [k for k, _ in multi]
        for c in (s2, s4, s3):
            assert _keys_ok(c.get_key_with_id("SAE-1", ids), 2, 256) == multi
            with pytest.raises(KMSClientError) as ei:
                c.get_key_with_id("SAE-1", ids)
            assert ei.value.status == 401


def test_a_sae_gets_only_its_own_keys(net: Any) -> None:
    with net.client("SAE-1") as m, net.client("SAE-4") as other, net.client("SAE-2") as s2:
        ids = [k["key_ID"] for k in m.get_key("SAE-2", number=2)["keys"]]
        # SAE-4 is on the same KME but not a party of this pair
        with pytest.raises(KMSClientError) as ei:
            other.get_key_with_id("SAE-1", ids)
        assert ei.value.status == 401
        not_shared = ei.value.message
        # naming another master does not help
        with pytest.raises(KMSClientError) as ei:
            s2.get_key_with_id("SAE-3", ids)
        assert ei.value.status == 401
        # the refusals delivered nothing: the rightful slave still gets both keys
        assert len(s2.get_key_with_id("SAE-1", ids)["keys"]) == 2
        # a key that never existed reads exactly like a key of another pair
        unknown = str(uuid.uuid4())
        with pytest.raises(KMSClientError) as ei:
            other.get_key_with_id("SAE-1", [unknown])
        assert ei.value.status == 401
        assert ei.value.message.replace(unknown, "<id>") == not_shared.replace(ids[0], "<id>")


def test_same_401_whether_or_not_a_key_id_exists(net: Any) -> None:
    """Existing-but-not-yours, never-existed, delivered, and unknown-master give one answer."""
    with net.client("SAE-1") as m, net.client("SAE-4") as s4, net.client("SAE-2") as s2:
        kid = m.get_key("SAE-2", number=1)["keys"][0]["key_ID"]
        ghost = str(uuid.uuid4())
        answers = []
        for client, master, key_id in [(s4, "SAE-1", kid), (s4, "SAE-1", ghost), (s4, "SAE-9", ghost),
                                       (s2, "SAE-3", kid), (s2, "SAE-1", ghost)]:
            with pytest.raises(KMSClientError) as ei:
                client.get_key_with_id(master, [key_id])
            answers.append((ei.value.status, ei.value.message.replace(key_id, "<id>").replace(master, "<m>")))
        assert s2.get_key_with_id("SAE-1", [kid])["keys"][0]["key_ID"] == kid
        with pytest.raises(KMSClientError) as ei:  # delivered (and erased): the same answer again
            s2.get_key_with_id("SAE-1", [kid])
        answers.append((ei.value.status, ei.value.message.replace(kid, "<id>").replace("SAE-1", "<m>")))
    # SAE-4 and SAE-2 differ only in the SAE named in the message
    assert {(st, msg.replace("SAE-4", "<s>").replace("SAE-2", "<s>")) for st, msg in answers} == {
        (401, "key_ID <id> is not available to SAE <s> from master SAE <m> "
              "(unknown, expired, already delivered, or not shared with this SAE)")}


def test_identity_comes_from_the_certificate(net: Any) -> None:
    url_a = net.kmes["KME-A"].url
    # SAE-2's certificate is valid (same CA) but SAE-2 is not attached to KME-A
    with httpx.Client(verify=net.ssl_context("SAE-2")) as h:
        _err(h.post(f"{url_a}{API}/SAE-4/enc_keys", json={"number": 1}), 401)
        # a header claiming to be SAE-1 changes nothing
        _err(h.get(f"{url_a}{API}/SAE-2/status", headers={"X-SAE-ID": "SAE-1", "X-SSL-Client-Cert": "x"}), 401)
    # SAEs cannot use the KME-to-KME relay, even with a well-formed request
    with httpx.Client(verify=net.ssl_context("SAE-1")) as h:
        r = h.post(
            f"{url_a}/api/v1/relay",
            json={"path": ["KME-B", "KME-A"], "hop": 1, "chunk_start": 0, "chunks_per_key": 1, "size": 256,
                  "master_SAE_ID": "SAE-2", "slave_SAE_IDs": ["SAE-1"], "keys": [{"key_ID": str(uuid.uuid4())}]},
        )
        _err(r, 401)


def test_tls_refuses_clients_without_valid_certificate(net: Any, tmp_path: Any) -> None:
    from qtilab.qkd.kms.pki import issue_cert, make_ca, write_pem
    from qtilab.qkd.kms.tls import client_ssl_context

    url = f"{net.kmes['KME-A'].url}{API}/SAE-2/status"
    with httpx.Client(verify=net.ssl_context(None)) as h, pytest.raises(httpx.TransportError):
        h.get(url)
    # a certificate from another CA, with the name of a real SAE
    ca, ca_key = make_ca("rogue CA")
    cert, key = issue_cert(ca, ca_key, "SAE-1")
    write_pem(tmp_path / "rogue.pem", cert, key)
    ctx = client_ssl_context(net.files.ca, tmp_path / "rogue.pem", tmp_path / "rogue.key")
    with httpx.Client(verify=ctx) as h, pytest.raises(httpx.TransportError):
        h.get(url)


@pytest.mark.parametrize(
    ("method", "path", "body", "needle"),
    [
        ("post", "SAE-2/enc_keys", {"number": 0}, "number"),
        ("post", "SAE-2/enc_keys", {"number": 65}, "max_key_per_request"),
        ("post", "SAE-2/enc_keys", {"size": 100}, "multiple of 8"),
        ("post", "SAE-2/enc_keys", {"size": 8192}, "size"),
        ("post", "SAE-2/enc_keys", {"number": "three"}, "number"),
        ("post", "SAE-2/enc_keys", {"numbr": 1}, "numbr"),
        ("post", "SAE-2/enc_keys", [1, 2], "body"),
        ("post", "SAE-9/enc_keys", {"number": 1}, "unknown slave_SAE_ID"),
        ("post", "SAE-1/enc_keys", {"number": 1}, "differ from the master"),
        ("post", "SAE-2/enc_keys", {"additional_slave_SAE_IDs": ["SAE-3", "SAE-4", "SAE-2"]}, "max_SAE_ID_count"),
        ("post", "SAE-2/enc_keys", {"extension_mandatory": [{"abc_route_type": "direct"}]}, "extension_mandatory"),
        ("get", "SAE-2/enc_keys?number=abc", None, "number"),
        ("get", "SAE-2/dec_keys", None, "key_ID"),
        ("get", "SAE-2/dec_keys?key_ID=not-a-uuid", None, "UUID"),
        ("post", "SAE-2/dec_keys", {"key_IDs": []}, "at least one"),
        ("post", "SAE-2/dec_keys", {"key_IDs": [{"key_ID": "x"}]}, "UUID"),
        ("post", "SAE-2/dec_keys", {"keys": []}, "key_IDs"),
        ("post", "SAE-2/dec_keys", {"key_IDs": [{"key_ID": "5b6c4f2e-4c7a-4d1e-9a53-3c8d3a2b1f00"}] * 2}, "more than once"),
    ],
)
def test_malformed_requests_get_400_with_a_message(net: Any, method: str, path: str, body: Any, needle: str) -> None:
    url = net.kmes["KME-A"].url if "enc_keys" in path else net.kmes["KME-C"].url
    sae = "SAE-1" if "enc_keys" in path else "SAE-4"
    with httpx.Client(verify=net.ssl_context(sae)) as h:
        r = h.request(method.upper(), f"{url}{API}/{path}", json=body) if body is not None else h.request(method.upper(), f"{url}{API}/{path}")
    msg = _err(r, 400)
    assert needle.lower() in msg.lower(), msg


def test_invalid_json_gets_400(net: Any) -> None:
    with httpx.Client(verify=net.ssl_context("SAE-1")) as h:
        r = h.post(f"{net.kmes['KME-A'].url}{API}/SAE-2/enc_keys", content=b'{"number": 1,',
                   headers={"content-type": "application/json"})
    _err(r, 400)


def test_openapi_document_lists_the_014_endpoints(net: Any) -> None:
    with httpx.Client(verify=net.ssl_context("SAE-1")) as h:
        doc = h.get(f"{net.kmes['KME-A'].url}/openapi.json").json()
    paths = doc["paths"]
    assert set(paths["/api/v1/keys/{slave_SAE_ID}/status"]) == {"get"}
    assert set(paths["/api/v1/keys/{slave_SAE_ID}/enc_keys"]) == {"get", "post"}
    assert set(paths["/api/v1/keys/{master_SAE_ID}/dec_keys"]) == {"get", "post"}
    for code in ("400", "401", "503"):
        assert code in paths["/api/v1/keys/{slave_SAE_ID}/enc_keys"]["post"]["responses"]


def test_cli_client(net: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from qtilab.cli import main

    def run(sae: str, *args: str) -> dict[str, Any]:
        cert, key = net.files.sae_certs[sae]
        kme = {"SAE-1": "KME-A", "SAE-2": "KME-C"}[sae]
        rc = main(["qkd", "kms", args[0], "--url", net.kmes[kme].url, "--ca", str(net.files.ca),
                   "--cert", str(cert), "--key", str(key), *args[1:]])
        out = capsys.readouterr().out
        assert rc == 0, out
        return dict(json.loads(out))

    got = run("SAE-1", "get-key", "SAE-2", "-n", "2", "-s", "128")
    ids = [k["key_ID"] for k in got["keys"]]
    assert run("SAE-2", "get-key-with-id", "SAE-1", *ids) == got
    assert run("SAE-1", "status", "SAE-2")["target_KME_ID"] == "KME-C"
    rc = main(["qkd", "kms", "get-key-with-id", "--url", net.kmes["KME-C"].url, "--ca", str(net.files.ca),
               "--cert", str(net.files.sae_certs["SAE-2"][0]), "--key", str(net.files.sae_certs["SAE-2"][1]),
               "SAE-1", ids[0]])
    assert rc == 1 and "401" in capsys.readouterr().err


def test_logs_never_contain_key_material(net: Any) -> None:
    # runs after the other tests of the module: no key seen so far may be in any KME's log
    with net.client("SAE-1") as m, net.client("SAE-2") as s:
        got = _keys_ok(m.get_key("SAE-2", number=8), 8, 256)
        s.get_key_with_id("SAE-1", [k for k, _ in got])
    logs = net.logs()
    assert "enc_keys" in logs and "relay" in logs  # the logs are there and do mention the work
    assert len(SEEN) > 20
    for raw in SEEN:
        b64 = base64.b64encode(raw).decode()
        for form in (b64, b64.rstrip("="), raw.hex(), raw.hex().upper(), base64.urlsafe_b64encode(raw).decode()):
            assert form not in logs


def test_log_level_applies_to_the_kme_logger(net: Any) -> None:
    # KME-C runs with --log-level warning: none of its own INFO lines ("relay: stored ...") may
    # appear, while KME-A (info) and KME-B (debug) log their work
    with net.client("SAE-1") as m, net.client("SAE-2") as s:
        got = m.get_key("SAE-2", number=1)
        s.get_key_with_id("SAE-1", [got["keys"][0]["key_ID"]])
    logs = {k: kme.log.read_text(errors="replace") for k, kme in net.kmes.items()}
    assert "INFO qtilab.kms: enc_keys" in logs["KME-A"]
    assert "INFO qtilab.kms: relay: forwarded" in logs["KME-B"]
    assert "DEBUG" in logs["KME-B"]
    assert [line for line in logs["KME-C"].splitlines() if line.startswith(("INFO", "DEBUG"))] == []


def test_each_kme_file_lists_only_its_own_part_of_the_network(net: Any) -> None:
    # written by `qtilab qkd kms init`: KME-A knows neither the link B - C, nor KME-C, nor SAE-2,
    # yet the relayed flows above work: it learns them from its peer (route discovery)
    from qtilab.qkd.kms.config import load_config

    a = load_config(net.files.configs["KME-A"])
    assert [(lk.a, lk.b) for lk in a.links] == [("KME-A", "KME-B")]
    assert set(a.peers) == {"KME-B"} and set(a.saes) == {"SAE-1", "SAE-3"}
    with net.client("SAE-1") as m:
        assert m.status("SAE-2")["target_KME_ID"] == "KME-C"
