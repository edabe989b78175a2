"""The KME's key store: SQLAlchemy Core on SQLite (a file, the default) or PostgreSQL.

Tables
------
``kms_keys``         one row per end-to-end key: ID (UUID), master SAE, size, material
``kms_key_parties``  one row per (key, local SAE that must receive it) with a ``delivered`` flag
``kms_link_state``   per directed QKD link: when its pool started filling and the next unused
                     chunk of link key (the pool's read pointer)
``kms_used_chunks``  link-key chunks received from a neighbour (a pad is accepted only once)

Why it is safe under concurrency and restarts
---------------------------------------------
* Every operation is one transaction. Handing a key to a SAE is the conditional update
  ``UPDATE parties SET delivered = true WHERE ... AND delivered = false``; the number of rows it
  changed must equal the number of keys asked for, otherwise the transaction rolls back and the
  SAE gets an error. Two concurrent requests for the same key cannot both see
  ``delivered = false``: PostgreSQL locks the row (the second update waits, then re-checks the
  condition), SQLite runs write transactions one at a time (``BEGIN IMMEDIATE``).
* The delivery is committed *before* the response is sent, so a crash can lose a response in
  flight but never hands out a key twice (at-most-once). A key is deleted in the same
  transaction in which its last party receives it.
* Link key is allocated by atomically advancing the read pointer (``UPDATE ... SET next_chunk =
  next_chunk + k WHERE next_chunk + k <= produced``), so two relays never use the same pad.

Limits and erasure
------------------
* At most ``max_keys`` undelivered keys are stored; keys older than ``lifetime_s`` are erased
  (both checked inside the transaction that adds keys; PostgreSQL serialises the count with a
  transaction-scoped advisory lock, SQLite's ``BEGIN IMMEDIATE`` already does).
* On SQLite a delivered key leaves no trace in the files: ``PRAGMA secure_delete=ON`` overwrites
  deleted rows with zeros, and after every transaction that erased keys a ``PRAGMA
  wal_checkpoint(TRUNCATE)`` copies the zeroed pages into the database file and empties the
  ``-wal`` file, which still held the pages with the key. The database file is created with mode
  0600 (SQLite gives its ``-wal`` and ``-shm`` files the database file's mode). On PostgreSQL
  the delete is logical: the server's heap and WAL keep the bytes until they are reused, so
  keep its data directory on an encrypted volume.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from qtilab._optional import require
from qtilab.errors import ConfigError

__all__ = ["CHUNK_BITS", "KeyStore", "StoreError"]

log = logging.getLogger("qtilab.kms.store")

#: the one answer for a key a SAE may not have, whatever the reason: a SAE cannot learn
#: whether a key ID exists (unknown, expired, delivered, another pair's key all read the same)
NOT_AVAILABLE = ("key_ID {key_id} is not available to SAE {sae} from master SAE {master} "
                 "(unknown, expired, already delivered, or not shared with this SAE)")

#: link key is allocated in chunks of this many bits
CHUNK_BITS = 256


class StoreError(Exception):
    """A request the store refuses; ``status`` is the HTTP status the API should answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    material: bytes


