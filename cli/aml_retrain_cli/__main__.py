"""Allow ``python -m aml_retrain_cli``."""

from aml_retrain_cli import main

main()
