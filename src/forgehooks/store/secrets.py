"""Encryption at rest for hook secrets (Fernet), with a key from settings or the data folder."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PLAIN_CACHE_SIZE = 20_000


class SecretBox:
    """Encrypts and decrypts hook secrets; the first key encrypts, any key decrypts."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        # Fernet tokens are unique per encryption, so a token always decrypts to the same
        # text: remembering recent ones saves an AES + HMAC per hook on every list call.
        self._plain: dict[str, str] = {}

    def encrypt(self, plain: str) -> str:
        """Ciphertext of `plain`; the empty secret stays empty."""
        return self._fernet.encrypt(plain.encode()).decode() if plain else ""

    def decrypt(self, cipher: str) -> str:
        """Plain text of a stored secret."""
        if not cipher:
            return ""
        plain = self._plain.get(cipher)
        if plain is None:
            try:
                plain = self._fernet.decrypt(cipher.encode()).decode()
            except InvalidToken as exc:
                raise RuntimeError("hook secret cannot be decrypted: wrong FORGEHOOKS_SECRET_KEY") from exc
            if len(self._plain) >= PLAIN_CACHE_SIZE:
                self._plain.clear()
            self._plain[cipher] = plain
        return plain


def load_keys(configured: str, data_dir: Path) -> list[str]:
    """Keys from settings (comma separated, newest first) or the data folder's key file.

    On first run with neither, a key is generated into `data_dir/secret.key` (mode 600).
    """
    if configured:
        return [k.strip() for k in configured.split(",") if k.strip()]
    key_file = data_dir / "secret.key"
    if key_file.exists():
        return [k for k in key_file.read_text().split() if k]
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return [key]
