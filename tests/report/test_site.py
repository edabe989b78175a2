"""The static site: pages, links, search index, skipped inputs, unchanged studies, bad JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qtilab.cli import main
from qtilab.report import Report
from qtilab.report.site import SiteWarning, build_site, check_site


def _reports(root: Path) -> None:
    a = Report("Key rate study", meta={"seed": 1})
    a.add_headline("zero key rate at", 142.3, unit="km")
    a.add_table("Rates", ["distance", "rate"], [[25, 1e-3]], units=["km", "bits/pulse"])
    fig = a.new_figure("keyrate", "rate against distance")
    fig.gca().plot([0, 50, 100], [1e-2, 1e-3, 1e-4], label="decoy")
    a.data["max_km"] = 142.3
    a.write(root / "qkd" / "keyrate")
    b = Report("Ising test of a generator", meta={"seed": 2, "L": 16})
    b.add_text("Summary", "Wolff clusters on a 16x16 lattice.")
    b.data["energy"] = -1.4531
    b.write(root / "rng" / "montecarlo")


def test_site_builds_checks_and_skips(tmp_path: Path) -> None:
    src = tmp_path / "reports"
    _reports(src)
    (src / "broken.json").write_text("{not json")
    (src / "rng" / "other.json").write_text(json.dumps({"hello": 1}))
    site = tmp_path / "site"
    with pytest.warns(SiteWarning) as rec:
        res = build_site(src, site)
    msgs = sorted(str(w.message) for w in rec)
    assert len(msgs) == 2
    assert str(src / "broken.json") in msgs[0] and "not valid JSON" in msgs[0]
    assert str(src / "rng" / "other.json") in msgs[1] and "not a qtilab report" in msgs[1]
    assert sorted(res.studies) == ["qkd--keyrate", "rng--montecarlo"] and sorted(res.built) == sorted(res.studies)
    assert check_site(site) == []
    index = (site / "index.html").read_text()
    assert "142.3 km" in index and "studies/qkd--keyrate/keyrate.png" in index  # headline and thumbnail
    page = (site / "studies" / "qkd--keyrate" / "index.html").read_text()
    assert "<h2>Provenance</h2>" in page and "Downloads and data hashes" in page
    # the hash shown for the JSON is that of the file next to the page
    import hashlib

    h = hashlib.sha256((site / "studies" / "qkd--keyrate" / "report.json").read_bytes()).hexdigest()
    assert h in page
    # qkd/* belongs to the quantum-communication activity: linked both ways
    assert "catalogue.html#quantum-communication" in page
    cat = (site / "catalogue.html").read_text()
    assert "studies/qkd--keyrate/index.html" in cat and "<svg class='map'" in cat
    search = (site / "search-index.js").read_text()
    entries = json.loads(re.sub(r"^window.QTILAB_SEARCH = |;\s*$", "", search))
    mc = next(e for e in entries if e["id"] == "card-rng--montecarlo")
    assert "wolff clusters" in mc["text"] and "ising" in mc["text"]
    for aud in ("physicists", "industry", "public"):
        assert (site / "onepagers" / f"{aud}.pdf").read_bytes()[:5] == b"%PDF-"


def test_unchanged_studies_are_skipped_and_removed_ones_dropped(tmp_path: Path) -> None:
    src = tmp_path / "reports"
    _reports(src)
    site = tmp_path / "site"
    build_site(src, site, onepagers=False)
    page = site / "studies" / "rng--montecarlo" / "index.html"
    page.write_text(page.read_text() + "<!-- marker -->")
    res = build_site(src, site, onepagers=False)
    assert res.built == [] and sorted(res.unchanged) == ["qkd--keyrate", "rng--montecarlo"]
    assert page.read_text().endswith("<!-- marker -->")  # not rewritten
    r = Report("Ising test of a generator", meta={"seed": 3})
    r.write(src / "rng" / "montecarlo")
    res = build_site(src, site, onepagers=False)
    assert res.built == ["rng--montecarlo"] and "marker" not in page.read_text()
    import shutil

    shutil.rmtree(src / "qkd")
    res = build_site(src, site, onepagers=False)
    assert res.studies == ["rng--montecarlo"] and not (site / "studies" / "qkd--keyrate").exists()
    assert check_site(site) == []


def test_checker_finds_broken_pages(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        "<!doctype html><html><head><title>a</title></head><body><div><p>x</span></div>"
        "<a href='missing.html'>m</a><img src='gone.png'><a href='b.html#nope'>b</a></body></html>"
    )
    (tmp_path / "b.html").write_text("<!doctype html><html><head><title>b</title></head><body id='top'></body></html>")
    problems = check_site(tmp_path)
    text = "\n".join(problems)
    assert "</span> does not close <div>" in text
    assert "'missing.html' does not resolve" in text and "'gone.png' does not resolve" in text
    assert "anchor 'b.html#nope' does not exist" in text
    assert len(problems) == 4


def test_cli_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "reports"
    _reports(src)
    (src / "junk.json").write_text("[1, 2]")
    assert main(["report", "site", str(src), "--out", str(tmp_path / "site"), "--check", "--no-onepagers"]) == 0
    cap = capsys.readouterr()
    assert "2 studies (2 built, 0 unchanged), 1 files skipped" in cap.out
    assert f"warning: {src / 'junk.json'}: skipped" in cap.err
    assert "every page parses" in cap.out
    assert main(["report", "site", str(tmp_path / "nope"), "--out", str(tmp_path / "s2")]) == 1


def test_demo_builds_its_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--only", "qasm"]) == 0
    out = capsys.readouterr().out
    index = tmp_path / "site" / "index.html"
    assert f"open {index.resolve().as_uri()}" in out
    assert "OpenQASM teleportation" in index.read_text()
    assert check_site(tmp_path / "site") == []


def test_schema_1_reports_still_render(tmp_path: Path) -> None:
    src = tmp_path / "reports" / "old"
    src.mkdir(parents=True)
    old = {"title": "Old study", "meta": {"qtilab_version": "0.1.0", "seed": 4}, "data": {"x": 1},
           "tables": [{"title": "T", "columns": ["a", "b"], "rows": [[1, 2.5]], "note": ""}], "figures": []}
    (src / "report.json").write_text(json.dumps(old))
    build_site(tmp_path / "reports", tmp_path / "site", onepagers=False)
    page = (tmp_path / "site" / "studies" / "old" / "index.html").read_text()
    assert "<h3>T</h3>" in page and "<td>2.5</td>" in page and "seed: 4" in page
    assert "seed: <b>4</b>" in (tmp_path / "site" / "index.html").read_text()  # meta as the headline
    assert check_site(tmp_path / "site") == []


def test_a_site_inside_the_reports_folder_is_not_read_back(tmp_path: Path) -> None:
    src = tmp_path / "reports"
    _reports(src)
    build_site(src, src / "site")
    pdf = src / "site" / "onepagers" / "public.pdf"
    stamp = pdf.stat().st_mtime_ns
    res = build_site(src, src / "site")  # nothing changed: pages and one-pagers kept
    assert res.built == [] and pdf.stat().st_mtime_ns == stamp
    res = build_site(src, tmp_path / "elsewhere", onepagers=False)
    assert sorted(res.studies) == ["qkd--keyrate", "rng--montecarlo"]
