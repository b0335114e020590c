"""Generated demo people: believable, varied, and the same on every run (a fixed seed)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

FIRST = [
    "Aroha",
    "Ben",
    "Chloe",
    "Dev",
    "Ema",
    "Finn",
    "Grace",
    "Hemi",
    "Isla",
    "Jack",
    "Kiri",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Priya",
    "Quinn",
    "Rawiri",
    "Sofia",
    "Tom",
    "Uma",
    "Vikram",
    "Wiremu",
    "Xia",
    "Yusuf",
    "Zara",
]
LAST = [
    "Smith",
    "Ngata",
    "Patel",
    "O'Brien",
    "Williams",
    "Chen",
    "Jones",
    "Tane",
    "Evans",
    "Kaur",
    "Murphy",
    "Walker",
    "Singh",
    "Brown",
    "Davies",
    "Te Whata",
]
SKILLS = [
    "safeguarding",
    "service design",
    "budgeting",
    "coaching",
    "project management",
    "data analysis",
    "public speaking",
    "negotiation",
    "team leadership",
    "writing bids",
    "stakeholder engagement",
    "change management",
    "quality improvement",
    "recruitment",
    "digital tools",
    "conflict resolution",
    "strategic planning",
    "supervision",
]
GOALS = [
    "lead a team through change",
    "build confidence presenting to boards",
    "move into a management role",
    "learn to delegate",
    "understand finance better",
    "grow a professional network across sectors",
    "balance workload and wellbeing",
    "prepare for a senior practitioner role",
]


def demo_rows(
    domain: str, sector: str, country: str, count: int, seed: int
) -> list[dict[str, Any]]:
    """`count` members for the bulk import (JSON rows): profiles a matching round can use."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    zone = "Pacific/Auckland" if country == "NZ" else "Europe/London"
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        trained = rng.random() < 0.35
        rows.append(
            {
                "email": f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}"
                f".{n}@{domain}",
                "display_name": f"{first} {last}",
                "skills": rng.sample(SKILLS, rng.randint(2, 5)),
                "development_goals": rng.sample(GOALS, rng.randint(1, 2)),
                "sector": sector,
                "job_level": rng.choice(["entry", "practitioner", "senior", "manager", "director"]),
                "time_zone": zone,
                "languages": ["en", "mi"] if country == "NZ" and rng.random() < 0.3 else ["en"],
                "meeting_modes": rng.sample(
                    ["video", "face_to_face", "telephone", "messaging"], rng.randint(1, 3)
                ),
                "mentor_capacity": rng.randint(1, 3) if trained else 0,
                "mentor_training_completed_on": str(
                    date.today() - timedelta(days=rng.randint(10, 400))
                )
                if trained
                else None,
                "mentee_induction_completed_on": str(
                    date.today() - timedelta(days=rng.randint(5, 200))
                )
                if rng.random() < 0.7
                else None,
                # EMCC accreditation is the organisation's record too (cohort mentors': set).
                "emcc_level": None,
            }
        )
    return rows
