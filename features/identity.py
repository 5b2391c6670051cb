"""Player identity: normalise sportsbook player names and resolve them to NBA player ids."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from features.teams import team_abbr

RESOLUTIONS: tuple[str, ...] = ("exact", "alias", "initial", "reversed", "unresolved")
SUFFIXES: frozenset[str] = frozenset({"jr", "sr", "ii", "iii", "iv"})

# Normalised prop name -> normalised NBA name (stats.nba.com spelling).
PLAYER_ALIASES: dict[str, str] = {
    # README section 6.
    "herb jones": "herbert jones",
    "moe wagner": "moritz wagner",
    "nicolas claxton": "nic claxton",
    "carlton carrington": "bub carrington",
    "ron holland": "ronald holland",
    "vincent williams": "vince williams",
    "bj boston": "brandon boston",
    "kenyon martin": "kj martin",
    "cam johnson": "cameron johnson",
    "cameron thomas": "cam thomas",
    "joshua giddey": "josh giddey",
    "obadiah toppin": "obi toppin",
    "mohamed bamba": "mo bamba",
    "nicholas batum": "nicolas batum",
    "james huff": "jay huff",
    # Found by measuring the bundled prop files (benchmarks/join_rate.py).
    "gregory jackson": "gg jackson",
    "bojan bogdanovich": "bojan bogdanovic",
    "danilo galinari": "danilo gallinari",
    # Full legal names in the 2023-24 PRA file.
    "alfred joel horford reynoso": "al horford",
    "brook robert lopez": "brook lopez",
    "christian james mccollum": "cj mccollum",
    "edrice femi adebayo": "bam adebayo",
    "eric ambrose gordon": "eric gordon",
    "kevin devon knox": "kevin knox",
    "ishmael larry smith": "ish smith",
}

_PAREN = re.compile(r"\([^)]*\)")
_SPACES = re.compile(r"\s+")
_SEPARATORS = str.maketrans({"-": " ", "'": " ", "\u2019": " ", "\u2018": " ", "`": " ", ".": ""})


def _strip_accents(text: str) -> str:
    """Return text folded to ASCII (NFKD decomposition, combining marks dropped)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _is_suffix(part: str) -> bool:
    """Return whether a name part is only a generational suffix ("Jr.", "III")."""
    return part.replace(".", "").strip().lower() in SUFFIXES


def _unreverse(name: str) -> str:
    """Turn "Last, First" into "First Last"; a comma before a suffix ("Tillman, Sr.") is kept in place."""
    parts = [p.strip() for p in name.split(",") if p.strip()]
    names = [p for p in parts if not _is_suffix(p)]
    if len(names) == 2:
        return f"{names[1]} {names[0]}"
    return " ".join(names)


def is_reversed(name: str) -> bool:
    """Return whether a raw name is written "Last, First"."""
    parts = [p for p in str(name).split(",") if p.strip()]
    return len([p for p in parts if not _is_suffix(p)]) == 2


def normalize_name(name: str) -> str:
    """Return the join key of a player name: ASCII, lower case, no punctuation or suffix."""
    text = _PAREN.sub(" ", str(name))
    if "," in text:
        text = _unreverse(text)
    text = _strip_accents(text.translate(_SEPARATORS)).lower()
    tokens = text.split()
    kept = [t for i, t in enumerate(tokens) if i == 0 or t not in SUFFIXES]
    return _SPACES.sub(" ", " ".join(kept)).strip()


def normalize_names(names: pd.Series) -> pd.Series:
    """Vectorised normalize_name (each distinct name is normalised once)."""
    uniques = pd.Series(names.dropna().unique())
    mapping = dict(zip(uniques, uniques.map(normalize_name), strict=True))
    return names.map(mapping).astype("object")


def _surname_keys(norm: str) -> list[str]:
    """Return the surname keys of a normalised name: all tokens after the first, and the last token."""
    tokens = norm.split()
    if len(tokens) < 2:
        return []
    return sorted({" ".join(tokens[1:]), tokens[-1]})


def _abbreviated_first(raw: str, norm: str) -> str | None:
    """Return the first-name prefix of an abbreviated name ("G Antetokounmpo", "Mil. Bridges"), else None."""
    tokens = norm.split()
    if len(tokens) < 2:
        return None
    first_raw = _PAREN.sub(" ", raw).split()[0] if raw.split() else ""
    if len(tokens[0]) == 1 or (first_raw.endswith(".") and len(tokens[0]) <= 3):
        return tokens[0]
    return None


