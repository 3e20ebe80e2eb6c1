"""Delivery engine: fan-out, the sender (its own HTTP/1.1 client) with its SSRF guard, and workers."""
