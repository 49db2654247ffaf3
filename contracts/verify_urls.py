from django.urls import path

from . import verify_views

app_name = "contract_verify"

urlpatterns = [
    path("", verify_views.contract_verify, name="verify"),
]
