"""The notes API that slipway deploys as its example backend."""
