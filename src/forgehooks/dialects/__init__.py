"""The five API faces. Each subpackage has the same file roles; `dialects/face.py` is their contract.

A subpackage's `__init__` imports nothing: its `face` module (routes, for the app) and its
`wire` module (the delivery format, for workers) are imported apart; see `wires.py`.
"""
