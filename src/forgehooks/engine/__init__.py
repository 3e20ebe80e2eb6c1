"""Delivery engine: fan-out, the aiohttp sender with its SSRF guard, and workers."""
