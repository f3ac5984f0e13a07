"""Command-line interface for aml-retrain: a thin Typer shell over :mod:`aml_retrain`."""
