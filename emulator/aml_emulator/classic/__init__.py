"""Classic (Studio) web services: the management API, BES jobs and RRS scoring."""
