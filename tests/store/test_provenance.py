"""hubeval.store.provenance: what a published memo says about the batch behind it."""
from __future__ import annotations

import json

from hubeval.store.provenance import read_provenance


def test_paths_are_shown_relative_to_the_project_root(tmp_path):
    root = tmp_path / "home" / "analyst" / "project"
    folder = root / "runs" / "main" / "20261126-101500-ab12cd"
    folder.mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "costs.csv").write_text("cohort,cost\n2011,1\n")
    manifest = {"batch": "main", "root": str(root), "folder": str(folder), "status": "ok",
                "runs": [{"id": "10_outcomes", "notebook": "notebooks/10_outcomes.ipynb",
                          "data": {"data/example/firms.csv": "a" * 64,
                                   str(root / "data" / "own.csv"): "b" * 64},
                          "params": {"data_path": str(root / "data" / "own.csv"),
                                     "output_dir": str(folder / "10_outcomes"), "n_boot": 9}}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    tables = read_provenance(folder, inputs={"costs": root / "data" / "costs.csv"})
    batch = tables["batch"].set_index("item")["value"]
    assert batch["folder"] == "runs/main/20261126-101500-ab12cd"
    assert tables["data"]["file"].tolist() == ["data/example/firms.csv", "data/own.csv",
                                               "data/costs.csv"]
    params = tables["parameters"].set_index("parameter")["value"]
    assert params["data_path"] == "data/own.csv" and "output_dir" not in params
    shown = tables["batch"].to_string() + tables["data"].to_string() + tables["parameters"].to_string()
    assert str(tmp_path) not in shown


def test_paths_outside_the_root_are_kept_as_given(tmp_path):
    folder = tmp_path / "elsewhere" / "b"
    folder.mkdir(parents=True)
    manifest = {"batch": "b", "root": str(tmp_path / "project"), "folder": str(folder),
                "runs": []}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    batch = read_provenance(folder)["batch"].set_index("item")["value"]
    assert batch["folder"] == str(folder)
