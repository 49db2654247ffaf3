"""Scoping: which applications and files a user may see."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from guardian.shortcuts import get_objects_for_user

from portal.ids import id_parse

from ..models import Application, DocumentFile
from ..permissions import VIEW_PERMISSION, user_can_view, user_sees_all_applications


def applications_for_user(user: Any) -> models.QuerySet[Application]:
    """The applications `user` may see (see the package docstring)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none()
    if user_sees_all_applications(user):
        return Application.objects.all()
    granted = get_objects_for_user(user, VIEW_PERMISSION, klass=Application, accept_global_perms=False,
                                   with_superuser=False)
    own = Application.objects.filter(merchant__memberships__user=user)
    return Application.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=granted.values("pk")))


def application_get_for_user(user: Any, pk: Any) -> Application | None:
    pk = id_parse(pk)
    if pk is None:
        return None
    return applications_for_user(user).select_related("merchant", "main_category", "squad",
                                                      "assigned_reviewer").filter(pk=pk).first()


def document_file_get_for_user(user: Any, pk: Any) -> DocumentFile | None:
    pk = id_parse(pk)
    if pk is None:
        return None
    doc_file = DocumentFile.objects.select_related("document__application", "document__document_type").filter(
        pk=pk).first()
    if doc_file is None or not user_can_view(user, doc_file.document.application):
        return None
    return doc_file
