"""The two files ``hubeval init`` writes, as commented YAML (see :mod:`hubeval.batch.init`)."""
from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["write_params_file", "write_batch_file"]

_COMMENTS = {
    "data_path": "the firm-year table (keep real firm data under data/private/, never commit it)",
    "encoding": "CSV encoding as detected (utf-8, cp949)",
    "delimiter": "CSV delimiter as detected",
    "header_row": "row of the header, from 0 (rows above it are titles or group rows)",
    "money_unit": "every money column is converted to this unit (원, 천원, 백만원, 억원); the memo's KRW follow it",
    "coerce_numeric": "read 1,234, △1,234 and (1,234) as numbers and -, n/a, * as missing (counted in the report)",
    "price_index": "deflator CSV (year, index); null keeps nominal money",
    "base_year": "base year of real prices",
    "unit": "firm identifier column (after the mapping)",
    "time": "year column",
    "cohort": "first program year column (0 or empty: never participated)",
}


def _value(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000).strip() \
        .removesuffix("\n...").removesuffix("...").strip()


def _write_new(path: Path, text: str) -> None:
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(text)


def write_params_file(path: Path, settings: dict, layout: dict) -> None:
    """``params/NAME.yaml``: the data parameters, one commented line each, the mapping as a block."""
    lines = [f"# How to read {settings['data_path']}: written by `hubeval init`; edit freely.",
             f"# Used by `hubeval check {path.parent.name}/{path.name}` and by every run of "
             f"params/batches/{path.stem}.yaml.", ""]
    for key, value in settings.items():
        if key == "columns":
            lines.append("# Column mapping: header in the file -> hubeval name (add the headers "
                         "listed as unknown if they are inputs).")
            lines.append("columns:" + ("" if value else " {}"))
            lines += [f"  {_value(k)}: {_value(v)}" for k, v in value.items()]
            continue
        lines.append(f"{key}: {_value(value)}  # {_COMMENTS.get(key, '')}".rstrip(" #"))
    _write_new(path, "\n".join(lines) + "\n")


def write_batch_file(path: Path, name: str, batch: dict, params_file: str) -> None:
    """``params/batches/NAME.yaml``: data check, outcome families, regional and memo runs."""
    defaults = {"control": "not_yet_treated", "method": "dr", "covariates": batch["covariates"],
                "anticipation": 1, "n_boot": 499, "seed": 2011, "describe": batch["describe"],
                "balance_covariates": batch["balance_covariates"],
                "balance_outcome": batch["balance_outcome"]}
    lines = [f"# The full evaluation of `{name}`, written by `hubeval init`: the data check, one",
             "# outcome run per family the data supports, then the memo in both languages (with the",
             "# cost-benefit analysis when a cost ledger is given). Every run reads the data as",
             f"# {params_file} says. Run it with: hubeval run params/batches/{name}.yaml",
             f"name: {name}", f"description: {_value(f'{name}: data check, firm-level effects, memo')}",
             "timeout: 1800", "defaults:"]
    lines += [f"  {k}: {_value(v)}" for k, v in defaults.items()]
    lines += ["runs:", "  - notebook: notebooks/00_data_check.ipynb", f"    params_file: {params_file}",
              "  - notebook: notebooks/10_outcomes.ipynb", f"    params_file: {params_file}",
              "    grid:", f"      family: {_value(batch['families'])}"]
    if batch["cities"]:
        lines += ["  - notebook: notebooks/50_regional.ipynb",
                  "    # check treated_unit, treatment_time and outcomes against the city file",
                  f"    params: {{cities_path: {_value(batch['cities'])}}}"]
    lines += ["  - notebook: notebooks/90_policy_memo.ipynb", f"    params_file: {params_file}",
              "    stage: 2", f"    params: {{costs_path: {_value(batch['costs'])}, n_sim: 2000}}",
              "    grid:", "      lang: [en, ko]"]
    _write_new(path, "\n".join(lines) + "\n")
