"""Emulator of the ARM resource ``Microsoft.MachineLearning/webServices`` (api-version 2017-01-01).

``handlers`` (routes, HTTP in/out) → ``backend`` (state, async operations) → ``state``
(objects, views, seed) and ``schema`` (request validation); ``blobs`` reads trained-model
assets through the service's storage account; ``scoring`` serves RRS at ``swaggerLocation``.
Reference: ARM-WEBSERVICES.md (cited as "ARM §n") and the 2017-01-01 swagger (SPEC17).
"""
