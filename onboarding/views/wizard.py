"""Starting an application, the wizard's answer steps, and the review before submitting."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.accounts.decorators import verified_merchant_required
from portal.exceptions import ApplicationError

from .. import selectors
from ..forms import STEP_FORMS, brand_formset
from ..models import EDITABLE_STATUSES, TERMINAL_STATUSES, Application, ApplicationStatus, Profile, WizardStep
from ..screening import screening_display, screening_evaluate
from ..services import application_create, application_submit, application_update_step
from .common import (
    answer_sections,
    errors_onto_form,
    fields_with_requests,
    not_editable,
    own_application,
    wizard_context,
)
from .documents import documents_step
from .navigation import next_step, resume_url, step_list, step_url, steps_for

# What each step asks for, on the start page; the list shown is the applicant's own steps (steps_for).
STEP_INTROS = {
    WizardStep.COMPANY: gettext_lazy("Registered name, unified social credit code and legal representative."),
    WizardStep.CONTACTS: gettext_lazy("The people we talk to and your business address."),
    WizardStep.CATEGORIES: gettext_lazy("Categories, brands, cooperation mode and cross-border trade."),
    WizardStep.SCREENING: gettext_lazy("A few questions about your business."),
    WizardStep.CAPABILITY: gettext_lazy("What you can produce and supply, and how fast."),
    WizardStep.POLICIES: gettext_lazy("The support policies you would like to use."),
    WizardStep.DOCUMENTS: gettext_lazy("Scans or photos (PDF, JPEG or PNG) of your business licence and the other "
                                       "documents your categories need."),
}


def intro_steps(merchant) -> list[tuple[str, str]]:
    """(label, what it asks for) of each wizard step this organisation will go through, in order."""
    return [(WizardStep(step).label, STEP_INTROS[step]) for step in steps_for(Application(merchant=merchant))]


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_start(request: HttpRequest) -> HttpResponse:
    """GET: what applying involves, and the organisation's applications. POST: start a draft, or resume the one
    already in progress."""
    applications = list(selectors.applications_for_user(request.user).filter(merchant=request.merchant)
                        .select_related("main_category").order_by("-created_at", "-id"))
    # the one in progress, else an approved one (whose documents are renewed from its page)
    current = next((a for a in applications if a.status not in TERMINAL_STATUSES), None) or next(
        (a for a in applications if a.status == ApplicationStatus.APPROVED), None)
    if request.method == "POST":
        if current is not None:
            return redirect(resume_url(current))
        try:
            application = application_create(merchant=request.merchant, actor=request.user)
        except ApplicationError as exc:
            existing = exc.extra.get("application_id")
            if existing is not None:
                return redirect(resume_url(own_application(request, existing)))
            messages.error(request, exc.message)
            return redirect("onboarding:application_start")
        messages.success(request, _("Your application has been started. Your answers are saved at every step, "
                                    "so you can come back later."))
        return redirect(resume_url(application))
    return render(request, "onboarding/start.html", {
        "current": current,
        "current_url": resume_url(current) if current is not None else None,
        "steps": intro_steps(request.merchant),
        "past": [a for a in applications if a is not current],
    })


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    application = own_application(request, pk)
    if step not in steps_for(application):
        raise Http404
    if step == WizardStep.DOCUMENTS and application.status == ApplicationStatus.APPROVED:
        return documents_step(request, application, renewal=True)
    if application.status not in EDITABLE_STATUSES:
        return not_editable(request, application)
    if step == WizardStep.DOCUMENTS:
        return documents_step(request, application)

    form_class = STEP_FORMS[step]
    data = request.POST if request.method == "POST" else None
    form = form_class(data, application=application)
    brands = brand_formset(application=application, data=data) if step == "categories" else None
    if request.method == "POST":
        valid = form.is_valid() & (brands is None or brands.is_valid())
        if valid:
            step_data = form.step_data()
            if brands is not None:
                step_data["brands"] = brands.brands()
            try:
                application = application_update_step(application=application, actor=request.user, step=step,
                                                      data=step_data)
            except ValidationError as exc:
                errors_onto_form(form, exc, brands=brands)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("onboarding:application_status", pk=application.pk)
            else:
                messages.success(request, _("Saved."))
                following = next_step(application, step)
                if "save" in request.POST:
                    return redirect(step_url(application, step))
                if following is None:
                    return redirect("onboarding:application_review", pk=application.pk)
                return redirect(step_url(application, following))
    context = wizard_context(application, step)
    context.update({"form": form, "fields": fields_with_requests(form, context["requests_by_field"]),
                    "brands": brands,
                    "brand_requests": context["requests_by_field"].get("brands", [])})
    return render(request, "onboarding/step.html", context)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything at a glance before submitting: the pre-screen's result and what is still missing."""
    application = own_application(request, pk)
    if application.status != ApplicationStatus.DRAFT:
        return redirect("onboarding:application_status", pk=application.pk)
    refused: list[str] = []
    if request.method == "POST":
        try:
            application = application_submit(application=application, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            refused = list(exc.extra.get("missing", []))
            application = own_application(request, pk)
        else:
            messages.success(request, _("Thank you: your application has been submitted. The recruitment team "
                                        "will contact you."))
            return redirect("onboarding:application_status", pk=application.pk)
    missing = refused or selectors.application_missing_items(application)
    screening = screening_display(screening_evaluate(application=application))
    return render(request, "onboarding/review.html", {
        "application": application,
        "steps": step_list(application, current=None),
        "screening": screening,
        "profile_label": Profile(screening.profile).label if screening.profile in Profile.values else "—",
        "missing": missing,
        "sections": answer_sections(application),
        "slots": selectors.application_document_slots(application),
    }, status=400 if refused else 200)
