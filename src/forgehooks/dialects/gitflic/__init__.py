"""The GitFlic face: its webhook API (UUID ids, 24 event flags, HAL pages) and wire format."""
