"""Surveys due to people, and their answers — kept apart from who gave them.

Answering is three single-document writes (FerretDB has no transactions), ordered so that no
answer is counted twice and none is lost:

1. the claim: `survey_respondents/<survey id>` with the member and a fresh `receipt` (a
   second claim of the same survey is refused by its id: answered twice → 409);
2. the answer body: `survey_answers/<receipt>` — scores, choices, free text, the programme,
   template version, role and week; no member, survey or relationship id;
3. the claim drops its receipt and records the day, carrying `survey.completed` (scores only)
   in the same write.

Only while a claim holds its receipt can the body be traced to the person: a crash between
the steps leaves such a claim, which the person's next attempt or the sweep finishes (body
written: step 3) or withdraws (no body: the person may answer again).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.evaluation.adapters.programme_monitoring import ProgrammeTerms
from services.evaluation.adapters.survey_collections import ANSWERS, INVITATIONS, RESPONDENTS
from services.evaluation.adapters.survey_templates import SurveyTemplates
from services.evaluation.domain.questions import (
    CheckedAnswers,
    Question,
    SurveyKind,
    TemplateVersion,
    check_answers,
)
from services.evaluation.domain.survey_comments import QuestionComments, comments_by_question
from shared.auth.principal import CallerKind, Principal
from shared.contracts.evaluation import SurveyCompleted, SurveySent
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import new_event
from shared.events.envelope import Envelope
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

# A claim still holding its receipt after this long was left by a crash: the sweep settles it.
UNSETTLED_AFTER = timedelta(minutes=2)


class DueSurvey(BaseModel):
    """A survey as the person it is for sees it."""

    id: str = Field(examples=["srv_1a2b3c4d5e6f7a8b"])
    title: str = Field(examples=["How is it going?"])
    kind: SurveyKind = Field(examples=["pulse"])
    introduction: str = Field(examples=["Three quick questions about your mentoring relationship."])
    questions: list[Question] = Field(
        examples=[[{"id": "q1", "text": "How useful are your meetings?", "type": "rating"}]]
    )
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    role: str = Field(examples=["mentee"], description="you answer as mentor or mentee")
    opens_at: datetime = Field(examples=["2027-02-01T09:30:00Z"])
    closes_at: datetime = Field(examples=["2027-02-22T09:30:00Z"])
    answered: bool = Field(examples=[False])


class AnswerReceipt(BaseModel):
    """What answering returns: that it is stored, not what was answered."""

    survey_id: str = Field(examples=["srv_1a2b3c4d5e6f7a8b"])
    answered_on: str = Field(examples=["2027-02-01"])
    scores_shared: list[str] = Field(
        examples=[["q1", "q2"]],
        description="questions whose scores join the programme's pooled figures; choices and "
        "free text never leave the evaluation service",
    )


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class SurveyResponses:
    """Survey invitations, claims and answers, through the data door."""

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        templates: SurveyTemplates,
        clock: Callable[[], datetime],
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._templates = templates
        self._clock = clock

    # --- what the programme's co-ordinators read ----------------------------------------

    async def comments(self, caller: Principal, terms: ProgrammeTerms) -> list[QuestionComments]:
        """The programme's free-text answers by question, for its co-ordinators (`terms`
        from `ProgrammeMonitoring.coordinated`): from every participating organisation's
        answer bodies, which name nobody; released in weekly batches of at least five
        (domain/survey_comments.py); a question with nothing released is suppressed."""
        bodies: list[Document] = []
        for organisation in sorted(set(terms.organisations)):
            answers = self._data.overseen(
                caller, terms.coordinators, terms.organisations, organisation, ANSWERS
            )
            bodies += await answers.find(
                {"programme_id": terms.programme_id},
                projection={"template_id": 1, "template_version": 1, "texts": 1, "week": 1},
            ).to_list()
        versions = {(str(b.get("template_id")), b.get("template_version")) for b in bodies}
        templates: dict[tuple[str, int], TemplateVersion] = {}
        for template_id, version in versions:
            if isinstance(version, int):
                template = await self._templates.exact(template_id, version)
                if template is not None:
                    templates[(template_id, version)] = template
        return comments_by_question(bodies, templates, _week(self._clock()))

    # --- the person's own surveys --------------------------------------------------------

    async def due(self, caller: Principal) -> list[DueSurvey]:
        """The caller's open surveys not yet answered, soonest closing first."""
        if caller.kind is not CallerKind.MEMBER:
            return []
        now = self._clock()
        found = (
            await self._data.own(caller, INVITATIONS)
            .find({"member_id": caller.subject, "closes_at": {"$gt": now}})
            .to_list()
        )
        found = [d for d in found if d["opens_at"] <= now]
        answered = await self._answered(
            self._data.own(caller, RESPONDENTS), [d["_id"] for d in found]
        )
        views = [await self._view(d, False) for d in found if d["_id"] not in answered]
        return sorted((v for v in views if v is not None), key=lambda v: (v.closes_at, v.id))

    async def one(self, caller: Principal, survey_id: str) -> DueSurvey:
        """One of the caller's surveys (answered or not); 404 for anyone else's."""
        invitation = await self._invitation(caller, survey_id)
        answered = await self._answered(self._data.own(caller, RESPONDENTS), [survey_id])
        view = await self._view(invitation, survey_id in answered)
        if view is None:
            raise NotFoundError(f"no survey {survey_id!r} for you")
        return view

    async def answer(
        self, caller: Principal, survey_id: str, answers: Mapping[str, object]
    ) -> AnswerReceipt:
        """Answer one's own open survey, once. Everything is checked before anything is
        written: not yours (404), closed or answered (409), answers that do not fit (422)."""
        invitation = await self._invitation(caller, survey_id)
        now = self._clock()
        if now < invitation["opens_at"]:
            raise ConflictError(f"this survey opens on {invitation['opens_at']:%-d %B %Y}")
        if now >= invitation["closes_at"]:
            raise ConflictError(f"this survey closed on {invitation['closes_at']:%-d %B %Y}")
        template = await self._templates.exact(
            invitation["template_id"], invitation["template_version"]
        )
        if template is None:
            raise NotFoundError(f"no survey {survey_id!r} for you")
        claims = self._data.own(caller, RESPONDENTS)
        claim = await claims.find_one({"_id": survey_id})
        if claim is not None and "receipt" not in claim:
            raise ConflictError("you have answered this survey already; thank you")
        checked = check_answers(template.questions, answers)
        body = self._body(invitation, checked, now)
        bodies = self._data.own(caller, ANSWERS)
        if claim is None:
            receipt = f"ans_{secrets.token_hex(12)}"
            try:
                await claims.insert_one(
                    {
                        "_id": survey_id,
                        "member_id": caller.subject,
                        "receipt": receipt,
                        "claimed_at": now,
                    }
                )
            except DuplicateKeyError as exc:
                raise ConflictError("you have answered this survey already; thank you") from exc
        else:
            # A claim an interrupted answer left: finish that one, or take its place.
            receipt = claim["receipt"]
            earlier = await bodies.find_one({"_id": receipt})
            if earlier is not None:
                await self._settle(
                    caller.organisation, invitation, receipt, earlier, claim["claimed_at"]
                )
                raise ConflictError("you have answered this survey already; thank you")
        try:
            await bodies.insert_one({"_id": receipt, **body})
        except DuplicateKeyError as exc:
            raise ConflictError("you have answered this survey already; thank you") from exc
        await self._settle(caller.organisation, invitation, receipt, body, now)
        return AnswerReceipt(
            survey_id=survey_id,
            answered_on=now.date().isoformat(),
            scores_shared=sorted(checked.scores),
        )

    # --- for the review and erasure (no caller) ------------------------------------------

    async def invite(self, organisation_id: str, invitations: Sequence[Document]) -> int:
        """Record surveys due to members of one organisation (each once, by its id), each new
        one announced by `survey.sent` in the same write; how many were new."""
        return await self._outbox.insert_new(
            self._data.system_organisation(organisation_id, INVITATIONS),
            [(i, [_sent(organisation_id, i)]) for i in invitations],
        )

    async def answered_among(self, organisation_id: str, survey_ids: Iterable[str]) -> set[str]:
        """Which of these surveys have been answered."""
        return await self._answered(
            self._data.system_organisation(organisation_id, RESPONDENTS), survey_ids
        )

    async def settle_interrupted(self, organisation_id: str) -> int:
        """Finish or withdraw the claims a crash left holding their receipt; how many."""
        claims = self._data.system_organisation(organisation_id, RESPONDENTS)
        cutoff = self._clock() - UNSETTLED_AFTER
        settled = 0
        async for claim in claims.find(
            {"receipt": {"$exists": True}, "claimed_at": {"$lt": cutoff}}
        ):
            receipt = claim["receipt"]
            body = await self._data.system_organisation(organisation_id, ANSWERS).find_one(
                {"_id": receipt}
            )
            invitation = await self._data.system_organisation(
                organisation_id, INVITATIONS
            ).find_one({"_id": claim["_id"]})
            if body is not None and invitation is not None:
                await self._settle(organisation_id, invitation, receipt, body, claim["claimed_at"])
            else:
                await claims.delete_one({"_id": claim["_id"], "receipt": receipt})
            settled += 1
        if settled:
            log.info("interrupted survey answers settled", count=settled)
        return settled

    async def forget(self, organisation_id: str, member_id: str) -> None:
        """An erased member's surveys, claims, and any answer still traceable to them, go.
        Settled answers carry nothing that leads back to them and stay (docs/security.md)."""
        claims = self._data.system_organisation(organisation_id, RESPONDENTS)
        traceable = [
            c["receipt"]
            async for c in claims.find({"member_id": member_id, "receipt": {"$exists": True}})
        ]
        if traceable:
            await self._data.system_organisation(organisation_id, ANSWERS).delete_many(
                {"_id": {"$in": traceable}}
            )
        await claims.delete_many({"member_id": member_id})
        await self._data.system_organisation(organisation_id, INVITATIONS).delete_many(
            {"member_id": member_id}
        )

    # --- inside ----------------------------------------------------------------------------

    async def _invitation(self, caller: Principal, survey_id: str) -> Document:
        if caller.kind is CallerKind.MEMBER:
            invitation = await self._data.own(caller, INVITATIONS).find_one(
                {"_id": survey_id, "member_id": caller.subject}
            )
            if invitation is not None:
                return invitation
        raise NotFoundError(f"no survey {survey_id!r} for you")

    @staticmethod
    async def _answered(claims: AsyncCollection[Document], survey_ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(survey_ids))
        if not wanted:
            return set()
        found = claims.find(
            {"_id": {"$in": wanted}, "receipt": {"$exists": False}}, projection={"_id": 1}
        )
        return {d["_id"] async for d in found}

    async def _view(self, invitation: Document, answered: bool) -> DueSurvey | None:
        template = await self._templates.exact(
            invitation["template_id"], invitation["template_version"]
        )
        if template is None:
            return None
        return DueSurvey(
            id=invitation["_id"],
            title=template.title,
            kind=template.kind,
            introduction=template.introduction,
            questions=template.questions,
            programme_id=invitation["programme_id"],
            relationship_id=invitation["relationship_id"],
            role=invitation["role"],
            opens_at=invitation["opens_at"],
            closes_at=invitation["closes_at"],
            answered=answered,
        )

    @staticmethod
    def _body(invitation: Document, checked: CheckedAnswers, now: datetime) -> Document:
        """The answer body: nothing in it names the person, the survey or the relationship."""
        return {
            "programme_id": invitation["programme_id"],
            "template_id": invitation["template_id"],
            "template_version": invitation["template_version"],
            "kind": invitation["kind"],
            "respondent_role": invitation["role"],
            "scores": checked.scores,
            "choices": checked.choices,
            "texts": checked.texts,
            "week": _week(now),
        }

    async def _settle(
        self,
        organisation_id: str,
        invitation: Document,
        receipt: str,
        body: Document,
        completed_at: datetime,
    ) -> None:
        """Step 3: the claim forgets the receipt and announces the scores, once."""
        completed = SurveyCompleted(
            survey_id=invitation["_id"],
            template_id=invitation["template_id"],
            template_version=invitation["template_version"],
            kind=invitation["kind"],
            programme_id=invitation["programme_id"],
            relationship_id=invitation["relationship_id"],
            organisation_id=organisation_id,
            respondent_role=invitation["role"],
            scores=dict(body["scores"]),
            completed_at=completed_at,
        )
        event = new_event(completed, organisation=organisation_id, subject=invitation["_id"])
        await self._outbox.update(
            self._data.system_organisation(organisation_id, RESPONDENTS),
            invitation["_id"],
            {
                "$unset": {"receipt": "", "claimed_at": ""},
                "$set": {"answered_on": completed_at.date().isoformat()},
            },
            [event],
            condition={"receipt": receipt},
        )


def _sent(organisation_id: str, invitation: Document) -> Envelope:
    """`survey.sent` for a new invitation: who, which survey, when it opens, closes and is
    reminded of; never the questions."""
    data = SurveySent(
        survey_id=invitation["_id"],
        member_id=invitation["member_id"],
        organisation_id=organisation_id,
        programme_id=invitation["programme_id"],
        relationship_id=invitation.get("relationship_id"),
        kind=invitation["kind"],
        opens_at=invitation["opens_at"],
        closes_at=invitation["closes_at"],
        remind_at=invitation["remind_from"],
    )
    return new_event(data, organisation=organisation_id, subject=invitation["_id"])
