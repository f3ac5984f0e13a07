"""Azure ML "new" web services via ARM (``Microsoft.MachineLearning/webServices``, 2017-01-01)."""
