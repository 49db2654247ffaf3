"""The PostgreSQL statement that rates one chunk of merchants: one INSERT … SELECT with GROUP BY, the same
numbers as `portal.ratings.compute` (the definition; read its docstring for the rules), with the same roundings
at the same steps: rates to 4 places, points to 2 (after clamping), the score to 2. A rerun of the same day
replaces that day's rows (ON CONFLICT on merchant and day), so a chunk computed twice changes nothing."""

from __future__ import annotations

from portal.models import DIMENSIONS

_DIMENSION_COLUMNS = ", ".join(f"{d}_rate, {d}_points, {d}_weight" for d in DIMENSIONS)
COLUMNS = ("merchant_id, as_of, model_version_id, run_id, window_start, window_end, order_count, rated, score, "
           "grade, fulfilled_count, on_time_count, returned_count, complaint_count, satisfaction_count, "
           f"returns_full_at, returns_zero_at, {_DIMENSION_COLUMNS}, computed_at")
_UPDATE = ", ".join(f"{c.strip()} = EXCLUDED.{c.strip()}" for c in COLUMNS.split(",")
                    if c.strip() not in ("merchant_id", "as_of"))


def _points(rate: str, full: str, zero: str) -> str:
    return f"ROUND(LEAST(100, GREATEST(0, ({rate} - {zero}) * 100 / NULLIF({full} - {zero}, 0))), 2)"


