"""Pure domain model of forgehooks: standard library only, no framework."""
