"""The action plan tab: the plan sheet, its goals with their OSKAR histories, and the GROW
notes, all in one call to the sessions service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.oskar_chart import OskarChart, oskar_chart
from services.portal.domain.relationships import ActionPlan, Goal, oskar_points
from services.portal.pages.parts import or_none
from services.portal.pages.relationship import Shell, shell


@dataclass(frozen=True)
class PlanPage:
    """The relationship and its action plan."""

    shell: Shell
    plan: ActionPlan

    def chart(self, goal: Goal) -> OskarChart:
        """The goal's OSKAR readings as a chart."""
        return oskar_chart(oskar_points(goal))

    def goal(self, goal_id: str) -> Goal | None:
        """One of the plan's goals."""
        return next((g for g in self.plan.goals if g.id == goal_id), None)


async def plan_page(member: Member, relationship_id: str) -> PlanPage:
    """The relationship (404 for anyone else) and its plan (empty until written in)."""
    heading, plan = await asyncio.gather(
        shell(member, relationship_id),
        or_none(
            member.api.get(
                Service.SESSIONS, f"/relationships/{relationship_id}/action-plan", ActionPlan
            )
        ),
    )
    return PlanPage(heading, plan or ActionPlan())
