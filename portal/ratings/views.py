"""The merchant's credit rating page in the workspace (/<lang>/portal/rating/): the rating in effect, its
breakdown and its history. Every member of the organisation may read it; only the organisation's own rows are
ever read (`request.merchant`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.accounts.decorators import verified_merchant_required

from .selectors import UNRATED_GRADE, rating_breakdown, rating_current, rating_history, rating_model_in_force

HISTORY_DAYS = 90


@verified_merchant_required
def merchant_rating(request: HttpRequest) -> HttpResponse:
    rating = rating_current(merchant=request.merchant)
    return render(request, "ratings/merchant_rating.html", {
        "merchant": request.merchant,
        "rating": rating,
        "breakdown": rating_breakdown(rating=rating) if rating else [],
        "history": list(rating_history(merchant=request.merchant, limit=HISTORY_DAYS)),
        "model": rating.model_version if rating else rating_model_in_force(),
        "unrated_grade": UNRATED_GRADE,
    })
