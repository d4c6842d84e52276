"""The batch runner end to end on tiny notebooks, plus records and progress (no estimators).

Kernel starts cost ~1-3 s each, so one module-scoped batch exercises most behaviour at once:
two grid runs that record tables, a failing cell, a killed kernel, a timeout, and a stage-2
memo that reads the collected results. Resume and the Dask executor get their own small batches.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import hubeval as hb
from hubeval.store.schema import ESTIMATE_COLUMNS
from hubeval.batch.progress import Progress
from hubeval.core.errors import ParameterError
from hubeval.store import read_batch

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def make_project(root: Path, batch: str,
                 notebooks=("ok", "fail", "kill", "sleep", "memo")) -> Path:
    """A project folder with the test notebooks and one batch file; returns the batch path."""
    (root / "notebooks").mkdir(parents=True)
    (root / "params" / "batches").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    for name in notebooks:
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", root / "notebooks")
    path = root / "params" / "batches" / "demo.yaml"
    path.write_text(batch, encoding="utf-8")
    return path


DEMO = """
name: demo
defaults: {effect: 0.2}
runs:
  - notebook: notebooks/ok.ipynb
    grid: {outcome: [sales, jobs]}
  - notebook: notebooks/fail.ipynb
  - notebook: notebooks/kill.ipynb
  - notebook: notebooks/sleep.ipynb
    timeout: 5
  - notebook: notebooks/memo.ipynb
    stage: 2
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    path = make_project(root, DEMO)
    (root / "params" / "ok.yaml").write_text("n_terms: 3\n")
    return hb.run_batch(path, jobs=2)


def test_failures_are_isolated_with_cell_and_error(demo):
    status = demo.runs.set_index("run_id")["status"].to_dict()
    assert status == {"ok-sales": "ok", "ok-jobs": "ok", "fail": "failed", "kill": "failed",
                      "sleep": "failed", "memo": "ok"}
    errors = demo.runs.set_index("run_id")["error"]
    assert errors["fail"] == "cell 3: ZeroDivisionError: division by zero"
    assert errors["kill"] == ("cell 3: kernel died (its process exited: killed, crashed or out "
                              "of memory)")
    assert errors["sleep"] == "cell 3: timed out after 5 s (the run's time limit)"
    assert not demo.ok and demo.failed == ["fail", "kill", "sleep"]
    failures = {r["id"]: r["failure"] for r in demo.manifest["runs"]}
    assert failures["kill"] == "kernel_died" and failures["sleep"] == "timeout"


