"""Extraction as plain functions: bytes or a response in, plain dicts out (no storage)."""
