"""Classic (Studio) web services: the management API (BES and RRS come later)."""
