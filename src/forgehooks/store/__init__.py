"""Persistence: the only package that imports SQLAlchemy. Repositories return core objects."""
