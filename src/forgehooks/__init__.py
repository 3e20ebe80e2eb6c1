"""forgehooks: a self-hostable webhook service speaking five code-hosting platforms' webhook APIs."""

__version__ = "0.1.0"
