"""Encrypted model fields: personal and bank data at rest [国密SM4] (BUSINESS_RULES §12).

`SM4EncryptedCharField` stores `sm4gcm:<key id>:<base64(nonce | ciphertext | tag)>`: SM4 in GCM mode (the
`cryptography` package), a random 96-bit nonce per value, so equal numbers never look equal in the database
and a changed byte fails to decrypt instead of reading wrong. Keys come from `settings.FIELD_ENCRYPTION_KEYS`
(hex, 128-bit; the first encrypts, all decrypt, so a key is rotated by putting the new one first and
re-saving). The key id is the start of the key's SHA-256, never the key.

The field cannot be filtered or ordered on (the database sees ciphertext): keep a searchable, non-secret
part beside it (the last four digits) where a list needs one.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "sm4gcm"
_NONCE = 12
_TAG = 16


class DecryptionError(Exception):
    """A stored value that no configured key opens (a wrong key, or the value was altered)."""


@cache
def _keys(configured: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for text in configured:
        try:
            key = bytes.fromhex(text.strip())
        except ValueError as exc:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not hex") from exc
        if len(key) != 16:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each SM4 key is 16 bytes (32 hex digits)")
        keys.append((hashlib.sha256(key).hexdigest()[:8], key))
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: encrypted fields need a key")
    return tuple(keys)


def _configured_keys() -> tuple[tuple[str, bytes], ...]:
    return _keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def sm4_encrypt(plaintext: str) -> str:
    key_id, key = _configured_keys()[0]
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    ciphertext = encryptor.update(plaintext.encode()) + encryptor.finalize()
    blob = base64.b64encode(nonce + ciphertext + encryptor.tag).decode()
    return f"{_PREFIX}:{key_id}:{blob}"


def sm4_decrypt(stored: str) -> str:
    try:
        prefix, key_id, blob = stored.split(":", 2)
        raw = base64.b64decode(blob, validate=True)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    if prefix != _PREFIX or len(raw) < _NONCE + _TAG:
        raise DecryptionError("not an encrypted value")
    key = dict(_configured_keys()).get(key_id)
    if key is None:
        raise DecryptionError(f"no configured key has id {key_id}")
    nonce, ciphertext, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(ciphertext) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("the value was altered or the key is wrong") from exc


class SM4EncryptedCharField(models.TextField):
    """A short text (an account or ID number) kept encrypted at rest; Python code sees the plain text.
    `max_length` bounds the plain text (checked by forms and `full_clean`)."""

    def __init__(self, *args, max_length: int = 64, **kwargs):
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.CharField, "max_length": self.plain_max_length,
                                    "widget": forms.TextInput, **kwargs})

    def validators_for_plain(self):
        from django.core.validators import MaxLengthValidator

        return [MaxLengthValidator(self.plain_max_length)]

    def run_validators(self, value):
        super().run_validators(value)
        for validator in self.validators_for_plain():
            validator(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return sm4_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return sm4_encrypt(str(value))
