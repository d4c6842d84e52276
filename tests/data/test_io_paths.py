"""A data path that is a folder or cannot be read gives a PanelError naming it."""
from __future__ import annotations

import os

import pytest

import hubeval as hb
from hubeval.data.io import read_table


def test_folder_as_data_path(tmp_path):
    folder = tmp_path / "firms.csv"  # even with a table's suffix
    folder.mkdir()
    with pytest.raises(hb.PanelError) as info:
        read_table(folder)
    assert str(info.value) == (f"Data file `{folder}` is a folder, not a file. Point `data_path` "
                               "to the firm-year table itself (.csv, .xlsx or .parquet) inside it.")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text("firm_id,year\nA,2010\n")
    path.chmod(0)
    with pytest.raises(hb.PanelError) as info:
        read_table(path)
    assert str(info.value) == (f"Data file `{path}` cannot be read (permission denied). Check "
                               "the file's permissions, or copy it to a folder you can read.")


def test_read_failure_after_the_check(tmp_path, monkeypatch):
    path = tmp_path / "firms.csv"
    path.write_text("firm_id,year\nA,2010\n")

    def refuse(path, size=0):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("hubeval.data.sniff.sample_bytes", refuse)
    with pytest.raises(hb.PanelError) as info:
        read_table(path)
    assert str(info.value) == (f"Data file `{path}` cannot be read (Permission denied). Check "
                               "the file's permissions, or copy it to a folder you can read.")
