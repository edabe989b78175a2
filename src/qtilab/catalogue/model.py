"""The catalogue of the programme's activities: loading, validation and filtering.

The data live in ``activities.toml`` beside this module (format described at its top). Loading
checks the structure (unknown keys, wrong types) and raises :class:`~qtilab.errors.ConfigError`
naming the entry; :func:`validate` checks the content against the world (every country is one
of the shipped outline, every partner and paper is defined, every command exists in the
``qtilab`` command line, when given) and returns the problems as sentences.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qtilab.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: the shipped catalogue
DEFAULT_PATH = Path(__file__).with_name("activities.toml")
TOPICS = ("hep", "qml", "randomness", "communication", "earth-observation", "generative", "simulation",
          "algorithms", "outreach", "advisory")
STATUSES = ("planned", "active", "completed")
KINDS = ("university", "laboratory", "company", "agency", "foundation")


@dataclass(frozen=True)
class Partner:
    name: str
    country: str
    kind: str
    note: str = ""


@dataclass(frozen=True)
class Paper:
    key: str
    title: str
    authors: tuple[str, ...]
    year: int
    journal: str = ""
    volume: str = ""
    pages: str = ""
    doi: str = ""
    arxiv: str = ""

    @property
    def url(self) -> str:
        """The DOI link, else the arXiv abstract link."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return f"https://arxiv.org/abs/{self.arxiv}"


@dataclass(frozen=True)
class Activity:
    id: str
    title: str
    topic: str
    status: str
    partners: tuple[str, ...]
    papers: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    studies: tuple[str, ...] = ()
    summary: str = ""

    def matches_study(self, rel: str) -> bool:
        """Whether a report folder (relative path below a reports folder) belongs to this activity."""
        rel = rel.strip("/")
        return any(fnmatch.fnmatch(rel, p) for p in self.studies)


@dataclass
class Catalogue:
    """Partners, activities and papers, as read from a TOML file."""

    partners: dict[str, Partner]
    activities: list[Activity]
    papers: dict[str, Paper]
    path: Path | None = None
    schema: int = 1
    _unknown: list[str] = field(default_factory=list)

    def countries(self, activity: Activity) -> list[str]:
        """The countries of an activity's partners, in partner order, without repeats."""
        out: list[str] = []
        for p in activity.partners:
            c = self.partners[p].country if p in self.partners else None
            if c and c not in out:
                out.append(c)
        return out

    def all_countries(self) -> dict[str, list[str]]:
        """Country -> the ids of the activities with a partner there."""
        out: dict[str, list[str]] = {}
        for a in self.activities:
            for c in self.countries(a):
                out.setdefault(c, []).append(a.id)
        return dict(sorted(out.items()))

    def filter(self, *, country: str | None = None, topic: str | None = None, partner: str | None = None,
               status: str | None = None) -> list[Activity]:
        """Activities matching every given filter (case-insensitive; partner by substring)."""
        out = []
        for a in self.activities:
            if country and country.lower() not in (c.lower() for c in self.countries(a)):
                continue
            if topic and topic.lower() != a.topic.lower():
                continue
            if partner and not any(partner.lower() in p.lower() for p in a.partners):
                continue
            if status and status.lower() != a.status.lower():
                continue
            out.append(a)
        return out

    def cited_papers(self) -> list[Paper]:
        """Every paper some activity cites, in first-cited order."""
        seen: list[str] = []
        for a in self.activities:
            for k in a.papers:
                if k not in seen:
                    seen.append(k)
        return [self.papers[k] for k in seen if k in self.papers]


