"""`slipway review`: a digest of one environment's infrastructure, for reviewers."""

from slipway.review.pricing import cost_of

__all__ = ["cost_of"]
