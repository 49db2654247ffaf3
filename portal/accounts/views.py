"""Account pages (sign-up, verification, login, password reset, invitations) and the merchant area's home and
team pages. Each view parses input, checks access, calls one service and shapes the answer."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.exceptions import ApplicationError
from portal.ids import id_parse

from . import selectors, services, throttle
from .decorators import membership_for_request, merchant_choose, verified_merchant_required
from .forms import EmailAuthenticationForm, InvitationPasswordForm, InviteForm, PasswordResetRequestForm, SignupForm
from .tokens import TokenInvalid, invitation_max_age, invitation_token_read

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _reverse_or_none(name: str, **kwargs) -> str | None:
    """The URL of `name`, or None while no package provides it yet."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _apply_error(form, error: ApplicationError) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, error.message)


# --- sign-up and email verification --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.merchant_signup(
                email=data["email"], password=data["password1"], organisation_name=data["organisation_name"],
                kind=data["kind"], language=data["language"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            login(request, user, backend=AUTH_BACKEND)
            return redirect("accounts:verification_pending")
    return render(request, "accounts/signup.html", {"form": form})


@login_required(login_url="accounts:login")
def verification_pending(request: HttpRequest) -> HttpResponse:
    if request.user.email_verified_at is not None:
        return redirect("portal:home")
    return render(request, "accounts/verification_pending.html")


@require_POST
@login_required(login_url="accounts:login")
def verification_resend(request: HttpRequest) -> HttpResponse:
    if services.email_verification_request(user=request.user):
        messages.success(request, _("We sent a new confirmation link to %(email)s.") % {"email": request.user.email})
        return redirect("accounts:verification_pending")
    messages.info(request, _("Your email address is already confirmed."))
    return redirect("portal:home")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except TokenInvalid as error:
        return render(request, "accounts/verify_email_failed.html", {"error": error.message}, status=400)
    messages.success(request, _("Thank you: your email address %(email)s is confirmed.") % {"email": user.email})
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("portal:home")
    return redirect("accounts:login")


# --- login, logout, password reset (Django's views with our templates and forms) ---------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule), so a link on another site cannot sign anyone out."""

    next_page = reverse_lazy("accounts:login")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view, with requests limited per address and per IP address (the same answer for addresses
    with and without an account)."""

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not throttle.password_reset_allowed(email=form.cleaned_data["email"],
                                               ip_address=get_client_ip_address(self.request)):
            form.add_error(None, throttle.password_reset_limited_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- invitations ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link may look; joining needs the invited address (signed in) or a new account for it."""
    try:
        invitation = invitation_token_read(token=token)
        merchant = selectors.invitation_merchant_get(invitation=invitation)
    except TokenInvalid as error:
        return render(request, "accounts/invitation_invalid.html", {"error": error.message}, status=400)
    inviter = selectors.user_by_id(user_id=invitation.inviter_id)
    user = request.user if request.user.is_authenticated else None
    wrong_account = user is not None and user.email.lower() != invitation.email.lower()
    has_account = user is None and selectors.user_by_email(email=invitation.email) is not None
    form = None
    if user is None and not has_account:
        form = InvitationPasswordForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and not wrong_account and not has_account and (form is None or form.is_valid()):
        try:
            membership = services.invitation_accept(
                token=token, user=user, password=form.cleaned_data["password1"] if form else None,
                language=translation.get_language(),
            )
        except ApplicationError as error:
            if form is None:
                return render(request, "accounts/invitation_invalid.html", {"error": error.message},
                              status=400)
            _apply_error(form, error)
        else:
            if user is None:
                login(request, membership.user, backend=AUTH_BACKEND)
            merchant_choose(request, membership)
            messages.success(request, _("Welcome to %(merchant)s.") % {"merchant": membership.merchant.name})
            return redirect("portal:home")
    login_url = reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})
    return render(request, "accounts/invitation_accept.html", {
        "invitation": invitation, "merchant": merchant, "inviter": inviter, "form": form,
        "wrong_account": wrong_account, "has_account": has_account, "login_url": login_url,
    })


# --- the merchant area ---------------------------------------------------------------------------------------


@login_required(login_url="accounts:login")
def merchant_home(request: HttpRequest) -> HttpResponse:
    memberships = list(selectors.memberships_for_user(user=request.user))
    current = membership_for_request(request)
    verified = request.user.email_verified_at is not None
    return render(request, "accounts/merchant_home.html", {
        "memberships": memberships,
        "current": current,
        "verified": verified,
        "application_start_url": _reverse_or_none("onboarding:application_start") if verified and current else None,
    })


@require_POST
@login_required(login_url="accounts:login")
def merchant_switch(request: HttpRequest) -> HttpResponse:
    merchant_id = id_parse(request.POST.get("merchant"))
    if merchant_id is None:
        raise Http404(_("No organisation of yours has this number."))
    membership = get_object_or_404(selectors.memberships_for_user(user=request.user), merchant_id=merchant_id)
    merchant_choose(request, membership)
    messages.success(request, _("You are now working in %(merchant)s.") % {"merchant": membership.merchant.name})
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def team(request: HttpRequest) -> HttpResponse:
    is_owner = request.membership.role == request.membership.Role.OWNER
    form = InviteForm(request.POST or None) if is_owner else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("Only an owner of the organisation can invite colleagues."))
            return redirect("portal:team")
        if form.is_valid():
            try:
                services.merchant_invite(merchant=request.merchant, email=form.cleaned_data["email"],
                                         actor=request.user, language=translation.get_language())
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("We emailed an invitation to %(email)s. It is valid for %(days)s days.")
                                 % {"email": form.cleaned_data["email"], "days": invitation_max_age() // 86400})
                return redirect("portal:team")
    memberships = list(selectors.merchant_memberships_list(merchant=request.merchant))
    owner_count = sum(1 for membership in memberships if membership.role == membership.Role.OWNER)
    return render(request, "accounts/team.html", {
        "merchant": request.merchant,
        "memberships": memberships,
        "owner_count": owner_count,
        "is_owner": is_owner,
        "form": form,
        "invitation_days": invitation_max_age() // 86400,
    })


@require_POST
@verified_merchant_required
def team_member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(selectors.merchant_memberships_list(merchant=request.merchant), pk=membership_id)
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s no longer belongs to %(merchant)s.")
                         % {"email": membership.user.email, "merchant": request.merchant.name})
    if membership.user_id == request.user.pk:
        return redirect("portal:home")
    return redirect("portal:team")