class KeyStore:
    """Transactions of a KME on its database (see the module docstring)."""

    def __init__(self, url: str, *, create: bool = True, pool_size: int = 10,
                 max_keys: int | None = None, lifetime_s: float | None = None) -> None:
        sa = require("sqlalchemy", extra="server")
        self._sa = sa
        self.url = url
        self.max_keys = max_keys
        self.lifetime_s = lifetime_s
        self.sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            if ":memory:" in url or url.rstrip("/") == "sqlite:":
                raise ConfigError("the KMS store must be a file or a server database, not :memory:")
            _create_private(sa.engine.make_url(url).database)
            kwargs = {
                "connect_args": {"timeout": 60, "check_same_thread": False},
                "pool_size": pool_size,
                "max_overflow": 4 * pool_size,
            }
        else:
            kwargs = {"pool_size": pool_size, "max_overflow": 4 * pool_size, "pool_pre_ping": True}
        try:
            self.engine = sa.create_engine(url, **kwargs)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise ConfigError(f"cannot use database URL {url!r}: {exc}") from exc
        self._t0: dict[str, float] = {}
        self._lock: Any = threading.Lock() if url.startswith("sqlite") else contextlib.nullcontext()
        if url.startswith("sqlite"):
            self._sqlite_setup()
        md = sa.MetaData()
        self.keys = sa.Table(
            "kms_keys", md,
            sa.Column("key_id", sa.String(36), primary_key=True),
            sa.Column("master_sae", sa.String(128), nullable=False, index=True),
            sa.Column("size_bits", sa.Integer, nullable=False),
            sa.Column("material", sa.LargeBinary, nullable=False),
            sa.Column("created", sa.Float, nullable=False, index=True),
        )
        self.parties = sa.Table(
            "kms_key_parties", md,
            sa.Column("key_id", sa.String(36), primary_key=True),
            sa.Column("sae_id", sa.String(128), primary_key=True),
            sa.Column("delivered", sa.Boolean, nullable=False, default=False),
        )
        self.link_state = sa.Table(
            "kms_link_state", md,
            sa.Column("direction", sa.String(300), primary_key=True),
            sa.Column("t0", sa.Float, nullable=False),
            sa.Column("next_chunk", sa.BigInteger, nullable=False),
        )
        self.used_chunks = sa.Table(
            "kms_used_chunks", md,
            sa.Column("direction", sa.String(300), primary_key=True),
            sa.Column("idx", sa.BigInteger, primary_key=True),
        )
        self.metadata = md
        if create:
            md.create_all(self.engine)

    def _sqlite_setup(self) -> None:
        sa = self._sa

        @sa.event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            # let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: a write transaction takes
            # the database lock at its start, so concurrent transactions queue instead of
            # failing with "database is locked" when they upgrade from a read
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # committed = on disk (restart-safe)
            cur.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros
            cur.close()

        @sa.event.listens_for(self.engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Any]:
        """One transaction. On SQLite, this process's write transactions also queue on a lock:
        waiting on SQLite's busy handler (sleep and retry) gives long latency tails."""
        with self._lock, self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def _checkpoint(self) -> None:
        """SQLite: move the WAL into the database file and truncate it (after keys were erased).

        The caller holds ``self._lock``, so no transaction of this process is open; a reader in
        another process can make the checkpoint partial (it is retried after the next erasure).
        """
        if not self.sqlite:
            return
        raw = self.engine.raw_connection()
        try:
            busy = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy and busy[0]:
                log.debug("WAL checkpoint incomplete (another connection reads the database)")
        finally:
            raw.close()

    def _purge_expired(self, conn: Any, now: float) -> int:
        """Erase the keys older than ``lifetime_s``; the number erased."""
        if self.lifetime_s is None:
            return 0
        sa = self._sa
        old = sa.select(self.keys.c.key_id).where(self.keys.c.created < now - self.lifetime_s)
        conn.execute(self.parties.delete().where(self.parties.c.key_id.in_(old)))
        n = conn.execute(self.keys.delete().where(self.keys.c.created < now - self.lifetime_s)).rowcount
        if n:
            log.info("erased %d undelivered key(s) older than key_lifetime_s=%g", n, self.lifetime_s)
        return int(n or 0)

    def purge_expired(self) -> int:
        """Erase expired keys now (also done whenever keys are added or delivered)."""
        with self._lock:
            with self.engine.begin() as conn:
                n = self._purge_expired(conn, time.time())
            if n:
                self._checkpoint()
        return n

    def undelivered_count(self) -> int:
        """Number of stored keys that are not expired (each waits for at least one SAE)."""
        sa = self._sa
        q = sa.select(sa.func.count()).select_from(self.keys)
        if self.lifetime_s is not None:
            q = q.where(self.keys.c.created >= time.time() - self.lifetime_s)
        with self._tx() as conn:
            return int(conn.execute(q).scalar_one())

    # ------------------------------------------------------------------ keys
    def add_keys(
        self,
        keys: Sequence[tuple[str, bytes]],
        *,
        master_sae: str,
        size_bits: int,
        parties: Iterable[tuple[str, bool]],
    ) -> None:
        """Store keys with their local parties ``(sae_id, already_delivered)``, atomically.

        Keys whose every party already has them are not stored at all.
        """
        parties = list(parties)
        if all(d for _, d in parties):
            return
        sa = self._sa
        now = time.time()
        with self._lock:
            with self.engine.begin() as conn:  # its own transaction: a refusal below keeps it
                purged = self._purge_expired(conn, now)
            with self.engine.begin() as conn:
                if self.max_keys is not None:
                    if not self.sqlite:  # serialise the count-then-insert of concurrent requests
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7230014)"))
                    held = int(conn.execute(sa.select(sa.func.count()).select_from(self.keys)).scalar_one())
                    if held + len(keys) > self.max_keys:
                        raise _Rollback(
                            503, f"the key store is full: {held} undelivered key(s) of max_key_count="
                                 f"{self.max_keys}; {len(keys)} more do not fit until SAEs fetch theirs"
                                 " or they expire")
                self._insert(conn, keys, master_sae, size_bits, parties, now)
            if purged:
                self._checkpoint()

    def _insert(self, conn: Any, keys: Sequence[tuple[str, bytes]], master_sae: str, size_bits: int,
                parties: list[tuple[str, bool]], now: float) -> None:
        conn.execute(
            self.keys.insert(),
            [{"key_id": k, "master_sae": master_sae, "size_bits": size_bits, "material": m, "created": now} for k, m in keys],
        )
        conn.execute(
            self.parties.insert(),
            [{"key_id": k, "sae_id": s, "delivered": d} for k, _ in keys for s, d in parties],
        )

    def deliver(self, sae_id: str, master_sae: str, key_ids: Sequence[str]) -> list[StoredKey]:
        """Hand the keys ``key_ids`` (of master ``master_sae``) to ``sae_id``, each at most once.

        Raises
        ------
        StoreError
            400 when a key ID is asked for twice in one request; otherwise 401 with one and the
            same message (:data:`NOT_AVAILABLE`) whether the key never existed, expired, was
            erased after delivery to all parties, was already delivered to this SAE, belongs to
            another master SAE or is not shared with this SAE. Nothing is delivered then.
        """
        sa = self._sa
        ids = list(key_ids)
        if len(set(ids)) != len(ids):
            raise StoreError(400, "the same key_ID is requested more than once")

        def refuse(k: str) -> StoreError:
            return _Rollback(401, NOT_AVAILABLE.format(key_id=k, sae=sae_id, master=master_sae))

        now = time.time()
        with self._lock:
            with self.engine.begin() as conn:  # its own transaction: a refusal below keeps it
                purged = self._purge_expired(conn, now)
            with self.engine.begin() as conn:
                # lock the keys' rows first, always in key_ID order (PostgreSQL; SQLite holds the
                # database lock already): a concurrent delivery of the same keys waits here, and
                # a key erased meanwhile is then simply not found
                rows = conn.execute(
                    sa.select(self.keys.c.key_id, self.keys.c.master_sae, self.keys.c.material)
                    .where(self.keys.c.key_id.in_(ids))
                    .order_by(self.keys.c.key_id)
                    .with_for_update()
                ).all()
                found = {r.key_id: r for r in rows}
                party_rows = conn.execute(
                    sa.select(self.parties.c.key_id, self.parties.c.delivered)
                    .where(self.parties.c.key_id.in_(ids), self.parties.c.sae_id == sae_id)
                    .order_by(self.parties.c.key_id)
                    .with_for_update()
                ).all()
                mine = {r.key_id: r.delivered for r in party_rows}
                for k in ids:
                    if k not in found or k not in mine or mine[k] or found[k].master_sae != master_sae:
                        raise refuse(k)
                # the guard: only rows still undelivered change; a concurrent delivery of the
                # same key makes the count short and this transaction rolls back
                res = conn.execute(
                    self.parties.update()
                    .where(
                        self.parties.c.key_id.in_(ids),
                        self.parties.c.sae_id == sae_id,
                        self.parties.c.delivered == sa.false(),
                    )
                    .values(delivered=True)
                )
                if res.rowcount != len(ids):
                    raise refuse(ids[0])
                erased = self._erase_complete(conn, ids)
            if erased or purged:
                self._checkpoint()
        return [StoredKey(k, found[k].material) for k in ids]

    def _erase_complete(self, conn: Any, ids: Sequence[str]) -> int:
        sa = self._sa
        pending = {
            r.key_id
            for r in conn.execute(
                sa.select(self.parties.c.key_id).where(
                    self.parties.c.key_id.in_(ids), self.parties.c.delivered == sa.false()
                )
            )
        }
        done = [k for k in ids if k not in pending]
        if done:
            conn.execute(self.parties.delete().where(self.parties.c.key_id.in_(done)))
            conn.execute(self.keys.delete().where(self.keys.c.key_id.in_(done)))
        return len(done)

    def count_keys(self) -> int:
        sa = self._sa
        with self._tx() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(self.keys)).scalar_one())

    def key_ids(self) -> list[str]:
        sa = self._sa
        with self._tx() as conn:
            return [r[0] for r in conn.execute(sa.select(self.keys.c.key_id))]

    # ------------------------------------------------------------------ link key
    def _ensure_link(self, conn: Any, direction: str, now: float) -> Any:
        sa = self._sa
        row = conn.execute(sa.select(self.link_state).where(self.link_state.c.direction == direction)).first()
        if row is None:
            conn.execute(self.link_state.insert().values(direction=direction, t0=now, next_chunk=0))
            row = conn.execute(sa.select(self.link_state).where(self.link_state.c.direction == direction)).first()
        return row

    @staticmethod
    def _produced(t0: float, now: float, rate_bps: float) -> int:
        return int(max(0.0, now - t0) * rate_bps // CHUNK_BITS)

    def start_link(self, direction: str) -> None:
        """Start the pool of an outgoing link direction (idempotent: keeps an existing start)."""
        with self._tx() as conn:
            self._ensure_link(conn, direction, time.time())

    def available_chunks(self, direction: str, rate_bps: float, capacity_bits: float) -> int:
        now = time.time()
        with self._tx() as conn:
            row = self._ensure_link(conn, direction, now)
        produced = self._produced(row.t0, now, rate_bps)
        return int(max(0, min(produced - row.next_chunk, int(capacity_bits // CHUNK_BITS))))

    def allocate_chunks(self, direction: str, count: int, rate_bps: float, capacity_bits: float) -> int | None:
        """Take ``count`` consecutive unused chunks of outgoing link key; their first index.

        Returns ``None`` when the pool holds fewer than ``count`` chunks. Key produced while the
        pool was full (``capacity_bits``) is skipped, as a full QKD buffer discards it.
        """
        sa = self._sa
        ls = self.link_state
        t0 = self._t0.get(direction)
        if t0 is None:  # the start never changes once written: read it once
            with self._tx() as conn:
                t0 = float(self._ensure_link(conn, direction, time.time()).t0)
            self._t0[direction] = t0
        cap = int(capacity_bits // CHUNK_BITS)
        for _ in range(2):
            with self._tx() as conn:
                # the clock is read once the transaction holds the lock (SQLite) and read again
                # after a miss (PostgreSQL waits for the row lock inside the UPDATE): a time read
                # before a long wait would undercount the key produced meanwhile
                produced = self._produced(t0, time.time(), rate_bps)
                floor = produced - cap
                # one atomic statement: skip key lost to a full pool, then take `count` chunks
                start = sa.case((ls.c.next_chunk < floor, floor), else_=ls.c.next_chunk)
                res = conn.execute(
                    ls.update()
                    .where(ls.c.direction == direction, start + count <= produced)
                    .values(next_chunk=start + count)
                    .returning(ls.c.next_chunk)
                ).first()
            if res is not None:
                return int(res[0]) - count
        return None

    def mark_chunks_used(self, direction: str, start: int, count: int) -> None:
        """Record incoming link-key chunks as used; 400 if any was used before (replay)."""
        sa = self._sa
        if start < 0 or count < 1:
            raise StoreError(400, "invalid link-key chunk range")
        try:
            with self._tx() as conn:
                conn.execute(
                    self.used_chunks.insert(),
                    [{"direction": direction, "idx": i} for i in range(start, start + count)],
                )
        except sa.exc.IntegrityError as exc:
            raise StoreError(400, f"link key of {direction} at chunk {start} was already used") from exc


class _Rollback(StoreError):
    """Raised inside a transaction so that ``engine.begin()`` rolls it back."""


def _create_private(path: str | None) -> None:
    """Create an SQLite database file with mode 0600 (owner only) if it does not exist yet.

    Created by ``os.open(..., 0o600)``, so it is never readable by others, not even for the
    moment between creation and a ``chmod``. SQLite creates ``-wal`` and ``-shm`` with the same
    mode as the database file.
    """
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = os.stat(path).st_mode & 0o777
        if mode & 0o077:
            log.warning("database file %s has mode %o: other users can read its keys (chmod 600 it)", path, mode)
        return
    except OSError as exc:
        raise ConfigError(f"cannot create the SQLite database file {path}: {exc}") from exc
    os.close(fd)
