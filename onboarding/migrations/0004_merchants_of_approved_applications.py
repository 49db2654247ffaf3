"""Merchants whose application was approved before the merchant had a lifecycle become "onboarding", with
the grade and the deposit of that approval. Reversible: the reverse leaves the merchant's fields alone
(the portal migration before this one removes them)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Application = apps.get_model("onboarding", "Application")
    Merchant = apps.get_model("portal", "Merchant")
    approved = (Application.objects.filter(status="approved", merchant__status="applicant")
                .order_by("merchant_id", "-decided_at"))
    seen = set()
    for app in approved.iterator():
        if app.merchant_id in seen:
            continue
        seen.add(app.merchant_id)
        Merchant.objects.filter(pk=app.merchant_id).update(
            status="onboarding", status_changed_at=app.decided_at, grade=app.merchant_grade,
            deposit_amount=app.deposit_amount, deposit_currency=app.currency if app.deposit_amount is not None else "",
        )


class Migration(migrations.Migration):

    dependencies = [
        ("onboarding", "0003_info_request_time"),
        ("portal", "0007_merchant_lifecycle_grade_deposit"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
