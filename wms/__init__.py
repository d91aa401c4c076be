"""Quayside: an overseas warehouse management system."""
