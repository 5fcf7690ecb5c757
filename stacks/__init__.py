"""The CloudFormation stacks slipway deploys."""
