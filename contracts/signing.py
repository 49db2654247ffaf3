"""The operator's seal on signed contracts: one PAdES signature with pyHanko that certifies the document.

The certificate and key come from settings (`CONTRACT_SIGNING_KEY`, `CONTRACT_SIGNING_CERT`, optionally
`CONTRACT_SIGNING_CHAIN` and `CONTRACT_SIGNING_ROOT`, read from the environment in portal/settings/base.py).
When none is configured (development, tests), a self-signed development root and a signing certificate issued by
it are generated on first use under `CONTRACT_SIGNING_DIR` (under var/, which git ignores): they are never
committed, and a PDF sealed with them is trusted only by this installation.

`pdf_sign` certifies with DocMDP "no changes": any later change to the file, even as an incremental update, is
reported by `pdf_signature_check`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import functools
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils import timezone

SIGNATURE_FIELD = "OperatorSeal"
_KEY_NAME, _CERT_NAME, _ROOT_NAME = "signing-key.pem", "signing-cert.pem", "root-cert.pem"


class SigningConfigurationError(RuntimeError):
    """The configured key or certificate cannot be read (a deployment error, not a user's)."""


@dataclass(frozen=True)
class SigningMaterial:
    key_path: Path
    cert_path: Path
    chain_paths: tuple[Path, ...]
    root_path: Path | None


def _signing_dir() -> Path:
    return Path(getattr(settings, "CONTRACT_SIGNING_DIR", None) or Path(settings.BASE_DIR) / "var" / "signing")


def _development_material_create(folder: Path) -> None:
    """A development root CA and a signing certificate it issued (RSA 2048, ten years), written 0600."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=3650)

    def name(common_name: str) -> x509.Name:
        return x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Merchant portal (development)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ])

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name("Merchant portal development root")
    root = (
        x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(name("Merchant portal contract seal (development)"))
        .issuer_name(root_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    files = {
        _ROOT_NAME: root.public_bytes(serialization.Encoding.PEM),
        _CERT_NAME: cert.public_bytes(serialization.Encoding.PEM),
        _KEY_NAME: key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()),
    }
    for file_name, data in files.items():  # the key last: its presence says the set is complete
        tmp = folder / f".{file_name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, folder / file_name)


def signing_material() -> SigningMaterial:
    """The configured key and certificate, or the development ones (made on first use, safe across processes)."""
    key = getattr(settings, "CONTRACT_SIGNING_KEY", "") or ""
    cert = getattr(settings, "CONTRACT_SIGNING_CERT", "") or ""
    if key or cert:
        if not (key and cert):
            raise SigningConfigurationError("CONTRACT_SIGNING_KEY and CONTRACT_SIGNING_CERT go together")
        root = getattr(settings, "CONTRACT_SIGNING_ROOT", "") or ""
        chain = tuple(Path(p) for p in (getattr(settings, "CONTRACT_SIGNING_CHAIN", None) or []) if p)
        return SigningMaterial(Path(key), Path(cert), chain, Path(root) if root else None)
    folder = _signing_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (folder / _KEY_NAME).exists():
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / _KEY_NAME).exists():
                _development_material_create(folder)
    return SigningMaterial(folder / _KEY_NAME, folder / _CERT_NAME, (folder / _ROOT_NAME,), folder / _ROOT_NAME)


def _outside_event_loop(fn, *args, **kwargs):
    """Call `fn` (a pyHanko sync wrapper, which runs asyncio.run inside) in this thread, or in a helper thread
    when this thread already runs an event loop (an async caller, a browser test's sync Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _load_certificate(path: Path) -> asn1_x509.Certificate:
    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


# room for the CMS signature container in the file (the signature, the signer's certificate and a chain of a few
# more): reserved up front, so pyHanko need not sign once more only to measure it
SIGNATURE_BYTES_RESERVED = 16_384


def _cached_key_signer_class():
    """pyHanko's SimpleSigner parses the private key again for every signature (with RSA, its consistency check
    costs tens of milliseconds); this one parses it once per process and signs RSA and ECDSA with it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class CachedKeySigner(signers.SimpleSigner):
        _pyca_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo
            except ValueError:
                algorithm = mechanism["algorithm"].native
            if self._pyca_key is None:
                self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            key = self._pyca_key
            if algorithm == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if algorithm == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
            return super().sign_raw(data, digest_algorithm)

    return CachedKeySigner


@functools.lru_cache(maxsize=4)
def _signer(material: SigningMaterial):
    passphrase = getattr(settings, "CONTRACT_SIGNING_KEY_PASSPHRASE", "") or None
    signer = _cached_key_signer_class().load(
        str(material.key_path), str(material.cert_path),
        ca_chain_files=[str(p) for p in material.chain_paths] or None,
        key_passphrase=passphrase.encode() if passphrase else None,
    )
    if signer is None:
        raise SigningConfigurationError(f"cannot load the signing key {material.key_path} or {material.cert_path}")
    return signer


def trust_roots() -> list[asn1_x509.Certificate]:
    """The roots a sealed contract of ours chains up to (the configured root, else the signing certificate)."""
    material = signing_material()
    return [_load_certificate(material.root_path or material.cert_path)]


def pdf_sign(data: bytes, *, reason: str = "", location: str = "", name: str = "") -> bytes:
    """Certify `data` (a PDF) with the operator's PAdES signature as an incremental update; returns the new file.
    Must be the document's first and only signature: nothing may change it afterwards."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(signing_material())
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or None, location=location or None, name=name or None,
    )
    out = _outside_event_loop(signers.sign_pdf, writer, meta, signer=signer,
                              new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD),
                              bytes_reserved=SIGNATURE_BYTES_RESERVED)
    return out.getvalue()


