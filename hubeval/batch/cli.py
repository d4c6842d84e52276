"""The ``hubeval`` command: a thin shell over :mod:`hubeval.batch.runner` and friends.

Each subcommand is two small functions: ``add_<name>(subparsers)`` declares its arguments and
sets ``handler``; ``cmd_<name>(args) -> int`` calls the package and returns the exit status.
To add a subcommand, write both and append ``add_<name>`` to :data:`SUBCOMMANDS`, e.g.::

    def add_check(sub):
        p = sub.add_parser("check", help="check a data file against the panel rules")
        p.add_argument("path")
        p.set_defaults(handler=cmd_check)

    def cmd_check(args) -> int:
        from hubeval.data.panel import check_file
        print(check_file(args.path))
        return 0

Exit status: 0 success; 1 one or more runs failed; 2 bad arguments or parameters (a
:class:`~hubeval.core.errors.HubevalError`, printed without a traceback); 130 interrupted
(Ctrl-C); 143 terminated (SIGTERM). Either way the batch folder is finished: workers stopped,
manifest ``cancelled``, the results store of the runs that finished.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

from hubeval.batch.lab import KERNEL_DISPLAY_NAME, KERNEL_NAME

__all__ = ["main", "build_parser", "SUBCOMMANDS"]


def _version() -> str:
    from hubeval.core.version import __version__

    return __version__


def _param(text: str) -> tuple[str, object]:
    """Parse ``-p name=value``; the value is read as YAML (``-p n_boot=99`` gives an int)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r} "
                                         "(e.g. -p n_boot=99 or -p 'outcomes=[a, b]')")
    try:
        return name.strip(), yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        return name.strip(), value


# --- run ---------------------------------------------------------------------------------------

