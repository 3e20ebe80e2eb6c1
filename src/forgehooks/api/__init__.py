"""The HTTP application: app factory, the five faces, the native API, health and metrics."""
