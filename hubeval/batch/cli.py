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
:class:`~hubeval.core.errors.HubevalError`, printed without a traceback); 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys

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
    """``hubeval check FILE``: load a firm table as a panel and print its data-quality report."""
    p = sub.add_parser("check", help="load a firm-year file and print the data-quality report")
    p.add_argument("path", help="CSV (UTF-8 or CP949), Excel or Parquet firm-year table")
    p.add_argument("--unit", default="firm_id", help="firm identifier column (default firm_id)")
    p.add_argument("--time", default="year", help="year column (default year)")
    p.add_argument("--cohort", default="cohort", help="first program year column (default cohort)")
    p.add_argument("-f", "--params-file", help="YAML with `columns`, `encoding`, `price_index`, ... "
                   "(e.g. params/templates/own_data.yaml)")
    p.set_defaults(handler=cmd_check)


def cmd_check(args) -> int:
    import warnings

    from hubeval.pipeline.loaders import load_panel

    settings = {"unit": args.unit, "time": args.time, "cohort": args.cohort}
    if args.params_file:
        with open(args.params_file, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle) or {}
        keys = ("columns", "encoding", "price_index", "base_year", "unit", "time", "cohort",
                "drop_cohorts", "drop_years", "years")
        settings.update({k: loaded[k] for k in keys if k in loaded})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report lists every warning
        # a path typed on the command line is relative to the current folder, not the project root
        panel = load_panel(os.path.abspath(args.path), **settings)
    print(panel)
    print()
    print(panel.report())
    return 0


#: Subcommand registrars, in the order `hubeval --help` lists them.
SUBCOMMANDS = [add_run, add_params, add_kernel, add_lab, add_example_data, add_check]


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
    except KeyboardInterrupt:
        print(f"hubeval {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