def add_run(sub) -> None:
    """``hubeval run BATCH.yaml | NOTEBOOK.ipynb [-f PARAMS.yaml] [options]``."""
    p = sub.add_parser(
        "run", help="run a batch file or one notebook with papermill",
        description="Run a batch (params/batches/*.yaml) or one notebook. Every run's "
                    "parameters are checked before any kernel starts; outputs go to a new "
                    "folder runs/<batch>/<timestamp>-<id>/.")
    p.add_argument("target", help="a batch YAML file, or a notebook (.ipynb) for one run")
    p.add_argument("-f", "--params-file", help="parameter YAML for a single notebook "
                   "(default: params/<notebook>.yaml when it exists)")
    p.add_argument("-p", "--param", action="append", type=_param, default=[],
                   metavar="NAME=VALUE", help="set a parameter (YAML value); repeatable")
    p.add_argument("--dry-run", action="store_true", help="print the expanded plan and exit")
    p.add_argument("-j", "--jobs", type=int, help="runs at once (default: number of cores)")
    p.add_argument("--timeout", type=float, help="seconds per run, kernel start included")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="FOLDER",
                   help="re-run only failed or changed runs of the latest (or given) batch "
                        "folder; copy the others")
    p.add_argument("--executor", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://host:8786")
    p.add_argument("--runs-dir", help="where batch folders go (default: <project>/runs)")
    p.add_argument("--kernel", help="named Jupyter kernel (default: this Python)")
    p.add_argument("--threads-per-kernel", type=int,
                   help="numerical threads per kernel (default: cores // jobs)")
    p.add_argument("--progress", choices=["auto", "live", "plain", "none"], default="auto",
                   help="live table on a terminal, plain lines otherwise (default: auto)")
    p.set_defaults(handler=cmd_run)


def cmd_run(args) -> int:
    """Plan (and unless --dry-run, run) the batch; print where the outputs are."""
    from hubeval.batch.runner import plan_batch, run_batch

    params = dict(args.param)
    if args.dry_run:
        plan = plan_batch(args.target, params=params, params_file=args.params_file,
                          timeout=args.timeout)
        print(plan.format())
        return 0
    result = run_batch(args.target, params=params, params_file=args.params_file,
                       jobs=args.jobs, timeout=args.timeout, resume=args.resume,
                       executor=args.executor, scheduler=args.scheduler,
                       runs_dir=args.runs_dir, progress=args.progress, kernel=args.kernel,
                       threads_per_kernel=args.threads_per_kernel)
    print(result.summary())
    return 0 if result.ok else 1


# --- params --------------------------------------------------------------------------------------

def add_params(sub) -> None:
    """``hubeval params NOTEBOOK``: list a notebook's declared parameters."""
    p = sub.add_parser("params", help="list the parameters a notebook declares")
    p.add_argument("notebook")
    p.set_defaults(handler=cmd_params)


def cmd_params(args) -> int:
    """Print one line per parameter: name, type, default (or required), comment."""
    from hubeval.batch.params import read_parameters

    for param in read_parameters(args.notebook).values():
        default = "REQUIRED" if param.required else f"= {param.default!r}"
        comment = f"  # {param.comment}" if param.comment else ""
        print(f"{param.name}: {param.annotation or param.type_text} {default}{comment}")
    return 0


# --- kernel --------------------------------------------------------------------------------------

def add_kernel(sub) -> None:
    """``hubeval kernel``: register this interpreter as a Jupyter kernel for JupyterLab."""
    p = sub.add_parser("kernel", help="register this Python as the Jupyter kernel `hubeval`")
    p.add_argument("--name", default=KERNEL_NAME, help="kernel name (the notebooks ask for `hubeval`)")
    p.add_argument("--display-name", default=KERNEL_DISPLAY_NAME)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the user (default)")
    where.add_argument("--sys-prefix", action="store_true",
                       help="install into this environment (seen by its own JupyterLab)")
    where.add_argument("--prefix", help="install under this prefix (share/jupyter/kernels)")
    p.set_defaults(handler=cmd_kernel)


def cmd_kernel(args) -> int:
    """Same as ``python -m ipykernel install --user --name hubeval``."""
    from ipykernel.kernelspec import install

    prefix = sys.prefix if args.sys_prefix else args.prefix
    path = install(user=prefix is None, kernel_name=args.name,
                   display_name=args.display_name, prefix=prefix)
    print(f"Installed kernel `{args.name}` ({sys.executable}) in {path}")
    return 0


# --- lab ------------------------------------------------------------------------------------------

def add_lab(sub) -> None:
    """``hubeval lab``: the kernel, the output filter, then JupyterLab at the project root."""
    p = sub.add_parser("lab", help="open JupyterLab at the project root with the hubeval kernel "
                                   "(what `make lab` runs)")
    p.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the address, open no browser")
    p.set_defaults(handler=cmd_lab)


def cmd_lab(args) -> int:
    import subprocess

    from hubeval.batch import lab
    from hubeval.core.paths import project_root

    root = project_root()
    cmd_kernel(argparse.Namespace(name=lab.KERNEL_NAME, display_name=lab.KERNEL_DISPLAY_NAME,
                                  sys_prefix=True, prefix=None))
    print(lab.install_output_filter(root))
    port, token = args.port or lab.free_port(), lab.new_token()
    print(f"JupyterLab at {lab.lab_url(port, token)} (project root {root}); stop it with Ctrl+C.",
          flush=True)
    return subprocess.call(lab.lab_command(root, port=port, token=token,
                                           open_browser=not args.no_browser))


# --- the command ---------------------------------------------------------------------------------

# --- init ----------------------------------------------------------------------------------------

def add_init(sub) -> None:
    """``hubeval init DATA_FILE --name NAME``: write the params and batch files for own data."""
    p = sub.add_parser(
        "init", help="start an evaluation of your own data file: detect its layout, propose a "
                     "column mapping, write params/NAME.yaml and params/batches/NAME.yaml",
        description="Read a firm-year file (CSV in UTF-8/CP949/EUC-KR, Excel, Parquet), detect its "
                    "encoding, delimiter, header row, unit row and number format, map its headers "
                    "to hubeval's names, and write params/NAME.yaml (how to read the data) and "
                    "params/batches/NAME.yaml (the full evaluation). Never overwrites a file.")
    p.add_argument("data_file", help="the firm-year table")
    p.add_argument("--name", required=True, help="name of the evaluation (letters, digits, _ and -)")
    p.add_argument("--price-index", help="deflator CSV (year, index); default: nominal money")
    p.add_argument("--base-year", type=int, help="base year of real prices")
    p.add_argument("--costs", help="program cost ledger CSV (enables the cost-benefit analysis)")
    p.add_argument("--cities", help="city-year panel CSV (enables the regional synthetic control)")
    p.add_argument("--money-unit", help="unit to convert money columns to (default: the unit row's)")
    p.add_argument("--root", help="project folder holding params/ (default: found from the "
                   "current folder)")
    p.set_defaults(handler=cmd_init)


def cmd_init(args) -> int:
    from hubeval.batch.init import init_evaluation

    report = init_evaluation(args.data_file, name=args.name, price_index=args.price_index,
                             base_year=args.base_year, costs=args.costs, cities=args.cities,
                             money_unit=args.money_unit, root=args.root)
    print(report.format())
    return 0


# --- example-data and check -------------------------------------------------------------------

def add_example_data(sub) -> None:
    """``hubeval example-data [--out DIR] [--seed N]``: write the synthetic example data."""
    p = sub.add_parser("example-data", help="write the synthetic example data (firms, cities, costs, truth)")
    p.add_argument("--out", default="data/example", help="folder to write (default data/example)")
    p.add_argument("--seed", type=int, default=2011, help="random seed (default 2011, the committed files)")
    p.set_defaults(handler=cmd_example_data)


def cmd_example_data(args) -> int:
    from hubeval.data.example import write_example_data

    for path in write_example_data(args.out, seed=args.seed):
        print(path)
    return 0


def add_check(sub) -> None:
    """``hubeval check FILE | PARAMS.yaml``: load a firm table as a panel and print its report."""
    p = sub.add_parser("check", help="load a firm-year file and print the data-quality report",
                       description="Load a firm-year table with the settings of a params file "
                                   "(as written by `hubeval init`) or of the options, and print "
                                   "the data-quality report.")
    p.add_argument("path", help="CSV (UTF-8 or CP949), Excel or Parquet firm-year table, or a params "
                   "YAML with `data_path` (e.g. params/NAME.yaml from `hubeval init`)")
    p.add_argument("-f", "--params-file", help="YAML with `columns`, `encoding`, `money_unit`, ... "
                   "(e.g. params/NAME.yaml)")
    p.add_argument("--unit", help="firm identifier column (default firm_id)")
    p.add_argument("--time", help="year column (default year)")
    p.add_argument("--cohort", help="first program year column (default cohort)")
    p.add_argument("--encoding", help="CSV encoding (default: detected UTF-8 or CP949)")
    p.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    p.add_argument("--header-row", type=int, help="row of the header, from 0 (default: detected)")
    p.add_argument("--money-unit", help="unit money columns are converted to: 원, 천원, 백만원, 억원")
    p.add_argument("--coerce-numeric", action="store_true", default=None,
                   help="read 1,234, △ and (...) negatives as numbers, placeholders (-, n/a, *) as missing")
    p.set_defaults(handler=cmd_check)


#: Settings `hubeval check` takes from a params file (the data-loading parameters of the notebooks).
CHECK_KEYS = ("columns", "encoding", "price_index", "base_year", "unit", "time", "cohort",
              "money_unit", "coerce_numeric", "delimiter", "header_row", "drop_cohorts", "drop_years",
              "years")


def cmd_check(args) -> int:
    import warnings
    from pathlib import Path

    from hubeval.batch.files import read_mapping
    from hubeval.core.errors import ParameterError
    from hubeval.pipeline.loaders import load_panel

    settings = {"unit": "firm_id", "time": "year", "cohort": "cohort"}
    # a path typed on the command line is relative to the current folder; one in a params file is
    # relative to the project root, like every path a notebook reads
    data_path, params_file = os.path.abspath(args.path), args.params_file
    if Path(args.path).suffix.lower() in (".yaml", ".yml"):
        params_file = args.path
    if params_file:
        loaded = read_mapping(Path(params_file), "Params file")
        settings.update({k: loaded[k] for k in CHECK_KEYS if k in loaded})
        if params_file == args.path:
            if not loaded.get("data_path"):
                raise ParameterError(f"Params file `{params_file}` has no `data_path`; add it or "
                                     "pass the data file: hubeval check FILE -f PARAMS.yaml.")
            data_path = loaded["data_path"]
    options = {"unit": args.unit, "time": args.time, "cohort": args.cohort, "encoding": args.encoding,
               "delimiter": args.delimiter, "header_row": args.header_row,
               "money_unit": args.money_unit, "coerce_numeric": args.coerce_numeric}
    settings.update({k: v for k, v in options.items() if v is not None})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report lists every warning
        panel = load_panel(data_path, **settings)
    print(panel)
    print()
    print(panel.report())
    return 0


#: Subcommand registrars, in the order `hubeval --help` lists them.
SUBCOMMANDS = [add_run, add_params, add_kernel, add_lab, add_example_data, add_init, add_check]


def build_parser() -> argparse.ArgumentParser:
    """The ``hubeval`` argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="hubeval",
        description="Evaluate regional SME support programs: run the parameterised "
                    "analysis notebooks in batches and collect their results.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hubeval`` console script; returns the exit status."""
    from hubeval.core.errors import HubevalError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except HubevalError as exc:
        print(f"hubeval {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        from hubeval.batch.interrupts import BatchTerminated

        if isinstance(exc, BatchTerminated):
            print(f"hubeval {args.command}: terminated (SIGTERM)", file=sys.stderr)
            return 143
        print(f"hubeval {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
