"""The GitLab-shaped webhook body and event headers shared by the GitLab-like faces.

The faces (gitcode_v4, gitcode_v5, codearts_v4, codeup_v3) import this package and
describe only their differences: a `Flavor` of formats, and small method overrides.
"""
