"""Tests of the notes API."""
