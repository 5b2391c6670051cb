"""The 30 NBA teams: abbreviation, NBA team id, and the full names sources use for them."""

from __future__ import annotations

TEAMS: dict[str, tuple[int, str]] = {
    "ATL": (1610612737, "Atlanta Hawks"),
    "BKN": (1610612751, "Brooklyn Nets"),
    "BOS": (1610612738, "Boston Celtics"),
    "CHA": (1610612766, "Charlotte Hornets"),
    "CHI": (1610612741, "Chicago Bulls"),
    "CLE": (1610612739, "Cleveland Cavaliers"),
    "DAL": (1610612742, "Dallas Mavericks"),
    "DEN": (1610612743, "Denver Nuggets"),
    "DET": (1610612765, "Detroit Pistons"),
    "GSW": (1610612744, "Golden State Warriors"),
    "HOU": (1610612745, "Houston Rockets"),
    "IND": (1610612754, "Indiana Pacers"),
    "LAC": (1610612746, "Los Angeles Clippers"),
    "LAL": (1610612747, "Los Angeles Lakers"),
    "MEM": (1610612763, "Memphis Grizzlies"),
    "MIA": (1610612748, "Miami Heat"),
    "MIL": (1610612749, "Milwaukee Bucks"),
    "MIN": (1610612750, "Minnesota Timberwolves"),
    "NOP": (1610612740, "New Orleans Pelicans"),
    "NYK": (1610612752, "New York Knicks"),
    "OKC": (1610612760, "Oklahoma City Thunder"),
    "ORL": (1610612753, "Orlando Magic"),
    "PHI": (1610612755, "Philadelphia 76ers"),
    "PHX": (1610612756, "Phoenix Suns"),
    "POR": (1610612757, "Portland Trail Blazers"),
    "SAC": (1610612758, "Sacramento Kings"),
    "SAS": (1610612759, "San Antonio Spurs"),
    "TOR": (1610612761, "Toronto Raptors"),
    "UTA": (1610612762, "Utah Jazz"),
    "WAS": (1610612764, "Washington Wizards"),
}

# Other spellings seen in real sources (stats.nba.com, The Odds API, sportsbookreview, old codes).
_EXTRA_NAMES: dict[str, str] = {
    "LA Clippers": "LAC",
    "Los Angeles Clippers": "LAC",
    "Charlotte Bobcats": "CHA",
    "New Orleans Hornets": "NOP",
    "NJN": "BKN",
    "BRK": "BKN",
    "PHO": "PHX",
    "GS": "GSW",
    "NO": "NOP",
    "NOH": "NOP",
    "NY": "NYK",
    "SA": "SAS",
    "UTAH": "UTA",
    "WSH": "WAS",
    "CHO": "CHA",
}

TEAM_ID_TO_ABBR: dict[int, str] = {team_id: abbr for abbr, (team_id, _) in TEAMS.items()}


def _name_index() -> dict[str, str]:
    index = {abbr.lower(): abbr for abbr in TEAMS}
    index.update({name.lower(): abbr for abbr, (_, name) in TEAMS.items()})
    index.update({name.lower(): abbr for name, abbr in _EXTRA_NAMES.items()})
    # Nicknames alone ("Celtics", "Trail Blazers", "76ers") as used by live feeds.
    index.update({name.split(" ", 2)[-1].lower(): abbr for abbr, (_, name) in TEAMS.items()})
    index["trail blazers"] = "POR"
    return index


_NAME_INDEX = _name_index()


def team_abbr(name: str | None) -> str | None:
    """Return the NBA abbreviation for a team name, nickname or abbreviation; None if unknown."""
    if name is None:
        return None
    return _NAME_INDEX.get(str(name).strip().lower())
