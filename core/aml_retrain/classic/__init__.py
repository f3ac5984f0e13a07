"""Azure ML Studio (classic): management client, input validation and endpoint workflows."""
