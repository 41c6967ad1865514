"""The command line: parse, call the engine, render.  Nothing here knows how detection works."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from msgspec.structs import replace

from aispm import __version__
from aispm.model import ScanResult, Severity
from aispm.options import FAMILIES, ScanOptions

if TYPE_CHECKING:
    from rich.console import Console

    from aispm.baseline import Baseline
    from aispm.engine import ProgressCallback

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class FatalError(click.ClickException):
    """A problem that stops the command (bad policy, unreachable database): message on stderr, exit 2."""

    exit_code = EXIT_ERROR


SEVERITIES = [s.value for s in Severity]


def _parse_scanners(value: str | None) -> frozenset[str]:
    if not value:
        return frozenset(FAMILIES)
    names = {part.strip().lower() for part in value.split(",") if part.strip()}
    unknown = sorted(names - set(FAMILIES))
    if unknown:
        raise click.BadParameter(f"unknown scanner(s) {', '.join(unknown)}; choose from {', '.join(FAMILIES)}")
    return frozenset(names)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="aispm")
def cli() -> None:
    """aispm finds the AI in your code and infrastructure and what is wrong with it.

    \b
    Start with a scan of one or more directories:
      aispm scan ~/src/payments ~/src/chatbot
    Write reports for people and for tools:
      aispm scan . --output report.html           # a report to read in a browser
      aispm scan . --format sarif -o aispm.sarif  # GitHub code scanning
      aispm scan . --format cyclonedx -o bom.json # the AI-BOM (CycloneDX 1.6 ML-BOM)
    Every scan is stored; see what changed:
      aispm history
      aispm diff previous latest
    Accept today's findings and record model hashes; later scans report only what is new or tampered with:
      aispm baseline .
      aispm scan . --baseline aispm-baseline.json
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "json", "sarif", "cyclonedx", "html"]),
    help="Output format. Default: a terminal summary, or guessed from --output's name (.sarif, .html, .cdx.json).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option(
    "--scanners",
    metavar="LIST",
    help=f"Comma-separated families to run: {', '.join(FAMILIES)}. Default: all. inventory: AI packages, providers, "
    "models, agents, MCP servers, services; secrets: leaked AI keys (and git history); models: unsafe model files and "
    "their hashes; data: datasets and the personal data in them; iac: misconfigured AI cloud and Kubernetes.",
)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Policy file (approved AI, suppressions, fail-on). Default: ./aispm.yaml or one in the first scan root.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    help="Exit 1 when an unsuppressed finding is at or above this severity. Default: the policy's, else high.",
)
@click.option("--db", metavar="URL", envvar="AISPM_DB", help="Database URL for scan history (default: SQLite).")
@click.option("--no-store", is_flag=True, help="Do not record this scan in the history database.")
@click.option("--strict", is_flag=True, help="Exit 2 when any file could not be analysed.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: one per CPU).")
@click.option("--no-hash", is_flag=True, help="Do not compute sha256 of model files (faster on huge models).")
@click.option(
    "--no-history", is_flag=True, help="Do not scan git history for leaked keys (only the files as they are)."
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Suppress the findings recorded in this baseline file (layer 'baseline'): only new findings count.",
)
@click.option(
    "--write-baseline",
    "write_baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record every open finding in this file (JSON, no secrets) to accept them, and exit 0.",
)
@click.option(
    "--show-suppressed",
    is_flag=True,
    help="List suppressed findings in the summary, with the layer that suppressed each and why.",
)
@click.option(
    "--sample",
    "sample_rows",
    type=click.IntRange(min=1),
    metavar="N",
    help="Scan only the first N rows (records, lines) of each dataset file for personal data. For very large "
    "datasets, a quick first look: findings and the dataset classification then cover the sample only, and the "
    "report says so. Default: read every row.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (it is off anyway when stderr is not a TTY).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but the report (and errors).")
