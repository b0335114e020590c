"""The network's codes in the words people use, from the seed documents.

Phases are Resource 17's lifecycle (SSSC, "Mentoring: Supporting and Promoting Professional
Development and Learning", seed 002); the matching criteria are the five Cs of the NIHR guide
"Before embarking on a mentoring relationship" (seed 003); circle formats come from "The Power
of Peer Mentoring" (seed 001). Pure: no I/O.
"""

from __future__ import annotations

PHASES = {
    "building_rapport": "Building rapport",
    "setting_direction": "Setting direction",
    "progression": "Making progress",
    "winding_up": "Winding up",
    "moving_on": "Moving on",
}
PHASE_HINTS = {
    "building_rapport": "Getting to know each other and agreeing how you will work together.",
    "setting_direction": "Agreeing goals and what success will look like.",
    "progression": "Working on the goals, meeting by meeting.",
    "winding_up": "Reviewing what was achieved and preparing to close.",
    "moving_on": "Closing well, and deciding what comes next.",
}
END_REASONS = {
    "goals_achieved": "We achieved what we set out to do",
    "no_time": "One of us no longer has the time",
    "not_a_good_fit": "It is not a good fit",
    "changed_role": "A change of role",
    "left_organisation": "Leaving the organisation",
    "personal_circumstances": "Personal circumstances",
    "programme_ended": "The programme has ended",
    "other": "Another reason",
    "left_the_network": "Left the network",
}
# A reason only the network gives (an erased party); nobody picks it.
END_REASONS_TO_CHOOSE = {k: v for k, v in END_REASONS.items() if k != "left_the_network"}
DECLINE_REASONS = {
    "not_a_good_fit": "I don't think we'd be a good fit",
    "no_time": "I don't have the time right now",
    "circumstances_changed": "My circumstances have changed",
    "prefer_not_to_say": "I'd rather not say",
}
CRITERIA = {
    "goals_skills": (
        "Your goals and their skills",
        "What one wants to learn meets what the other can offer.",
    ),
    "compatibility": (
        "Compatibility",
        "Someone who puts you at ease, whom you can talk with freely.",
    ),
    "contrast": ("Contrast", "Someone different enough to take you out of your comfort zone."),
    "challenge": ("Challenge", "Someone who asks the questions that change your perspective."),
    "context": ("Context", "Someone with the knowledge to guide you on your journey."),
    "care": ("Care", "Someone compassionate, self-aware and empathetic."),
}
# Seed 003 (the NIHR guide "Before embarking on a mentoring relationship"): the roles a mentor
# takes, and the eight EMCC competence categories.
MENTOR_ROLES = {
    "guide": "Guide: helps you think through options and find your way",
    "confidant": "Confidant: unconditional support, to share your deepest thoughts",
    "professional_friend": "Professional friend: a safe space to talk about work and colleagues",
    "sounding_board": "Sounding board: tests your ideas and opinions",
    "challenger": "Challenger: challenge and critical debate, to change your views",
    "performance_coach": "Performance coach: focused support to improve your performance",
    "reflector": "Reflector: holds up a mirror to help you make sense of things",
    "role_model": "Role model: an example to learn from, with stories of their own",
}
EMCC_COMPETENCES = {
    "understanding_self": "Understanding self",
    "commitment_to_self_development": "Commitment to self-development",
    "managing_the_contract": "Managing the contract",
    "building_the_relationship": "Building the relationship",
    "enabling_insight_and_learning": "Enabling insight and learning",
    "outcome_and_action_orientation": "Outcome and action orientation",
    "use_of_models_and_techniques": "Use of models and techniques",
    "evaluation": "Evaluation",
}
METHODS = {
    "face_to_face": "Face to face",
    "telephone": "Telephone",
    "video": "Video call",
    "messaging": "Messaging",
    "other": "Another way",
}
MODELS = {
    "one_to_one": "One-to-one mentoring",
    "group": "Group mentoring (one mentor, up to four mentees)",
    "two_by_two": "Two-by-two mentoring",
    "team": "Team mentoring",
    "peer_circle": "Peer circle (all equals)",
    "x_market_circle": "X Market circle (people from different organisations and sectors)",
}
ROLES = {"mentor": "Mentor", "mentee": "Mentee", "peer": "Peer"}
PROPOSAL_STATUSES = {
    "proposed": "Suggested, waiting for the co-ordinator",
    "approved": "Approved by the co-ordinator",
    "accepted": "Accepted by you both",
    "declined": "Declined",
    "rejected": "Not taken forward",
}
CIRCLE_FORMATS = {
    "good_news_analysis": "Good News Analysis",
    "critical_incident": "Critical-incident peer feedback",
    "veridical_report": "Veridical Report",
}
CIRCLE_FORMAT_HINTS = {
    "good_news_analysis": "Tell a story of something that went unusually well; the circle says "
    "what contributed to it; you say what stands out for you.",
    "critical_incident": "Present an incident you would like to handle better; peers ask "
    "clarifying questions, give feedback from their own experience, then positive feedback; "
    "you respond.",
    "veridical_report": "One tells of a problem; another tells how they dealt with something "
    "like it, warts and all; the first says what they think now.",
}
CIRCLE_STEP_HINTS = {
    "presentation": "Present the incident: what you did or didn't do, thought and felt.",
    "clarifying_questions": "Peers ask clarifying questions, for a few minutes.",
    "peer_feedback": "Peers take turns: a similar experience of their own, one thing that "
    "worked and one question mark. You listen in silence.",
    "positive_feedback": "Peers say what genuinely impressed them.",
    "response": "You say what you think now, what you learnt, and what you will do.",
}
CIRCLE_STEPS = {
    "presentation": "Presentation",
    "clarifying_questions": "Clarifying questions",
    "peer_feedback": "Peer feedback",
    "positive_feedback": "Positive feedback",
    "response": "Response",
}
STEP_OWNERS = {"mentor": "Mentor", "mentee": "Mentee", "both": "Both of us"}
PROGRAMME_STATUSES = {
    "draft": "Being designed",
    "open": "Open for enrolment",
    "running": "Running",
    "closed": "Closed",
}