@dataclass
class SignatureCheck:
    """What pyHanko says about a PDF's signature(s). `ok` is the bottom line for one of our sealed contracts."""

    signed: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    certified: bool = False
    docmdp_level: str = ""
    modified_after_signing: bool = False
    modification_level: str = ""
    coverage: str = ""
    signer: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""
    signatures: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return (self.signed and self.intact and self.valid and self.trusted and self.certified
                and not self.modified_after_signing)


def pdf_signature_check(data: bytes) -> SignatureCheck:
    """Validate the first (certifying) signature of `data` against our trust root. Never raises on bad input:
    a file that is not a PDF, or has no signature, gives `signed=False` with the reason in `error`."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    result = SignatureCheck()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 (pyHanko raises many kinds on broken files; all mean "unreadable")
        result.error = f"unreadable PDF: {exc.__class__.__name__}"
        return result
    result.signatures = len(signatures)
    if not signatures:
        result.error = "no signature"
        return result
    embedded = signatures[0]
    result.signed = True
    try:
        status = _outside_event_loop(validate_pdf_signature, embedded, ValidationContext(trust_roots=trust_roots()))
    except Exception as exc:  # noqa: BLE001 (a mangled signature object or CMS blob)
        result.error = f"signature unreadable: {exc.__class__.__name__}"
        return result
    level = embedded.docmdp_level
    result.intact = bool(status.intact)
    result.valid = bool(status.valid)
    result.trusted = bool(status.trusted)
    result.certified = level is not None
    result.docmdp_level = level.name if level is not None else ""
    modification = status.modification_level
    result.modification_level = modification.name if modification is not None else ""
    result.coverage = status.coverage.name if status.coverage is not None else ""
    # anything past the signed revision, or a signature not covering the whole file, counts as a change
    result.modified_after_signing = bool(
        status.docmdp_ok is False or (modification is not None and modification.name != "NONE")
        or (status.coverage is not None and status.coverage.name != "ENTIRE_FILE") or len(signatures) > 1)
    try:
        subject = status.signing_cert.subject.native
        parts = [subject.get("common_name"), subject.get("organization_name")]
        result.signer = " · ".join(dict.fromkeys(p for p in parts if p)) or status.signing_cert.subject.human_friendly
    except AttributeError:
        result.signer = ""
    signed_at = status.signer_reported_dt
    result.signed_at = signed_at if signed_at is None or timezone.is_aware(signed_at) else (
        timezone.make_aware(signed_at, dt.UTC))
    try:
        result.reason = str(embedded.sig_object.get("/Reason", ""))
    except Exception:  # noqa: BLE001
        result.reason = ""
    return result
