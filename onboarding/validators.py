"""Validators for application data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 法人和其他组织统一社会信用代码编码规则: 18 characters from this set (no I, O, S, V, Z);
# the 18th is a check character computed from the first 17 with these weights, modulo 31.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_normalize(value: str) -> str:
    """Upper case without spaces: what the applicant meant, in the form it is stored."""
    return "".join((value or "").split()).upper()


def credit_code_check_character(first17: str) -> str:
    """The check character of the first 17 characters of a unified social credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(ch) * weight for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS,
                                                                               strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless `value` is a well-formed unified social credit code [统一社会信用代码]:
    18 characters, letters and digits of GB 32100-2015 only, positions 3–8 an administrative division
    code (digits), and the last character the correct check character."""
    code = credit_code_normalize(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_code_length", params={"count": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s (I, O, S, V and Z are never used)."),
            code="credit_code_characters", params={"chars": ", ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the administrative division code (digits)."),
            code="credit_code_division",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code is not valid: its check character does not match. "
              "Please check it against the business licence."),
            code="credit_code_check",
        )
