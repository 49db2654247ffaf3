"""The merchant area, under /<language>/portal/ (namespace "portal"). Other packages' merchant pages use
`portal.accounts.decorators.verified_merchant_required` and their own namespaces."""

from django.urls import path

from portal.accounts import views
from portal.api import merchant_views as api_views
from portal.ratings import views as rating_views

app_name = "portal"

urlpatterns = [
    path("", views.merchant_home, name="home"),
    path("organisation/", views.merchant_switch, name="merchant_switch"),
    path("team/", views.team, name="team"),
    path("rating/", rating_views.merchant_rating, name="rating"),
    path("team/members/<int:membership_id>/remove/", views.team_member_remove, name="team_member_remove"),
    path("team/members/<int:membership_id>/role/", views.team_member_role, name="team_member_role"),
    path("team/members/<int:membership_id>/make-owner/", views.team_ownership_transfer,
         name="team_ownership_transfer"),
    path("api-tokens/", api_views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", api_views.api_token_revoke_view, name="api_token_revoke"),
]
