"""Command-line interface for aml-retrain: a thin Typer shell over :mod:`aml_retrain`."""

from __future__ import annotations


def main() -> None:
    """Console-script entry point: the app is imported with the collector paused (see ``_gc``)."""
    from aml_retrain_cli import _deferred, _gc

    _gc.own_process()
    _deferred.defer()
    with _gc.paused():
        from aml_retrain_cli.main import main as run
    run()
