"""The five API faces. Each subpackage has the same file roles; `face.py` is their contract."""
