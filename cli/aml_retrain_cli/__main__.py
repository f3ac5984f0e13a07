"""Allow ``python -m aml_retrain_cli``."""

from aml_retrain_cli.main import main

main()
