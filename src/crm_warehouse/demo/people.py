"""Customers held compactly (typed arrays), so that millions fit in a few tens of MB.

A customer's name and email are derived from small stored indexes, never stored as text.
"""

from __future__ import annotations

import random
import re
from array import array

from crm_warehouse.demo._random import Chooser
from crm_warehouse.demo.catalog import (
    BRACKETS,
    EMAIL_DOMAINS,
    FEMALE_FIRST_NAMES,
    GENDERS,
    LAST_NAMES,
    LOCATIONS,
    MALE_FIRST_NAMES,
    NEUTRAL_FIRST_NAMES,
)

FIRST_NAMES_BY_GENDER = (MALE_FIRST_NAMES, FEMALE_FIRST_NAMES, NEUTRAL_FIRST_NAMES)
_NOT_EMAIL = re.compile(r"[^a-z]")
LOCATION_CHOOSER: Chooser[str] = Chooser([c for c, _ in LOCATIONS], [w for _, w in LOCATIONS])


def email_part(name: str) -> str:
    return _NOT_EMAIL.sub("", name.lower())


def customer_email(first: str, last: str, customer_id: int, domain: str) -> str:
    """Always ends in the customer id before the '@', so emails are unique by construction."""
    return f"{email_part(first)}.{email_part(last)}{customer_id}@{domain}"


def draw_age(rng: random.Random) -> int:
    return int(rng.triangular(18, 76, 33))


class Customers:
    """Attributes of customers 1..n, indexed by ``customer_id - 1``."""

    def __init__(self) -> None:
        self.gender = array("B")
        self.bracket = array("B")
        self.age = array("B")
        self.first = array("H")
        self.last = array("H")
        self.domain = array("B")

    def __len__(self) -> int:
        return len(self.gender)

    def add(self, rng: random.Random, gender: int, bracket: int) -> int:
        """Register a new customer; returns its id."""
        self.gender.append(gender)
        self.bracket.append(bracket)
        self.age.append(draw_age(rng))
        self.first.append(rng.randrange(len(FIRST_NAMES_BY_GENDER[gender])))
        self.last.append(rng.randrange(len(LAST_NAMES)))
        self.domain.append(rng.randrange(len(EMAIL_DOMAINS)))
        return len(self.gender)

    def first_name(self, customer_id: int) -> str:
        i = customer_id - 1
        return FIRST_NAMES_BY_GENDER[self.gender[i]][self.first[i]]

    def full_name(self, customer_id: int) -> str:
        return f"{self.first_name(customer_id)} {LAST_NAMES[self.last[customer_id - 1]]}"

    def email(self, customer_id: int) -> str:
        i = customer_id - 1
        return customer_email(
            self.first_name(customer_id),
            LAST_NAMES[self.last[i]],
            customer_id,
            EMAIL_DOMAINS[self.domain[i]],
        )

    def gender_name(self, customer_id: int) -> str:
        return GENDERS[self.gender[customer_id - 1]]

    def bracket_name(self, customer_id: int) -> str:
        return BRACKETS[self.bracket[customer_id - 1]]