def test_partial_executed_notebooks_are_kept(demo):
    failed = nbformat.read(demo.folder / "fail" / "fail.ipynb", as_version=4)
    assert failed.cells[-1].outputs[0]["ename"] == "ZeroDivisionError"
    slept = nbformat.read(demo.folder / "sleep" / "sleep.ipynb", as_version=4)
    ran = [c.source for c in slept.cells if c.get("execution_count")]
    assert ran[-2:] == ["import time", "time.sleep(seconds)"]  # saved up to the stuck cell
    ok = nbformat.read(demo.folder / "ok-sales" / "ok.ipynb", as_version=4)
    injected = [c for c in ok.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "outcome = \"sales\"" in injected[0].source
    # each attempt writes into its own folder, renamed to the run's folder when it ends
    attempt = next(r for r in demo.manifest["runs"] if r["id"] == "ok-sales")["attempts"][0]
    assert attempt["placed"] and attempt["attempt"].startswith("ok-sales-")
    assert f"output_dir = \"{demo.folder / '.attempts' / attempt['attempt']}\"" in injected[0].source


def test_results_collected_and_memo_reads_them(demo):
    index = pd.read_csv(demo.folder / "tables.csv", encoding="utf-8-sig")
    assert index["table"].tolist() == ["runs", "estimates", "statistics", "summary"]
    results = pd.read_csv(demo.folder / "estimates.csv", encoding="utf-8-sig")
    assert list(results.columns) == ESTIMATE_COLUMNS  # the fixed schema, no parameter columns
    assert results["run_id"].tolist() == ["ok-sales"] * 3 + ["ok-jobs"] * 3
    assert results["outcome"].tolist() == ["sales"] * 3 + ["jobs"] * 3
    assert results["term"].tolist() == ["t0", "t1", "t2"] * 2 and set(results["estimator"]) == {"other"}
    assert (results["estimate"] == 0.2).all()
    assert [demo.params(r)["n_terms"] for r in ("ok-sales", "ok-jobs")] == [3, 3]  # once per run
    memo = demo.table("summary").iloc[0]
    # the memo ran after stage 1 and read its results: 6 rows from 2 runs
    assert (memo["run_id"], memo["n_rows"], memo["n_runs"]) == ("memo", 6, 2)
    pd.testing.assert_frame_equal(demo.estimates, pd.read_parquet(demo.folder / "estimates.parquet"))


def test_batch_result_is_what_the_store_reads_back(demo):
    assert isinstance(demo, hb.BatchResult)
    again = read_batch(demo.folder)
    pd.testing.assert_frame_equal(again.runs, demo.runs)
    pd.testing.assert_frame_equal(again.estimates, demo.estimates)
    pd.testing.assert_frame_equal(again.statistics, demo.statistics)
    assert again.manifest["runs"][0]["id"] == demo.manifest["runs"][0]["id"] == "ok-sales"
    assert demo.comparison.empty and demo.spec == {"results_dir": str(demo.folder)}
    out = json.loads(json.dumps(demo.to_dict()))
    assert out["folder"] == str(demo.folder)
    assert [r["run_id"] for r in out["runs"]] == list(demo.runs["run_id"])
    assert "tables" not in out and "manifest" not in out
    assert demo.summary().splitlines()[1] == ("results store: 6 estimates, "
                                              f"{len(demo.statistics)} statistics, tables summary")


def test_manifest_and_folder_layout(demo):
    assert demo.folder.parent.name == "demo" and demo.folder.parent.parent.name == "runs"
    manifest = json.loads((demo.folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["batch"] == "demo"
    env = manifest["environment"]
    assert env["hubeval"]["version"] == hb.__version__ and env["packages"]["papermill"]
    assert manifest["options"]["jobs"] == 2 and manifest["options"]["threads_per_kernel"] >= 1
    run = next(r for r in manifest["runs"] if r["id"] == "ok-sales")
    assert run["notebook"] == "notebooks/ok.ipynb" and run["sources"] == ["params/ok.yaml"]
    assert run["params"]["output_dir"] == str(demo.folder / "ok-sales")
    assert run["set_params"] == {"n_terms": 3, "effect": 0.2, "outcome": "sales"}
    assert len(run["key"]) == 64 and len(run["notebook_sha256"]) == 64
    assert run["duration"] > 0 and run["kernel_start"] > 0
    assert run["retries"] == 0 and len(run["attempts"]) == 1 and run["attempts"][0]["placed"]
    memo = next(r for r in manifest["runs"] if r["id"] == "memo")
    assert memo["params"]["results_dir"] == str(demo.folder)
    log = (demo.folder / "batch.log").read_text()
    assert "FAILED  fail: cell 3: ZeroDivisionError: division by zero" in log
    assert run["outputs"] == ["ok.ipynb", "records/effect.csv", "records/effect.json"]
    for name in ("ok-sales/records/effect.csv", "ok-sales/records/effect.json",
                 "ok-sales/run.json", "ok-sales/run.log", "memo/memo.ipynb"):
        assert (demo.folder / name).exists(), name


def test_threads_are_capped_in_kernels(demo):
    task = json.loads((demo.folder / "ok-sales" / "task.json").read_text())
    assert task["env"]["OMP_NUM_THREADS"] == str(demo.manifest["options"]["threads_per_kernel"])
    assert task["env"]["OPENBLAS_NUM_THREADS"] == task["env"]["MKL_NUM_THREADS"]


RESUME = """
runs:
  - notebook: notebooks/ok.ipynb
  - notebook: notebooks/flaky.ipynb
  - notebook: notebooks/sleep.ipynb
    id: after
    params: {seconds: 0}
    stage: 2
"""


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_resume_reruns_only_failed_or_changed(tmp_path, monkeypatch):
    # run keys hash hubeval's source; other work on the package must not change them here
    monkeypatch.setattr("hubeval.batch.runner.package_fingerprint", lambda: {"version": "test"})
    path = make_project(tmp_path, RESUME, notebooks=("ok", "sleep"))
    nb = nbformat.read(NOTEBOOKS / "fail.ipynb", as_version=4)
    nb.cells[-1].source = "import os\nassert os.path.exists('flag'), 'no flag yet'"
    nbformat.write(nb, tmp_path / "notebooks" / "flaky.ipynb")
    runs_dir = tmp_path / "runs"
    first = hb.run_batch(path, jobs=2, runs_dir=runs_dir)
    assert first.runs["status"].tolist() == ["ok", "failed", "ok"]
    before = _snapshot(first.folder)

    (tmp_path / "flag").write_text("")
    second = hb.run_batch(path, jobs=2, resume=True, runs_dir=runs_dir)
    assert second.folder != first.folder and _snapshot(first.folder) == before
    # stage 2 may read stage 1's results, which changed: it runs again too
    assert second.runs["status"].tolist() == ["reused", "ok", "ok"]
    assert second.manifest["resumed_from"] == str(first.folder)
    reused = next(r for r in second.manifest["runs"] if r["id"] == "ok")
    assert reused["reused_from"] == str(first.folder / "ok")
    assert (second.folder / "ok" / "records" / "effect.csv").exists()
    assert second.estimates["run_id"].tolist() == ["ok", "ok"]

    third = hb.run_batch(path, resume=second.folder, runs_dir=runs_dir)
    assert third.runs["status"].tolist() == ["reused", "reused", "reused"] and third.ok

    nb = nbformat.read(tmp_path / "notebooks" / "flaky.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("z = 2"))
    nbformat.write(nb, tmp_path / "notebooks" / "flaky.ipynb")
    fourth = hb.run_batch(path, jobs=2, resume=True, runs_dir=runs_dir)
    assert fourth.runs["status"].tolist() == ["reused", "ok", "ok"]  # the changed one reruns
    assert len(list((runs_dir / "demo").iterdir())) == 4  # four batches, four folders
    assert hb.latest_batch("demo", runs_dir=runs_dir) == fourth.folder


def test_latest_batch_missing(tmp_path):
    with pytest.raises(ParameterError) as info:
        hb.latest_batch("main", runs_dir=tmp_path)
    assert str(info.value) == (f"No finished batch `main` under `{tmp_path / 'main'}`: run one "
                               "first (hubeval run params/batches/main.yaml) or set `runs_dir`.")


def test_resume_folder_without_manifest(tmp_path):
    path = make_project(tmp_path, "runs:\n  - notebook: notebooks/fail.ipynb\n", ("fail",))
    with pytest.raises(ParameterError) as info:
        hb.run_batch(path, resume=tmp_path, runs_dir=tmp_path / "runs")
    assert str(info.value) == (
        f"`resume` folder `{tmp_path}` has no manifest.json; give a batch folder under "
        f"{tmp_path / 'runs' / 'demo'}, or resume=True for the latest.")
    assert not (tmp_path / "runs").exists()  # checked before any folder is made


def test_dask_executor_on_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = make_project(tmp_path, "runs:\n  - notebook: notebooks/sleep.ipynb\n"
                                  "    grid: {seconds: [0, 0.1]}\n", ("sleep",))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as cluster:
        result = hb.run_batch(path, executor="dask", scheduler=cluster.scheduler_address)
    assert result.ok and result.runs["status"].tolist() == ["ok", "ok"]
    assert result.manifest["options"]["executor"] == "dask"
    assert result.runs["run_id"].tolist() == ["sleep-0", "sleep-0.1"]
    assert all((result.folder / run / "sleep.ipynb").exists() for run in result.runs["run_id"])


TRIM = "MALLOC_TRIM_THRESHOLD_"


def test_worker_env_drops_the_nannys_trim_threshold_only():
    from hubeval.batch.executors import worker_env
    nanny = {TRIM: "65536", "OMP_NUM_THREADS": "1"}
    base = {"PATH": "/bin", TRIM: "65536", "OMP_NUM_THREADS": "1"}
    task = {"OMP_NUM_THREADS": "2", "HUBEVAL_X": "x"}
    # inherited from the nanny: gone; the thread caps and everything else pass through
    assert worker_env(task, base, nanny=nanny) == {"PATH": "/bin", "OMP_NUM_THREADS": "2",
                                                   "HUBEVAL_X": "x"}
    # set for the run: kept, even at the nanny's value
    assert worker_env({TRIM: "65536"}, base, nanny=nanny)[TRIM] == "65536"
    assert worker_env({TRIM: "0"}, base, nanny=nanny)[TRIM] == "0"
    # another value than the nanny's came from the shell that started the worker: kept
    assert worker_env({}, {**base, TRIM: "131072"}, nanny=nanny)[TRIM] == "131072"
    # a nanny configured not to set it (null in dask's config), or no Dask worker: kept
    assert worker_env({}, base, nanny={"OMP_NUM_THREADS": "1"})[TRIM] == "65536"
    assert worker_env({}, base, nanny={}) == base
    assert worker_env({}, base) == base  # not inside a Dask task: nothing dropped
    assert worker_env(task, base, nanny=nanny) is not base and base[TRIM] == "65536"


def test_dask_kernels_do_not_inherit_the_nannys_trim_threshold(tmp_path):
    import os

    distributed = pytest.importorskip("distributed")
    path = make_project(tmp_path, "runs:\n  - notebook: notebooks/env.ipynb\n", ("env",))
    before = os.environ.pop(TRIM, None)  # a LocalCluster's nanny sets it in this process too
    try:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            with distributed.Client(cluster) as client:
                seen = list(client.run(lambda: os.environ.get(TRIM)).values())
            result = hb.run_batch(path, executor="dask", scheduler=cluster.scheduler_address)
    finally:
        os.environ.pop(TRIM, None)
        if before is not None:
            os.environ[TRIM] = before
    assert seen == ["65536"]  # the Dask worker process has it ...
    assert result.ok and result.runs["run_id"].tolist() == ["env"]
    kernel = json.loads((result.folder / "env" / "env.json").read_text(encoding="utf-8"))
    assert kernel == {TRIM: None}  # ... the notebook kernel it started does not


def test_option_errors(tmp_path):
    path = make_project(tmp_path, "runs:\n  - notebook: notebooks/fail.ipynb\n", ("fail",))
    with pytest.raises(ParameterError) as info:
        hb.run_batch(path, executor="slurm")
    assert str(info.value) == "`executor` must be 'local' or 'dask', got 'slurm'."
    with pytest.raises(ParameterError) as info:
        hb.run_batch(path, timeout=0)
    assert str(info.value) == "`timeout` must be a positive number of seconds, got 0."
    with pytest.raises(ParameterError) as info:
        hb.run_batch(path, jobs=0)
    assert str(info.value) == "`jobs` must be a positive integer, got 0."
    with pytest.raises(ParameterError) as info:
        hb.run_batch(path, executor="dask")
    assert str(info.value) == ("`executor='dask'` needs `scheduler`: the address of a running "
                               "cluster, e.g. --scheduler tcp://10.0.0.5:8786.")
    assert not (tmp_path / "runs").exists()  # nothing started, no folder made


# --- records -------------------------------------------------------------------------------------


# --- progress ------------------------------------------------------------------------------------

@dataclass
class _Run:
    id: str


@dataclass
class _Plan:
    name: str
    runs: list


def test_progress_plain_and_live(tmp_path):
    plan = _Plan("b", [_Run("a"), _Run("c")])
    out = io.StringIO()
    progress = Progress("plain", plan, tmp_path / "log", stream=out)
    progress.started("a")
    progress.finished("a", {"status": "failed", "error": "cell 2: ValueError: x"})
    assert progress.headline().startswith("0/2 done, 1 failed, 0 running, 1 pending [00:0")
    progress.close()
    assert out.getvalue().splitlines()[-1].endswith("FAILED  a: cell 2: ValueError: x")
    assert (tmp_path / "log").read_text().count("\n") == 2
    live = io.StringIO()
    progress = Progress("live", plan, tmp_path / "log2", stream=live)
    progress.started("c")
    progress.finished("c", {"status": "ok", "duration": 1.25})
    progress.finished("a", {"status": "ok", "duration": 2.0})
    progress.close()
    assert "\x1b[" in live.getvalue() and "2/2 done" in live.getvalue()
    assert "  ok      c  1.2 s" in live.getvalue()
    with pytest.raises(ParameterError):
        Progress("fancy", plan, tmp_path / "log3")


def test_test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert "parameters" in code[0].metadata.get("tags", []), path.name


def test_worker_kernels_use_ipc_and_this_interpreter(tmp_path):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("hubeval_worker", hb.batch.runner.WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    worker.HubevalKernelManager.ipc_dir = str(tmp_path)
    manager = worker.HubevalKernelManager(kernel_name="python3")
    # IPC sockets in a private folder: simultaneous kernels cannot race for TCP ports
    assert manager.transport == "ipc" and manager.ip == str(tmp_path / "k")
    assert manager.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a"),
                                         nbformat.v4.new_code_cell("b"),
                                         nbformat.v4.new_code_cell("c")])
    nb.cells[1].metadata["tags"] = ["injected-parameters"]
    assert [worker.source_cell_number(nb, i) for i in (0, 2)] == [1, 2]
