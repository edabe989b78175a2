"""Fixtures of the KMS tests: a throw-away PKI, KMEs run as real server processes, databases.

Every KME is started with the real command line (``qtilab qkd kms serve --config ...``) in its
own process, so that a test can kill it with SIGKILL and start it again. PostgreSQL comes from
``QTILAB_TEST_PG_URL`` (default: the role/database that ``.ci/services`` creates); when it is
not reachable the PostgreSQL variants skip and say why.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qtilab.qkd.kms.pki import NetworkFiles, file_stem

PG_URL = os.environ.get("QTILAB_TEST_PG_URL", "postgresql+psycopg://qtilab:qtilab@127.0.0.1:5432/qtilab")

# SAE-1 and SAE-3 on KME-A, SAE-2 and SAE-4 on KME-C; KME-B is a trusted relay node only
SAES = {"SAE-1": "KME-A", "SAE-3": "KME-A", "SAE-2": "KME-C", "SAE-4": "KME-C"}
LINKS = [
    {"a": "KME-A", "b": "KME-B", "rate_bps": 2.0e7, "capacity_bits": 1.0e9},
    # a GYS link at 1 GHz pulse rate: about 0.96 Mbit/s at 20 km (qtilab.qkd.theory); its pool
    # holds 781 keys of 256 bits (full again 0.2 s after a burst): the bottleneck of A - B - C
    {"a": "KME-B", "b": "KME-C", "distance_km": 20.0, "pulse_rate_hz": 1.0e9, "capacity_bits": 2.0e5},
]
BC_CAPACITY_KEYS = 781
#: --log-level of each KME process (C at warning: its own logger must then be quiet)
LOG_LEVELS = {"KME-A": "info", "KME-B": "debug", "KME-C": "warning"}
KEYS = {"max_SAE_ID_count": 2, "max_key_per_request": 64}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_admin_error() -> str | None:
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        probe = f"qtilab_kms_probe_{uuid.uuid4().hex[:8]}"
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
            # the tests make a database per KME: the role needs CREATEDB
            c.execute(sa.text(f'CREATE DATABASE "{probe}"'))
            c.execute(sa.text(f'DROP DATABASE "{probe}"'))
        eng.dispose()
        return None
    except Exception as exc:  # any failure means: no usable PostgreSQL here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


@dataclass
class Databases:
    backend: str
    urls: dict[str, str] = field(default_factory=dict)
    _created: list[str] = field(default_factory=list)

    def template(self, kmes: list[str], folder: Path) -> str | None:
        """A ``--database`` template for ``qtilab qkd kms init`` (None: its SQLite default)."""
        if self.backend == "sqlite":
            for k in kmes:
                self.urls[k] = f"sqlite:///{folder / (file_stem(k) + '.db')}"
            return None
        import sqlalchemy as sa

        prefix = f"qtilab_kms_{uuid.uuid4().hex[:8]}_"
        eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            for k in kmes:
                name = prefix + file_stem(k).replace("-", "_")
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
                self._created.append(name)
                self.urls[k] = f"{PG_URL.rsplit('/', 1)[0]}/{name}"
        eng.dispose()
        return f"{PG_URL.rsplit('/', 1)[0]}/{prefix}{{kme}}"

    def url(self, kme: str, folder: Path) -> str:
        if kme not in self.urls:
            if self.backend == "sqlite":
                self.urls[kme] = f"sqlite:///{folder / (kme + '.db')}"
            else:
                import sqlalchemy as sa

                name = f"qtilab_kms_{kme.lower().replace('-', '_')}_{uuid.uuid4().hex[:8]}"
                eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
                with eng.connect() as c:
                    c.execute(sa.text(f'CREATE DATABASE "{name}"'))
                eng.dispose()
                self._created.append(name)
                base = PG_URL.rsplit("/", 1)[0]
                self.urls[kme] = f"{base}/{name}"
        return self.urls[kme]

    def drop(self) -> None:
        if not self._created:
            return
        import sqlalchemy as sa

        eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            for name in self._created:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()


@pytest.fixture(scope="session")
def pg_available() -> str | None:
    return _pg_admin_error()


@pytest.fixture(params=["sqlite", "postgresql"], scope="session")
def backend(request: pytest.FixtureRequest, pg_available: str | None) -> str:
    if request.param == "postgresql" and pg_available is not None:
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            # in CI, .ci/services has started PostgreSQL or failed the run: never skip silently
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {PG_URL} ({pg_available})")
        pytest.skip(
            f"PostgreSQL not reachable at {PG_URL} ({pg_available}); run `bash .ci/services` "
            "(make test does) or set QTILAB_TEST_PG_URL"
        )
    return str(request.param)


class KME:
    """One KME server process."""

    def __init__(self, kme_id: str, config: Path, url: str, log: Path, log_level: str = "info") -> None:
        self.id = kme_id
        self.config = config
        self.url = url
        self.log = log
        self.log_level = log_level
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        code = "import sys; from qtilab.cli import main; sys.exit(main(sys.argv[1:]))"
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code, "qkd", "kms", "serve", "--config", str(self.config),
                 "--log-level", self.log_level],
                stdout=fh, stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.proc is not None
        host, port = self.url.removeprefix("https://").split(":")
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"KME {self.id} exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection((host, int(port)), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError(f"KME {self.id} did not open {self.url}") from None
                time.sleep(0.05)

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        self.terminate()
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class Net:
    files: NetworkFiles
    kmes: dict[str, KME]
    dbs: Databases

    def client(self, sae: str, kme: str | None = None) -> object:
        from qtilab.qkd.kms.client import KMSClient

        cert, key = self.files.sae_certs[sae]
        return KMSClient(self.kmes[kme or SAES[sae]].url, ca=self.files.ca, cert=cert, key=key)

    def ssl_context(self, sae: str | None) -> ssl.SSLContext:
        from qtilab.qkd.kms.tls import client_ssl_context

        if sae is None:
            return client_ssl_context(self.files.ca)
        return client_ssl_context(self.files.ca, *self.files.sae_certs[sae])

    def logs(self) -> str:
        return "".join(k.log.read_text(errors="replace") for k in self.kmes.values() if k.log.exists())


def _toml(v: object) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)


def init_network(folder: Path, dbs: Databases, ports: dict[str, int], saes: dict[str, str],
                 links: list[dict[str, object]], keys: dict[str, object] | None = None) -> NetworkFiles:
    """Write the network with the command a user runs: ``qtilab qkd kms init --network ...``."""
    from qtilab.cli import main

    lines = []
    for k, port in ports.items():
        lines += ["[[kme]]", f'id = "{k}"', f"port = {port}", ""]
    for s_, k in saes.items():
        lines += ["[[sae]]", f'id = "{s_}"', f'kme = "{k}"', ""]
    for link in links:
        lines += ["[[link]]", *(f"{n} = {_toml(v)}" for n, v in link.items()), ""]
    if keys:
        lines += ["[keys]", *(f"{n} = {_toml(v)}" for n, v in keys.items()), ""]
    desc = folder.parent / f"{folder.name}-network.toml"
    desc.write_text("\n".join(lines))
    template = dbs.template(list(ports), folder)
    argv = ["qkd", "kms", "init", "--network", str(desc), "--out", str(folder)]
    if template:
        argv += ["--database", template]
    assert main(argv) == 0
    return NetworkFiles(
        folder, folder / "ca.pem", {k: folder / f"{file_stem(k)}.toml" for k in ports},
        {s_: (folder / f"{file_stem(s_)}.pem", folder / f"{file_stem(s_)}.key") for s_ in saes},
        {k: (folder / f"{file_stem(k)}.pem", folder / f"{file_stem(k)}.key") for k in ports},
        {k: f"https://127.0.0.1:{p}" for k, p in ports.items()},
    )


def start_network(folder: Path, backend: str) -> Net:
    dbs = Databases(backend)
    ports = {k: free_port() for k in ("KME-A", "KME-B", "KME-C")}
    files = init_network(folder, dbs, ports, SAES, LINKS, KEYS)
    kmes = {k: KME(k, files.configs[k], files.urls[k], folder / f"{k}.log", LOG_LEVELS[k]) for k in ports}
    net = Net(files, kmes, dbs)
    try:
        for k in kmes.values():  # start in parallel: each process needs a second or two to import
            k.launch()
        for k in kmes.values():
            k.wait_ready()
    except Exception:
        stop_network(net)
        raise
    return net


def stop_network(net: Net) -> None:
    for k in net.kmes.values():
        k.terminate()
    for k in net.kmes.values():
        k.stop()
    net.dbs.drop()


@pytest.fixture(scope="session")
def net(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    """Three KME processes per backend, shared by the KMS tests (a test that kills one restarts it)."""
    n = start_network(tmp_path_factory.mktemp(f"kms-{backend}"), backend)
    yield n
    stop_network(n)
