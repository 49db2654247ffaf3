"""A service's refusal lands on the form it came from (`portal.exceptions.errors_onto_form`), as the billing pages
show it: on the fields it names, the rest above the form, never a 500."""

from django import forms
from django.core.exceptions import ValidationError

from portal.exceptions import ApplicationError, errors_onto_form


class _Form(forms.Form):
    amount = forms.DecimalField()
    note = forms.CharField(required=False)


def _bound():
    form = _Form({"amount": "1", "note": ""})
    assert form.is_valid()
    return form


def test_a_validation_error_goes_onto_the_fields_it_names_and_the_rest_above():
    form = _bound()
    errors_onto_form(form, ValidationError({"amount": ["Too much."], "other": ["Not a field."]}))
    assert form.errors["amount"] == ["Too much."]
    assert form.non_field_errors() == ["Not a field."]


def test_a_plain_validation_error_and_an_application_error_go_above_the_form_or_on_their_field():
    form = _bound()
    errors_onto_form(form, ValidationError("Closed."))
    errors_onto_form(form, ApplicationError("Refused.", extra={"blockers": ["The deposit is frozen."]}))
    assert form.non_field_errors() == ["Closed.", "Refused.", "The deposit is frozen."]
    form = _bound()
    errors_onto_form(form, ApplicationError("Enter less.", extra={"field": "amount"}))
    assert form.errors["amount"] == ["Enter less."] and not form.non_field_errors()
