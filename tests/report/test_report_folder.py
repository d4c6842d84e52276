"""Published reports are immutable: a memo for a batch never replaces what was published."""
from __future__ import annotations

import json
import threading

import pytest

import hubeval as hb
from hubeval.store.records import CONTEXT_ENV


def _as_run_of(monkeypatch, tmp_path, batch_folder, name):
    """Make this process look like a run of the batch at ``batch_folder``."""
    context = tmp_path / f"{name}.json"
    context.write_text(json.dumps({"run_id": name, "batch_folder": str(batch_folder)}))
    monkeypatch.setenv(CONTEXT_ENV, str(context))


@pytest.fixture
def batch(tmp_path):
    folder = tmp_path / "runs" / "main" / "20261126-101500-ab12cd"
    folder.mkdir(parents=True)
    return folder


def test_the_runs_of_one_batch_share_its_folder_and_a_rerun_gets_a_new_one(
        tmp_path, monkeypatch, batch):
    reports = tmp_path / "reports"
    _as_run_of(monkeypatch, tmp_path, batch, "memo-en")
    first = hb.report_folder(batch, reports)
    assert first == reports / "main" / batch.name
    (first / "memo_en.html").write_text("published")
    _as_run_of(monkeypatch, tmp_path, batch, "memo-ko")  # the other language, same batch
    assert hb.report_folder(batch, reports) == first

    rerun = tmp_path / "runs" / "90_policy_memo" / "20261127-090000-ffffff"
    _as_run_of(monkeypatch, tmp_path, rerun, "memo")  # `hubeval run` of the memo again
    second = hb.report_folder(batch, reports)
    assert second == reports / "main" / f"{batch.name}-2"
    monkeypatch.delenv(CONTEXT_ENV)  # an interactive session
    assert hb.report_folder(batch, reports) == reports / "main" / f"{batch.name}-3"
    assert hb.report_folder(batch, reports) == reports / "main" / f"{batch.name}-4"
    assert (first / "memo_en.html").read_text() == "published"


def test_folders_from_before_the_claim_are_never_reused(tmp_path, monkeypatch, batch):
    old = tmp_path / "reports" / "main" / batch.name
    old.mkdir(parents=True)
    (old / "effects_en.svg").write_text("<svg/>")
    _as_run_of(monkeypatch, tmp_path, batch, "memo-en")
    assert hb.report_folder(batch, tmp_path / "reports").name == f"{batch.name}-2"


def test_concurrent_runs_of_one_batch_agree_on_one_folder(tmp_path, monkeypatch, batch):
    _as_run_of(monkeypatch, tmp_path, batch, "memo")
    found = []
    threads = [threading.Thread(target=lambda: found.append(
        hb.report_folder(batch, tmp_path / "reports"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1 and found[0].name == batch.name
    assert [p.name for p in (tmp_path / "reports" / "main").iterdir()] == [batch.name]