def words(table: dict[str, str], code: str | None) -> str:
    """A code in words (the code itself, tidied, if the table does not know it)."""
    if code is None:
        return ""
    return table.get(code, code.replace("_", " ").capitalize())


# Matches, programmes, profile and surveys ---------------------------------------------------
# Job levels as the registry keeps them (for seed 003's "challenge": a useful gap in seniority).
JOB_LEVELS = {
    "entry": "Entry level",
    "practitioner": "Practitioner",
    "senior": "Senior practitioner",
    "manager": "Manager",
    "director": "Director",
    "executive": "Executive",
}
# How a pair can meet (seed 002: face-to-face, telephone, e-mentoring).
MEETING_MODES = {
    "face_to_face": "Face to face",
    "telephone": "Telephone",
    "video": "Video call",
    "messaging": "Messaging (e-mentoring)",
}
WEEKDAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
ROLES_AS = {"mentor": "a mentor", "mentee": "a mentee", "peer": "a peer"}
SURVEY_KINDS = {
    "pulse": "A quick check on how your relationship is going",
    "mentor": "For mentors, about the programme",
    "mentee": "For mentees, about the programme",
}
# Meetings, meeting logs and the action plan (seed 002: Resources 12, 13, 15 and 16).
MEETING_STATUSES = {"planned": "Planned", "held": "Held", "cancelled": "Cancelled"}
GOAL_TERMS = {"long": "Long-term goal", "short": "Short-term goal"}
# Two-way mentoring (seed 004, "Mentoring - How?, Who?, Where?"): which way it went.
DIRECTIONS = {
    "mentor_to_mentee": "The mentor mentored the mentee",
    "mentee_to_mentor": "The mentee mentored the mentor",
    "both": "Both ways",
}
GOAL_DIRECTIONS = {
    "mentor_to_mentee": "The mentee's goal: the mentor mentors them towards it",
    "mentee_to_mentor": "The mentor's goal: the mentee mentors them towards it",
}
OSKAR_HINT = (
    "0 is where you would be with no progress at all, 10 is the goal fully reached: "
    "where are you now?"
)
GROW_STEPS = {
    "goal": ("Goal", "What do you want to achieve, in this session and in the longer term?"),
    "reality": ("Reality", "Where are you just now in relation to your goal?"),
    "options": ("Options", "What can you do as a next step towards achieving your goal?"),
    "way_forward": ("Way forward", "Which option will you take, and when?"),
}
# The network co-ordinator's workspace: organisations' headcount bands (the registry's; the
# "X Market Journey" of "Mentoring - How?, Who?, Where?" mixes organisations of every size).
ORGANISATION_SIZES = {
    "micro": "Fewer than 10 people",
    "small": "10 to 49 people",
    "medium": "50 to 249 people",
    "large": "250 people or more",
}
