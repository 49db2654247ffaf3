# Wagtail admin registrations of the shared domain; each area keeps its admin in its own module.
from portal.policy import wagtail_admin  # noqa: F401  (policy items, versions, categories)
