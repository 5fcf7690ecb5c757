"""Tests of the apps under services/ and of how they fit deploy.yaml."""
