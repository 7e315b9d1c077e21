"""Whole Pulumi programs using the public resource classes, run in-process by ``harness.ProgramStack``."""
