"""``/api/v1/users``: one user's journey (seed 000's ``analyzeUserJourney``). A thin adapter over
:func:`northstar.metrics.journey.user_journey`.

Wire conventions as in ``/api/v1/metrics``: instants are naive UTC, rates fractions in ``[0, 1]``,
scores 0–100, durations in the factor's ``unit``; a value that does not exist yet is ``null``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from northstar.domain.errors import InvalidInput
from northstar.metrics.journey import Analysis, Factor, Journey, user_journey
from northstar.metrics.results import json_number
from northstar.web.api.v1.metrics import DateQuery, Service
from northstar.web.auth import AUTH_RESPONSES, require

router = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[require("view_drilldown")],
                   responses=AUTH_RESPONSES)


class FactorOut(BaseModel):
    """One factor of an analysis: its value in ``unit``, the ``points`` it adds to the score out of
    ``weight`` (``null`` when the analysis is not a score) and the explanation of both."""

    factor: str
    value: float | int | str | None
    unit: str
    points: float | int | None
    weight: int | None
    explanation: str


class AnalysisOut(BaseModel):
    """One part of the journey: its value in ``unit`` (``null`` when undefined), the rule, and the
    factors it is computed from."""

    value: float | int | None
    unit: str
    explanation: str
    factors: list[FactorOut]


class JourneyOut(BaseModel):
    """A user's journey on reporting day ``date``."""

    user_id: str
    user_type: str | None
    date: date
    signup_at: datetime
    time_to_first_value: AnalysisOut
    onboarding: AnalysisOut
    engagement: AnalysisOut
    viral_actions: AnalysisOut
    churn_risk: AnalysisOut


def _number(value: Decimal | int | str | None) -> float | int | str | None:
    """A JSON number (whole values as ints) or the text unchanged (presentation only)."""
    return value if isinstance(value, str) else json_number(value)


def _factor(factor: Factor) -> FactorOut:
    return FactorOut(factor=factor.factor, value=_number(factor.value), unit=factor.unit,
                     points=_number(factor.points), weight=factor.weight, explanation=factor.explanation)


def _analysis(analysis: Analysis) -> AnalysisOut:
    return AnalysisOut(value=_number(analysis.value), unit=analysis.unit, explanation=analysis.explanation,
                       factors=[_factor(factor) for factor in analysis.factors])


def journey_out(journey: Journey) -> JourneyOut:
    """The wire form of a :class:`Journey`."""
    return JourneyOut(
        user_id=journey.user_id, user_type=journey.user_type, date=journey.day, signup_at=journey.signup_at,
        time_to_first_value=_analysis(journey.time_to_first_value), onboarding=_analysis(journey.onboarding),
        engagement=_analysis(journey.engagement), viral_actions=_analysis(journey.viral_actions),
        churn_risk=_analysis(journey.churn_risk),
    )


@router.get("/{user_id}/journey", response_model=JourneyOut, summary="One user's journey",
            responses={404: {"description": "No user of that id registered (and not deleted) by the end of `date`."},
                       422: {"description": "A `date` that is not a YYYY-MM-DD day between 1971-01-01 and "
                                            "9998-12-31."}})
def journey(user_id: str, service: Service, day: DateQuery = None) -> JourneyOut:
    """User ``user_id``'s time to first value, onboarding progress, engagement score, viral actions and
    churn-risk score on reporting day ``date``, each with the factors that explain it."""
    try:
        return journey_out(user_journey(service, user_id, day or service.as_of()))
    except InvalidInput as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
