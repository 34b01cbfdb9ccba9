"""The GraphQL API: schema assembly, request context, dataloaders, permissions, limits, errors."""
