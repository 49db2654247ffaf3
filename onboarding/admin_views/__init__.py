"""The recruitment team's screens in the Wagtail admin: the review queue, the application detail with
its review actions, bulk actions, and the reference data of the review (squads, document types and
matrix, working-day calendar)."""
