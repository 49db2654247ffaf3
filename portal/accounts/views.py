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
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import workspace
from portal.exceptions import ApplicationError
from portal.ids import id_parse
from portal.models import MerchantMembership

from . import selectors, services, throttle
from .decorators import SESSION_MERCHANT_KEY, merchant_choose, verified_merchant_required
from .forms import (
    EmailAuthenticationForm,
    InvitationPasswordForm,
    InviteForm,
    PasswordResetRequestForm,
    RoleChangeForm,
    SignupForm,
)
from .permissions import ROLE_DESCRIPTIONS, Capability, membership_can, refusal_message
from .tokens import TokenInvalid, invitation_max_age, invitation_token_read

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


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
    """The workspace: the organisation, where it stands, and what its users have to do now (the to-dos every
    package registers in `portal.workspace`), each linking to the page that does it."""
    memberships = list(selectors.memberships_for_user(user=request.user))
    current = next((m for m in memberships if m.merchant_id == request.session.get(SESSION_MERCHANT_KEY)),
                   memberships[0] if memberships else None)
    verified = request.user.email_verified_at is not None
    todos, stage = [], None
    if current is not None and verified:
        request.membership, request.merchant = current, current.merchant
        context = workspace.workspace_context(merchant=current.merchant, membership=current, user=request.user)
        todos = [{"todo": todo, "allowed": todo.capability is None or membership_can(current, todo.capability),
                  "refusal": refusal_message(todo.capability) if todo.capability else ""}
                 for todo in workspace.workspace_todos(context)]
        stage = workspace.workspace_stage(context)
    return render(request, "accounts/merchant_home.html", {
        "memberships": memberships,
        "current": current,
        "verified": verified,
        "todos": todos,
        "stage": stage,
        "merchant_status": _merchant_status(current.merchant) if current else None,
    })


def _merchant_status(merchant) -> str | None:
    """The organisation's lifecycle status as the shared domain records it, once it does."""
    display = getattr(merchant, "get_status_display", None)
    return display() if display is not None else None


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
    """The organisation's team. Owners and admins invite (POST here); owners change roles, remove members and
    hand over ownership (the POST views below). Every member sees the team and may leave."""
    membership = request.membership
    can_invite = membership_can(membership, Capability.INVITE)
    can_manage = membership_can(membership, Capability.MANAGE_ROLES)
    form = InviteForm(request.POST or None, can_invite_owner=can_manage) if can_invite else None
    if request.method == "POST":
        if form is None:
            messages.error(request, refusal_message(Capability.INVITE))
            return redirect("portal:team")
        if form.is_valid():
            try:
                services.merchant_invite(merchant=request.merchant, email=form.cleaned_data["email"],
                                         role=form.cleaned_data["role"], actor=request.user,
                                         language=translation.get_language())
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                role_label = MerchantMembership.Role(form.cleaned_data["role"]).label
                messages.success(request, _("We emailed an invitation to %(email)s to join as %(role)s. It is valid "
                                            "for %(days)s days.")
                                 % {"email": form.cleaned_data["email"], "role": role_label,
                                    "days": invitation_max_age() // 86400})
                return redirect("portal:team")
    memberships = list(selectors.merchant_memberships_list(merchant=request.merchant))
    owner_count = sum(1 for member in memberships if member.role == member.Role.OWNER)
    return render(request, "accounts/team.html", {
        "merchant": request.merchant,
        "memberships": memberships,
        "owner_count": owner_count,
        "can_invite": can_invite,
        "can_manage": can_manage,
        "role_choices": MerchantMembership.Role.choices,
        "roles": [(value, label, ROLE_DESCRIPTIONS[value]) for value, label in MerchantMembership.Role.choices],
        "form": form,
        "invitation_days": invitation_max_age() // 86400,
    }, status=400 if form is not None and form.errors else 200)


def _team_member(request: HttpRequest, membership_id: int) -> MerchantMembership:
    """A membership of the organisation the request works in; 404 for any other (another organisation's)."""
    return get_object_or_404(selectors.merchant_memberships_list(merchant=request.merchant), pk=membership_id)


@require_POST
@verified_merchant_required
def team_member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _team_member(request, membership_id)
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("portal:team")
    messages.success(request, _("%(email)s no longer belongs to %(merchant)s.")
                     % {"email": membership.user.email, "merchant": request.merchant.name})
    if membership.user_id == request.user.pk:
        return redirect("portal:home")
    return redirect("portal:team")


@require_POST
@verified_merchant_required
def team_member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _team_member(request, membership_id)
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return redirect("portal:team")
    try:
        changed = services.membership_role_change(membership=membership, role=form.cleaned_data["role"],
                                                  actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s is now %(role)s.")
                         % {"email": changed.user.email, "role": changed.get_role_display()})
    return redirect("portal:team")


@require_POST
@verified_merchant_required
def team_ownership_transfer(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _team_member(request, membership_id)
    try:
        services.merchant_ownership_transfer(membership=membership, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s is now the owner of %(merchant)s; you are an admin.")
                         % {"email": membership.user.email, "merchant": request.merchant.name})
    return redirect("portal:team")
