"""Tests of the notes single-page app."""