def scan(
    paths: Sequence[str],
    fmt: str | None,
    output: Path | None,
    scanners: str | None,
    policy: Path | None,
    fail_on: str | None,
    db: str | None,
    no_store: bool,
    strict: bool,
    workers: int | None,
    no_hash: bool,
    no_history: bool,
    baseline_path: Path | None,
    write_baseline_path: Path | None,
    show_suppressed: bool,
    sample_rows: int | None,
    no_progress: bool,
    quiet: bool,
) -> None:
    """Scan directories (code repositories, file shares) for AI assets and AI risks.

    \b
    Exit codes:
      0  no unsuppressed finding at or above --fail-on
      1  findings at or above --fail-on
      2  usage error, invalid policy, or (with --strict) files that could not be analysed
    Inline suppression: a comment containing 'aispm: ignore' (or 'aispm: ignore[RULE-ID]') on the
    line of a finding or the line above it.
    \b
    Baseline, so that CI fails only on new findings (e.g. keys leaked from now on):
      aispm scan . --write-baseline aispm-baseline.json   # accept what is there today; commit the file
      aispm scan . --baseline aispm-baseline.json         # in CI: baselined findings are suppressed
    The baseline holds fingerprints, rule ids, paths and redacted evidence, never a secret. Rewriting it
    keeps the findings still present and drops the fixed ones.
    Decoys (placeholders, environment lookups, hashes, UUIDs, documented example keys) are suppressed,
    not dropped: --show-suppressed lists them with the layer that suppressed each.
    """
    from aispm.engine import scan as run_scan
    from aispm.policy import PolicyError, find_policy, load_policy
    from aispm.report import format_for_path, renderer

    options = ScanOptions(
        scanners=_parse_scanners(scanners),
        workers=workers,
        hash_models=not no_hash,
        history=not no_history,
        sample_rows=sample_rows,
    )
    policy_path = policy or find_policy(paths)
    try:
        pol = load_policy(policy_path) if policy_path else None
    except PolicyError as exc:
        raise FatalError(str(exc)) from None
    baseline, previous = _load_baselines(baseline_path, write_baseline_path)
    fmt = fmt or (format_for_path(output) if output else None) or "table"
    result = _run_with_progress(lambda cb: run_scan(list(paths), options, pol, cb, baseline=baseline), not no_progress)

    if not no_store:
        _store_result(result, db, _stderr_console(), quiet)
    if write_baseline_path is not None:
        from aispm.baseline import build_baseline, write_baseline

        written = build_baseline(result.findings, previous)
        if "models" in result.scanners:
            from aispm.checks.modelfiles.integrity import MODEL_SECTION, record_model_hashes

            models = record_model_hashes(result)  # model files as they are now: later scans report tampering
            written = replace(written, other_sections={**written.other_sections, MODEL_SECTION: dict(models)})
        write_baseline(written, write_baseline_path)
        if not quiet:
            _stderr_console().print(f"baseline written to {write_baseline_path}: {len(written)} finding(s) accepted")
    if fmt == "table" and output is not None:
        from aispm.report.table import render as render_table

        text_report: str | None = render_table(result, show_suppressed=show_suppressed)
    else:
        text_report = None if fmt == "table" else renderer(fmt)(result)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(_utf8(text_report or ""))
    if fmt == "table" or output is not None:
        if not quiet:
            from aispm.report.table import print_summary

            print_summary(result, _stdout_console(), show_suppressed=show_suppressed)
            if output is not None:
                click.echo(_utf8(f"{fmt} report written to {output}\n"), nl=False)
    else:
        click.echo(_utf8(text_report or ""), nl=False)

    threshold = Severity.parse(fail_on) if fail_on else (pol.fail_on if pol and pol.fail_on else Severity.HIGH)
    if strict and result.errors:
        _stderr_console().print(f"[red]--strict: {len(result.errors)} file(s) could not be analysed[/red]")
        sys.exit(EXIT_ERROR)
    if write_baseline_path is None and any(f.severity.rank >= threshold.rank for f in result.active_findings):
        sys.exit(EXIT_FINDINGS)


def _utf8(text: str) -> bytes:
    """A report as UTF-8 bytes, whatever it holds: file names that are not UTF-8 reach it as lone surrogates
    (``surrogateescape``), which the codec refuses; they are written as ``\\udcXX`` (a valid escape in JSON)."""
    return text.encode("utf-8", "backslashreplace")


def _load_baselines(baseline_path: Path | None, write_path: Path | None) -> tuple[Baseline | None, Baseline | None]:
    """The baseline to apply and the one about to be rewritten (its accepted findings are kept), if any."""
    if baseline_path is None and (write_path is None or not write_path.exists()):
        return None, None  # the common case imports nothing
    from aispm.baseline import BaselineError, load_baseline

    try:
        baseline = load_baseline(baseline_path) if baseline_path else None
        previous = load_baseline(write_path) if write_path and write_path.exists() else None
    except BaselineError as exc:
        raise FatalError(str(exc)) from None
    return baseline, previous


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _stdout_console() -> Console:
    from rich.console import Console

    return Console()


def _may_be_terminal() -> bool:
    """Cheap test before importing rich: stderr is a TTY, or rich is told to treat it as one."""
    forced = os.environ.get("FORCE_TERMINAL") or os.environ.get("TTY_COMPATIBLE")
    return bool(forced) or sys.stderr.isatty()


