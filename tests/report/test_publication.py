"""hubeval.report.publication: where published reports go."""
from __future__ import annotations

from pathlib import Path

import hubeval as hb

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"


def test_report_folder_is_named_after_the_batch(tmp_path):
    batch = tmp_path / "runs" / "main" / "20261126-101500-ab12cd"
    batch.mkdir(parents=True)
    folder = hb.report_folder(batch, tmp_path / "reports")
    assert folder == tmp_path / "reports" / "main" / "20261126-101500-ab12cd" and folder.is_dir()
