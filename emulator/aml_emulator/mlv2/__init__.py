"""Emulator of Azure ML v2 managed online endpoints (``Microsoft.MachineLearningServices``,
api-version 2025-12-01), for the seeded workspace.

``handlers`` (routes, HTTP in/out, LRO headers) → ``backend`` (workspaces, seed, MLflow runs) →
``endpoints`` (endpoint and deployment rules and writes), ``assets`` (models, jobs),
``operations`` (async operations), ``training`` (jobs really train), ``validation`` (request
bodies per the swagger), ``scoring`` (scoring URIs and MLflow). Reference: ML-V2.md and
``online.json`` (cited "ML-V2 §n"); where they are silent, the team's online-contract note (cited
"online-contract §n"), each such choice marked "reference silent".
"""
