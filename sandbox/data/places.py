"""The fictional borough of Riverside: its towns and the words its street names are made of."""

from __future__ import annotations

TOWNS = ("Riverside", "Northgate", "Quayside", "Eastholme", "Millbrook", "Westferry", "Ashby Vale", "Kingsmead")
STREET_TYPES = ("Road", "Street", "Close", "Avenue", "Lane", "Crescent", "Gardens", "Way", "Drive", "Grove", "Terrace")
STREET_STEMS = (
    "Station", "Church", "Mill", "Park", "Victoria", "Albert", "Queens", "Kings", "Meadow", "Orchard", "Willow",
    "Beech", "Chestnut", "Brook", "Riverside", "Northgate", "Quay", "Harbour", "Market", "Chapel", "Elm", "Rowan",
)
SCHOOL_PLACES = (
    "Riverside", "Northgate", "Quayside", "Eastholme", "Millbrook", "Westferry", "Ashby Vale", "Kingsmead",
    "Hollins Park", "Fernlea", "Brookfield", "Greenacres",
)
COUNCIL = "Riverside Borough Council"
COUNCIL_ADDRESS = "Riverside Civic Centre, 1 Quayside, Riverside"
