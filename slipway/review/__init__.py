"""`slipway review`: a digest of one environment's infrastructure, for reviewers."""
