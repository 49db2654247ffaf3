import pytest
from django.core.exceptions import ValidationError

from onboarding.validators import credit_code_check_character, credit_code_normalize, validate_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91350100m000100y43", " 9135 0100M000100Y43 "])
def test_valid_credit_code_passes_in_any_case_and_spacing(code):
    validate_credit_code(code)
    assert credit_code_normalize(code) == "91350100M000100Y43"


def test_check_character_is_computed_from_the_first_17():
    assert credit_code_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "credit_code_check"),  # wrong check character
        ("91350100M000100Y4", "credit_code_length"),  # 17 characters
        ("91350100M000100Y433", "credit_code_length"),  # 19 characters
        ("", "credit_code_length"),
        ("91350100M000100YI3", "credit_code_characters"),  # I is never used
        ("91350100O000100Y43", "credit_code_characters"),  # O is never used
        ("9135A100M000100Y43", "credit_code_division"),  # division code must be digits
        ("91350100M0001-0Y43", "credit_code_characters"),
    ],
)
def test_invalid_credit_codes_are_refused_with_a_reason(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error
    assert exc.value.messages[0]


def test_a_single_changed_character_is_detected():
    valid = "91350100M000100Y43"
    for i in range(17):
        for replacement in "0A":
            if valid[i] == replacement:
                continue
            changed = valid[:i] + replacement + valid[i + 1:]
            with pytest.raises(ValidationError):
                validate_credit_code(changed)
