"""Helpers shared by test modules (fixtures stay in conftest.py files; what tests import
lives here)."""
