"""Value-proposition one-pagers: numbers taken from the reports, one A4 page of PDF each."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from qtilab.report import Report
from qtilab.report.onepager import AUDIENCES, write_onepagers


def test_onepagers_quote_the_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["qtilab", "hep", "qsvm", "--qubits", "6", "--out", "x"])
    r = Report("QSVM study")
    r.add_headline("QSVM test AUC", 0.9509, error=0.0015)
    hep = r.to_dict()
    q = Report("QKD key rate")
    q.add_headline("key rate reaches zero at", 142.2, unit="km")
    qkd = q.to_dict()
    paths = write_onepagers([(hep, "hep"), (qkd, "qkd/keyrate")], tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{a.name}.{ext}" for a in AUDIENCES for ext in ("md", "pdf"))
    phys = (tmp_path / "physicists.md").read_text()
    ind = (tmp_path / "industry.md").read_text()
    pub = (tmp_path / "public.md").read_text()
    # physicists: the HEP study (topic hep), not QKD; industry: QKD (communication), not HEP
    assert "QSVM test AUC: 0.9509 ± 0.0015" in phys and "QKD key rate" not in phys
    assert "`qtilab hep qsvm --qubits 6 --out x`" in phys
    assert "key rate reaches zero at: 142.2 km" in ind and "QSVM study" not in ind
    assert "QSVM study" in pub and "QKD key rate" in pub
    assert "ID Quantique" in ind  # partners of the communication activity
    for a in AUDIENCES:
        pdf = (tmp_path / f"{a.name}.pdf").read_bytes()
        assert pdf[:5] == b"%PDF-"
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one page
        assert b"/MediaBox [0 0 595.44 841.68]" in pdf or b"/MediaBox [ 0 0 595.44 841.68 ]" in pdf  # A4
