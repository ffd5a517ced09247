"""Knowledge management: the plan's indicators and the usage log they read."""
