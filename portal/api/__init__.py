"""The REST API under /api/v1/ (django-ninja): the trading platform pushes performance data, merchants read their
own. Tokens (`portal.models.api.ApiToken`) carry scopes; a merchant token reads only its merchant's data.
This is one of portal's cross-package interfaces: it may read every package (statements are billing's)."""
