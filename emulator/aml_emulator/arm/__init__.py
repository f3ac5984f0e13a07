"""Emulator of the ARM resource ``Microsoft.MachineLearning/webServices`` (api-version 2017-01-01)."""
