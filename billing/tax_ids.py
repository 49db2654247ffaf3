"""The taxpayer ID [纳税人识别号] on a fapiao: 15, 18 or 20 letters and digits; an 18-character one is a unified
social credit code [统一社会信用代码] (GB 32100-2015) and must carry its check character."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this set (no I, O, S, V, Z); the 18th is a check character computed from the
# first 17 with these weights, modulo 31
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
TAX_ID_LENGTHS = (15, 18, 20)


def tax_id_normalize(value: str) -> str:
    return "".join((value or "").split()).upper()


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(ch) * weight for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS,
                                                                               strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_tax_id(value: str) -> None:
    code = tax_id_normalize(value)
    if len(code) not in TAX_ID_LENGTHS:
        raise ValidationError(_("A taxpayer ID has 15, 18 or 20 characters; this one has %(count)d."),
                              code="tax_id_length", params={"count": len(code)})
    if not (code.isascii() and code.isalnum()):
        raise ValidationError(_("A taxpayer ID has only letters and digits."), code="tax_id_characters")
    if len(code) == 18:
        bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
        if bad:
            raise ValidationError(
                _("An 18-character taxpayer ID is a unified social credit code, which never contains %(chars)s."),
                code="tax_id_credit_code_characters", params={"chars": ", ".join(bad)})
        if credit_code_check_character(code[:17]) != code[17]:
            raise ValidationError(_("This unified social credit code is not valid: its check character does not "
                                    "match. Please check it against the business licence."),
                                  code="tax_id_check_character")