# built once from constants of this module; every value is a bound parameter
CHUNK_RATE = f"""
WITH m AS (
    SELECT id FROM portal_merchant
    WHERE id BETWEEN %(lo)s AND %(hi)s AND kind = %(kind)s AND status = ANY(%(statuses)s)
), o AS (
    SELECT ol.merchant_id,
           COUNT(*) AS n,
           COUNT(*) FILTER (WHERE ol.fulfilled) AS fulfilled,
           COUNT(*) FILTER (WHERE ol.fulfilled AND ol.on_time) AS on_time,
           COUNT(*) FILTER (WHERE ol.refund_amount > 0) AS returned,
           AVG(COALESCE(t.full_at, %(returns_full_at)s::numeric)) AS returns_full_at,
           AVG(COALESCE(t.zero_at, %(returns_zero_at)s::numeric)) AS returns_zero_at
    FROM portal_orderline ol
    LEFT JOIN portal_ratingreturnsthreshold t ON t.version_id = %(version)s AND t.category_id = ol.category_id
    WHERE ol.merchant_id BETWEEN %(lo)s AND %(hi)s AND ol.completed_on BETWEEN %(window_start)s AND %(window_end)s
    GROUP BY ol.merchant_id
), c AS (
    SELECT merchant_id, COUNT(*) AS n FROM portal_complaint
    WHERE merchant_id BETWEEN %(lo)s AND %(hi)s AND received_on BETWEEN %(window_start)s AND %(window_end)s
    GROUP BY merchant_id
), s AS (
    SELECT merchant_id, COUNT(*) AS n, AVG(score) AS average FROM portal_satisfactionrating
    WHERE merchant_id BETWEEN %(lo)s AND %(hi)s AND rated_on BETWEEN %(window_start)s AND %(window_end)s
    GROUP BY merchant_id
), r AS (
    SELECT m.id AS merchant_id,
           COALESCE(o.n, 0) AS n, COALESCE(o.fulfilled, 0) AS fulfilled, COALESCE(o.on_time, 0) AS on_time,
           COALESCE(o.returned, 0) AS returned, COALESCE(c.n, 0) AS complaints, COALESCE(s.n, 0) AS ratings,
           COALESCE(o.n, 0) >= %(min_orders)s AS enough,
           ROUND(o.returns_full_at, 4) AS returns_full_at, ROUND(o.returns_zero_at, 4) AS returns_zero_at,
           ROUND(o.fulfilled * 100.0 / o.n, 4) AS fulfilment_rate,
           ROUND(o.on_time * 100.0 / o.n, 4) AS on_time_rate,
           ROUND(o.returned * 100.0 / o.n, 4) AS returns_rate,
           ROUND(COALESCE(c.n, 0) * 100.0 / o.n, 4) AS complaints_rate,
           ROUND(s.average, 4) AS satisfaction_rate
    FROM m LEFT JOIN o ON o.merchant_id = m.id LEFT JOIN c ON c.merchant_id = m.id
    LEFT JOIN s ON s.merchant_id = m.id
), p AS (
    SELECT r.*,
           CASE WHEN enough THEN {_points("fulfilment_rate", "%(fulfilment_full_at)s", "%(fulfilment_zero_at)s")}
           END AS fulfilment_points,
           CASE WHEN enough THEN {_points("on_time_rate", "%(on_time_full_at)s", "%(on_time_zero_at)s")}
           END AS on_time_points,
           CASE WHEN enough THEN {_points("returns_rate", "r.returns_full_at", "r.returns_zero_at")}
           END AS returns_points,
           CASE WHEN enough THEN {_points("complaints_rate", "%(complaints_full_at)s", "%(complaints_zero_at)s")}
           END AS complaints_points,
           CASE WHEN enough AND ratings > 0
                THEN {_points("satisfaction_rate", "%(satisfaction_full_at)s", "%(satisfaction_zero_at)s")}
           END AS satisfaction_points
    FROM r
), w AS (
    SELECT p.*,
           CASE WHEN fulfilment_points IS NULL THEN 0 ELSE %(fulfilment_weight)s::numeric END AS fulfilment_weight,
           CASE WHEN on_time_points IS NULL THEN 0 ELSE %(on_time_weight)s::numeric END AS on_time_weight,
           CASE WHEN returns_points IS NULL THEN 0 ELSE %(returns_weight)s::numeric END AS returns_weight,
           CASE WHEN complaints_points IS NULL THEN 0 ELSE %(complaints_weight)s::numeric END AS complaints_weight,
           CASE WHEN satisfaction_points IS NULL THEN 0 ELSE %(satisfaction_weight)s::numeric END
               AS satisfaction_weight
    FROM p
), sc AS (
    SELECT w.*,
           fulfilment_weight + on_time_weight + returns_weight + complaints_weight + satisfaction_weight AS weights,
           ROUND((COALESCE(fulfilment_points * fulfilment_weight, 0) + COALESCE(on_time_points * on_time_weight, 0)
                  + COALESCE(returns_points * returns_weight, 0) + COALESCE(complaints_points * complaints_weight, 0)
                  + COALESCE(satisfaction_points * satisfaction_weight, 0))
                 / NULLIF(fulfilment_weight + on_time_weight + returns_weight + complaints_weight
                          + satisfaction_weight, 0), 2) AS score
    FROM w
), g AS (
    SELECT sc.*, (enough AND weights > 0) AS rated FROM sc
)
INSERT INTO portal_merchantrating ({COLUMNS})
SELECT merchant_id, %(as_of)s, %(version)s, %(run)s, %(window_start)s, %(window_end)s, n, rated,
       CASE WHEN rated THEN score END,
       CASE WHEN NOT rated THEN ''
            WHEN score >= %(grade_a_min)s THEN 'A' WHEN score >= %(grade_b_min)s THEN 'B'
            WHEN score >= %(grade_c_min)s THEN 'C' ELSE 'D' END,
       fulfilled, on_time, returned, complaints, ratings, returns_full_at, returns_zero_at,
       fulfilment_rate, CASE WHEN rated THEN fulfilment_points END, CASE WHEN rated THEN fulfilment_weight ELSE 0 END,
       on_time_rate, CASE WHEN rated THEN on_time_points END, CASE WHEN rated THEN on_time_weight ELSE 0 END,
       returns_rate, CASE WHEN rated THEN returns_points END, CASE WHEN rated THEN returns_weight ELSE 0 END,
       complaints_rate, CASE WHEN rated THEN complaints_points END,
       CASE WHEN rated THEN complaints_weight ELSE 0 END,
       satisfaction_rate, CASE WHEN rated THEN satisfaction_points END,
       CASE WHEN rated THEN satisfaction_weight ELSE 0 END,
       %(now)s
FROM g
ON CONFLICT (merchant_id, as_of) DO UPDATE SET {_UPDATE}
RETURNING rated
"""  # noqa: S608


def chunk_parameters(*, version, lo: int, hi: int, as_of, window: tuple, run_id: int | None, now, kind: str,
                     statuses: list[str]) -> dict:
    params = {"lo": lo, "hi": hi, "as_of": as_of, "window_start": window[0], "window_end": window[1],
              "version": version.pk, "run": run_id, "now": now, "kind": kind, "statuses": statuses,
              "min_orders": version.min_orders, "grade_a_min": version.grade_a_min,
              "grade_b_min": version.grade_b_min, "grade_c_min": version.grade_c_min}
    for d in DIMENSIONS:
        params[f"{d}_weight"] = version.weight(d)
        params[f"{d}_full_at"] = version.full_at(d)
        params[f"{d}_zero_at"] = version.zero_at(d)
    return params
