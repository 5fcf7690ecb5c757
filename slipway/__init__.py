"""slipway: deploy a backend API and a single-page frontend to AWS ECS on Fargate."""