def _need(d: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in d:
        raise ConfigError(f"{where}: missing '{key}'")
    v = d[key]
    if not isinstance(v, typ):
        raise ConfigError(f"{where}: '{key}' must be {getattr(typ, '__name__', typ)}, got {type(v).__name__}")
    return v


def _strs(d: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = d.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(v)


def _check_keys(d: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    extra = sorted(set(d) - set(allowed))
    if extra:
        raise ConfigError(f"{where}: unknown key(s) {extra}; allowed: {sorted(allowed)}")


def parse(data: dict[str, Any], path: Path | None = None) -> Catalogue:
    """A :class:`Catalogue` from the parsed TOML mapping (structure checked, content not)."""
    src = str(path) if path else "catalogue"
    _check_keys(data, ("schema", "partner", "activity", "paper"), src)
    partners: dict[str, Partner] = {}
    for name, p in (data.get("partner") or {}).items():
        where = f"{src}: [partner.{name!r}]"
        if not isinstance(p, dict):
            raise ConfigError(f"{where}: must be a table")
        _check_keys(p, ("country", "kind", "note"), where)
        partners[name] = Partner(name, _need(p, "country", str, where), _need(p, "kind", str, where),
                                 str(p.get("note", "")))
    papers: dict[str, Paper] = {}
    for key, p in (data.get("paper") or {}).items():
        where = f"{src}: [paper.{key}]"
        if not isinstance(p, dict):
            raise ConfigError(f"{where}: must be a table")
        _check_keys(p, ("title", "authors", "year", "journal", "volume", "pages", "doi", "arxiv"), where)
        papers[key] = Paper(
            key, _need(p, "title", str, where), _strs(p, "authors", where), _need(p, "year", int, where),
            str(p.get("journal", "")), str(p.get("volume", "")), str(p.get("pages", "")),
            str(p.get("doi", "")), str(p.get("arxiv", "")),
        )
    acts: list[Activity] = []
    raw = data.get("activity") or []
    if not isinstance(raw, list):
        raise ConfigError(f"{src}: 'activity' must be an array of tables ([[activity]])")
    for i, a in enumerate(raw):
        where = f"{src}: activity #{i + 1}" + (f" ({a.get('id')!r})" if isinstance(a, dict) and "id" in a else "")
        if not isinstance(a, dict):
            raise ConfigError(f"{where}: must be a table")
        _check_keys(a, ("id", "title", "topic", "status", "partners", "papers", "commands", "studies", "summary"),
                    where)
        acts.append(Activity(
            _need(a, "id", str, where), _need(a, "title", str, where), _need(a, "topic", str, where),
            _need(a, "status", str, where), _strs(a, "partners", where), _strs(a, "papers", where),
            _strs(a, "commands", where), _strs(a, "studies", where), str(a.get("summary", "")),
        ))
    return Catalogue(partners, acts, papers, path, int(data.get("schema", 1)))


def load(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Read a catalogue TOML file (default: the shipped ``activities.toml``)."""
    p = Path(path) if path is not None else DEFAULT_PATH
    if not p.is_file():
        raise ConfigError(f"{p}: no such catalogue file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    return parse(data, p)


@lru_cache(maxsize=1)
def known_countries() -> frozenset[str]:
    """The country names of the shipped world outline."""
    from qtilab.catalogue.worldmap import load_topology

    topo = load_topology()
    return frozenset(g["properties"]["name"] for g in topo["objects"]["countries"]["geometries"])


def validate(cat: Catalogue, *, commands: set[str] | None = None,
             countries: Sequence[str] | frozenset[str] | None = None) -> list[str]:
    """The catalogue's problems, one sentence each (empty when it is consistent).

    Checks: unique activity ids; known topic, status and partner kind; every partner of an
    activity defined, with a country of the shipped outline; every paper defined, with a DOI or
    an arXiv id; every paper cited somewhere; and, when ``commands`` is given (the command
    line's commands, :func:`qtilab.cli.catalogue.cli_commands`), every command one of them.
    The catalogue does not import the command line (it sits beside it in layer 4).
    """
    ctry = known_countries() if countries is None else frozenset(countries)
    problems: list[str] = []
    seen: set[str] = set()
    for name, p in cat.partners.items():
        if p.country not in ctry:
            close = sorted(c for c in ctry if c.lower().startswith(p.country[:3].lower()))
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"partner {name!r}: unknown country {p.country!r}{hint}; use a name of the shipped "
                            "Natural Earth outline")
        if p.kind not in KINDS:
            problems.append(f"partner {name!r}: unknown kind {p.kind!r}; one of {', '.join(KINDS)}")
    cited: set[str] = set()
    for a in cat.activities:
        tag = f"activity {a.id!r}"
        if a.id in seen:
            problems.append(f"{tag}: duplicate id")
        seen.add(a.id)
        if a.topic not in TOPICS:
            problems.append(f"{tag}: unknown topic {a.topic!r}; one of {', '.join(TOPICS)}")
        if a.status not in STATUSES:
            problems.append(f"{tag}: unknown status {a.status!r}; one of {', '.join(STATUSES)}")
        if not a.partners:
            problems.append(f"{tag}: no partners")
        for pname in a.partners:
            if pname not in cat.partners:
                problems.append(f"{tag}: partner {pname!r} is not defined (add a [partner.{pname!r}] table)")
        for k in a.papers:
            cited.add(k)
            if k not in cat.papers:
                problems.append(f"{tag}: paper {k!r} is not defined (add a [paper.{k}] table)")
        for c in a.commands if commands is not None else ():
            if c not in (commands or set()):
                problems.append(f"{tag}: command {c!r} does not exist in this qtilab")
    for k, paper in cat.papers.items():
        if not (paper.doi or paper.arxiv):
            problems.append(f"paper {k!r}: needs a doi or an arxiv id")
        if k not in cited:
            problems.append(f"paper {k!r}: cited by no activity")
    return problems
