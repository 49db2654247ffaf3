# Wagtail admin registrations of the shared domain; each area keeps its admin in its own module.
from portal.alerts import wagtail_admin as alerts_admin  # noqa: F401  (rating alerts)
from portal.api import wagtail_admin as api_wagtail_admin  # noqa: F401  (the API clients' tokens)
from portal.performance import wagtail_admin as performance_admin  # noqa: E402, F401  (order lines, file imports)
from portal.policy import wagtail_admin  # noqa: F401  (policy items, versions, categories)
from portal.ratings import wagtail_admin as ratings_admin  # noqa: E402, F401  (credit ratings)