def _run_with_progress(run: Callable[[ProgressCallback | None], ScanResult], enabled: bool) -> ScanResult:
    """Run the scan with a progress bar on stderr when it is a terminal."""
    if not (enabled and _may_be_terminal()):
        return run(None)
    console = _stderr_console()
    if not console.is_terminal:
        return run(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scan", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run(update)
    return result


def _store_result(result: ScanResult, db: str | None, console: Console, quiet: bool) -> None:
    from aispm.store import StoreError, open_store

    try:
        with open_store(db) as store:
            scan_id = store.save(result)
    except StoreError as exc:
        console.print(f"[yellow]warning: scan not stored: {exc}[/yellow]")
        return
    if not quiet:
        console.print(f"[dim]stored as scan {scan_id} (aispm history, aispm diff)[/dim]")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("aispm-baseline.json"),
    show_default=True,
    help="The baseline file to write (rewritten when it exists: fixed findings drop out).",
)
@click.option("--scanners", metavar="LIST", help=f"Families to run ({', '.join(FAMILIES)}). Default: all.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Policy file.")
@click.option("--no-history", is_flag=True, help="Do not scan git history for leaked keys.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def baseline(
    ctx: click.Context,
    paths: Sequence[str],
    output: Path,
    scanners: str | None,
    policy: Path | None,
    no_history: bool,
    quiet: bool,
) -> None:
    """Record today's findings and model file hashes, so that later scans report only what changed.

    \b
    aispm baseline .                               # writes aispm-baseline.json; commit it
    aispm scan . --baseline aispm-baseline.json    # later, in CI
    The later scan suppresses the findings recorded here (only new ones count) and reports model files that
    changed (same name, other sha256), appeared or disappeared since: tampering with a trusted model. The file
    holds fingerprints, rule ids, paths, redacted evidence and model hashes, never a secret. The same as
    'aispm scan PATHS --write-baseline FILE --no-store'.
    """
    ctx.invoke(
        scan,
        paths=paths,
        scanners=scanners,
        policy=policy,
        no_store=True,
        no_history=no_history,
        write_baseline_path=output,
        no_progress=quiet,
        quiet=quiet,
    )


@cli.command()
@click.option("--db", metavar="URL", envvar="AISPM_DB", help="Database URL (default: SQLite in your data dir).")
@click.option("--limit", default=20, show_default=True, help="How many scans to list, newest first.")
def history(db: str | None, limit: int) -> None:
    """List stored scans, newest first."""
    from rich.table import Table

    from aispm.store import StoreError, open_store

    try:
        with open_store(db) as store:
            scans = store.list_scans(limit)
    except StoreError as exc:
        raise FatalError(str(exc)) from None
    table = Table(title="Scan history")
    for column in ("Scan", "Finished", "Roots", "Assets", "Findings", "Errors"):
        table.add_column(column)
    for item in scans:
        table.add_row(
            str(item.id),
            item.finished_at,
            ", ".join(item.roots),
            str(item.assets),
            str(item.findings),
            str(item.errors),
        )
    _stdout_console().print(table)


@cli.command()
@click.argument("before")
@click.argument("after")
@click.option("--db", metavar="URL", envvar="AISPM_DB", help="Database URL (default: SQLite in your data dir).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
def diff(before: str, after: str, db: str | None, as_json: bool) -> None:
    """What changed between two stored scans: assets and findings that are new, gone or still there.

    BEFORE and AFTER are scan ids from 'aispm history', or 'latest' and 'previous'.
    """
    from aispm.report.diff import print_diff, render_json
    from aispm.store import StoreError, open_store

    try:
        with open_store(db) as store:
            result = store.diff(before, after)
    except StoreError as exc:
        raise FatalError(str(exc)) from None
    if as_json:
        click.echo(render_json(result))
    else:
        print_diff(result, _stdout_console())


def main() -> None:
    """Entry point: click exits 2 on usage errors; ClickException (bad policy, bad db) also exits 2."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)


def run() -> None:
    """The ``aispm`` command: :func:`main`, then a quick end of the process.

    Tearing the interpreter down (freeing every module and object one by one) costs about 10 ms once the scanners
    are loaded, as much as scanning a model file, and buys nothing for a process that is ending.  So once ``main``
    has finished, the exit handlers run and the standard streams are flushed as at a normal exit, and the process
    ends there with main's status.  A text exit status, an exception or a live non-daemon thread takes the normal
    exit.  Library callers and tests use ``main``.
    """
    try:
        main()
        status = 0
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            raise
        status = exc.code or 0
    _end_process(status)


def _end_process(status: int) -> None:
    import atexit
    import threading

    main_thread = threading.main_thread()
    if any(not thread.daemon and thread is not main_thread for thread in threading.enumerate()):
        sys.exit(status)  # the normal exit joins them
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the descriptor closed
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: as at a normal exit, nothing more can be said
            status = status or 120
    os._exit(status)
