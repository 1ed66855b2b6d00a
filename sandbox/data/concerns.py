"""What referrals are about: the concern categories the forms offer, and short free-text details.

The details read like what professionals write on a form, kept brief and non-graphic; they
name only the (synthetic) child's forename, and each fits the child's age (no school worries
for a baby, no two-year review for a teenager).
"""

from __future__ import annotations

import random

CONCERN_CATEGORIES = (
    "Emotional wellbeing", "Neglect", "Physical abuse", "Emotional abuse", "Sexual abuse", "Domestic abuse",
    "Child development", "School attendance", "Self-harm", "Parenting support",
)
CATEGORY_WEIGHTS = dict(zip(CONCERN_CATEGORIES, (25, 12, 8, 8, 3, 12, 10, 8, 7, 7)))

# category -> (youngest, oldest, text); {name} is the forename, {they} she/he/they
_DETAILS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "Emotional wellbeing": (
        (5, 17, "{name} has been tearful in class most days for several weeks and says {they} cannot sleep. "
                "Parent agrees to a referral for support."),
        (8, 17, "{name} is withdrawn, has stopped attending clubs and has told staff about feeling anxious all "
                "the time."),
    ),
    "Neglect": (
        (2, 17, "{name} often arrives hungry and in the same clothes for several days. Home visit found little "
                "food in the house."),
        (0, 17, "Missed health appointments (three in six months) and untreated dental pain reported for {name}."),
        (0, 2, "{name} was seen in a soiled nappy with severe nappy rash at two home visits; the home was cold."),
    ),
    "Physical abuse": (
        (4, 17, "Bruising to {name}'s upper arm noticed at school; the explanation given was inconsistent."),
        (5, 17, "{name} disclosed being hit at home at the weekend. Marks seen and recorded by the school nurse."),
        (0, 1, "Health visitor saw bruising on {name}, who is not yet mobile; parent could not explain it."),
    ),
    "Emotional abuse": (
        (6, 17, "{name} describes being shouted at and called worthless at home; presents as very low."),
        (3, 11, "Staff have heard a parent repeatedly belittle {name} at the school gate."),
    ),
    "Sexual abuse": (
        (5, 17, "Disclosure made by {name} to a trusted adult; details recorded separately and shared with police."),
    ),
    "Domestic abuse": (
        (0, 17, "Police attended the family home after a domestic incident; {name} was present."),
        (0, 17, "Parent disclosed ongoing domestic abuse from a partner; {name} lives in the household."),
    ),
    "Child development": (
        (1, 3, "Concerns about {name}'s speech and language and toileting at the two-year review; family would "
               "like help."),
        (0, 6, "{name} is not meeting developmental milestones and the family has not engaged with follow-up."),
    ),
    "School attendance": (
        (5, 16, "{name}'s attendance is below 70% this term with unexplained absences; letters home have had "
                "no reply."),
    ),
    "Self-harm": (
        (10, 17, "{name} has disclosed cutting and thoughts of self-harm. Safety plan agreed today; parent "
                 "informed."),
        (11, 17, "Marks consistent with self-harm seen on {name}'s forearm during PE."),
    ),
    "Parenting support": (
        (2, 17, "Parent is struggling with {name}'s behaviour at home and has asked for parenting support."),
        (0, 17, "Family recently moved to the area and has no support network; parent asks for early help."),
    ),
}


def choose_concern(rng: random.Random, age: int, forename: str, gender: str) -> tuple[str, str]:
    """A concern category that fits a child of ``age`` (weighted as referrals come in) and its details."""
    fitting = {c: [t for lo, hi, t in _DETAILS[c] if lo <= age <= hi] for c in CONCERN_CATEGORIES}
    categories = [c for c in CONCERN_CATEGORIES if fitting[c]]
    category = rng.choices(categories, weights=[CATEGORY_WEIGHTS[c] for c in categories])[0]
    they = {"Female": "she", "Male": "he"}.get(gender, "they")
    return category, rng.choice(fitting[category]).format(name=forename, they=they)