def _rotations(norm: str) -> list[str]:
    """Return the token rotations of a name that would undo a "Last First" order."""
    tokens = norm.split()
    if len(tokens) < 2:
        return []
    out = {" ".join([tokens[-1], *tokens[:-1]]), " ".join([*tokens[1:], tokens[0]])}
    out.discard(norm)
    return sorted(out)


def _prefix_index(surnames: pd.DataFrame, wanted: pd.DataFrame) -> pd.DataFrame:
    """Return (key, prefix, player_id) for players whose surname is key and first name starts with prefix."""
    index = surnames.merge(wanted.drop_duplicates(), on="key")
    starts = pd.Series(
        [f.startswith(p) for f, p in zip(index["first"], index["prefix"], strict=True)],
        index=index.index,
        dtype=bool,
    )
    return index.loc[starts, ["key", "prefix", "player_id"]]


def _as_abbr(teams: pd.Series) -> pd.Series:
    """Map team names or abbreviations to NBA abbreviations (unknown values kept)."""
    uniques = teams.dropna().astype(str).unique()
    mapping = {t: team_abbr(t) or t for t in uniques}
    return teams.map(mapping)


def _team_as_of(cands: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """Return each candidate's most recent team on or before its game date (NaN if none)."""
    left = cands.loc[cands["game_date"].notna(), ["_cid", "player_id", "game_date"]]
    left = left.sort_values("game_date", kind="stable")
    merged = pd.merge_asof(
        left,
        history,
        on="game_date",
        by="player_id",
        direction="backward",
        allow_exact_matches=True,
    )
    teams = merged.set_index("_cid")["team_abbr"].reindex(cands["_cid"])
    return pd.Series(teams.to_numpy(), index=cands.index, dtype="object")


def _match(
    keys: pd.DataFrame,
    index: pd.DataFrame,
    history: pd.DataFrame,
    *,
    within_game: bool,
) -> pd.DataFrame:
    """Resolve keys (_kid, game_date, home, away + index columns) to a unique player_id in index."""
    on = [c for c in index.columns if c != "player_id"]
    cands = keys.merge(index, on=on, how="inner")
    if cands.empty:
        return pd.DataFrame({"_kid": pd.Series(dtype="int64"), "player_id": pd.Series(dtype=str)})
    cands = cands.drop_duplicates(["_kid", "player_id"]).reset_index(drop=True)
    cands["_cid"] = range(len(cands))
    cands["team"] = _team_as_of(cands, history)
    if within_game:
        ok = (cands["team"] == cands["home"]) | (cands["team"] == cands["away"])
    else:
        ok = cands["team"].notna()
    cands = cands[ok]
    counts = cands.groupby("_kid")["player_id"].transform("nunique")
    return cands.loc[counts == 1, ["_kid", "player_id"]]


def _player_tables(players: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Build the team history (as-of sorted), the name index and the initial index of players."""
    ids = players["player_id"].astype(str)
    history = pd.DataFrame(
        {
            "player_id": ids,
            "game_date": pd.to_datetime(players["game_date"]).dt.tz_localize(None).dt.normalize(),
            "team_abbr": _as_abbr(players["team_abbr"]),
        }
    )
    history = history.drop_duplicates(["player_id", "game_date"], keep="last")
    history = history.sort_values("game_date", kind="stable").reset_index(drop=True)
    names = pd.DataFrame({"player_id": ids, "key": normalize_names(players["player_name"])})
    names = names.drop_duplicates().reset_index(drop=True)
    surnames = names.assign(
        first=names["key"].str.split(" ").str[0], key=names["key"].map(_surname_keys)
    ).explode("key")
    surnames = surnames[surnames["key"].notna()].drop_duplicates()
    return history, names, surnames.reset_index(drop=True)


def resolve_player_ids(names: pd.DataFrame, players: pd.DataFrame) -> pd.DataFrame:
    """Add player_id (nullable) and resolution to prop rows matched by name within the game's two teams."""
    game_date = pd.to_datetime(names["game_date"])
    if isinstance(game_date.dtype, pd.DatetimeTZDtype):
        game_date = game_date.dt.tz_localize(None)
    rows = pd.DataFrame(
        {
            "raw": names["player_name"].astype(str).to_numpy(),
            "game_date": game_date.dt.normalize().to_numpy(),
            "home": _as_abbr(names["home_team"]).to_numpy(),
            "away": _as_abbr(names["away_team"]).to_numpy(),
        }
    )
    keys = rows.drop_duplicates().reset_index(drop=True)
    keys["_kid"] = range(len(keys))
    keys["norm"] = normalize_names(keys["raw"])
    keys["reversed"] = keys["raw"].map(is_reversed)
    history, name_index, surname_index = _player_tables(players)

    keys["player_id"] = pd.Series(pd.NA, index=keys.index, dtype="string")
    keys["resolution"] = "unresolved"

    def assign(found: pd.DataFrame, label: str | pd.Series) -> None:
        """Record matches for keys still unresolved."""
        pos = keys.index[keys["_kid"].isin(found["_kid"])]
        pos = pos[keys.loc[pos, "resolution"] == "unresolved"]
        ids = found.drop_duplicates("_kid").set_index("_kid")["player_id"]
        keys.loc[pos, "player_id"] = keys.loc[pos, "_kid"].map(ids).astype("string")
        keys.loc[pos, "resolution"] = label if isinstance(label, str) else label.loc[pos]

    def pending(key: pd.Series) -> pd.DataFrame:
        """Return unresolved keys with the given candidate name column as `key`."""
        todo = keys["resolution"] == "unresolved"
        out = keys.loc[todo, ["_kid", "game_date", "home", "away"]].copy()
        out["key"] = key[todo]
        return out[out["key"].notna() & (out["key"] != "")]

    exact_label = keys["reversed"].map({True: "reversed", False: "exact"})
    alias = keys["norm"].map(PLAYER_ALIASES)
    rotated = keys[["_kid", "norm"]].assign(key=keys["norm"].map(_rotations)).explode("key")
    prefix = pd.Series(
        [_abbreviated_first(r, n) for r, n in zip(keys["raw"], keys["norm"], strict=True)],
        index=keys.index,
        dtype="object",
    )
    initial = keys["norm"].str.split(" ", n=1).str[1].where(prefix.notna())

    assign(_match(pending(keys["norm"]), name_index, history, within_game=True), exact_label)
    assign(_match(pending(alias), name_index, history, within_game=True), "alias")
    rot = pending(keys["norm"]).drop(columns="key").merge(rotated[["_kid", "key"]], on="_kid")
    rot = rot[rot["key"].notna()]
    assign(_match(rot, name_index, history, within_game=True), "reversed")
    abbreviated = pending(initial).assign(prefix=prefix)
    abbreviated_index = _prefix_index(surname_index, abbreviated[["key", "prefix"]])
    assign(_match(abbreviated, abbreviated_index, history, within_game=True), "initial")
    assign(_match(pending(keys["norm"]), name_index, history, within_game=False), exact_label)
    assign(_match(pending(alias), name_index, history, within_game=False), "alias")

    resolved = rows.merge(
        keys[["raw", "game_date", "home", "away", "player_id", "resolution"]],
        on=["raw", "game_date", "home", "away"],
        how="left",
    )
    out = names.copy()
    out["player_id"] = resolved["player_id"].astype("string").to_numpy()
    out["resolution"] = resolved["resolution"].to_numpy()
    return out


def unresolved_names(resolved: pd.DataFrame) -> pd.DataFrame:
    """List distinct unresolved player names with row counts and date range, most frequent first."""
    miss = resolved[resolved["resolution"] == "unresolved"]
    dates = pd.to_datetime(miss["game_date"])
    grouped = (
        pd.DataFrame({"player_name": miss["player_name"].astype(str), "game_date": dates})
        .groupby("player_name", as_index=False)
        .agg(
            n_rows=("game_date", "size"),
            first_date=("game_date", "min"),
            last_date=("game_date", "max"),
        )
    )
    grouped.insert(1, "normalized_name", normalize_names(grouped["player_name"]))
    return grouped.sort_values(["n_rows", "player_name"], ascending=[False, True]).reset_index(
        drop=True
    )


def resolve_report_names(rows: pd.DataFrame, players: pd.DataFrame) -> pd.Series:
    """NBA player ids (NA when unresolved) of injury-report names ("Last, First", suffixes inside).

    `rows` has player_name, game_date, home_team and away_team; `players` is box-score history
    (player_id, player_name, team_abbr, game_date). Same rules as prop names: a match within the
    game's two teams first, then a name unique in the league.
    """
    if rows.empty or players.empty:
        return pd.Series(pd.NA, index=rows.index, dtype="string")
    names = rows[["player_name", "game_date", "home_team", "away_team"]]
    resolved = resolve_player_ids(
        names, players[["player_id", "player_name", "team_abbr", "game_date"]]
    )
    return pd.Series(resolved["player_id"].to_numpy(), index=rows.index, dtype="string")
