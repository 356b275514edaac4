"""The database schema, as the list of migrations that build it.

Migration N (1-based) takes a database from ``PRAGMA user_version`` N-1 to
N. Never edit a migration that has shipped: add the next one.
"""

MIGRATIONS: list[str] = [
    # 1: the call log and the recordings index.
    """
    CREATE TABLE calls (
        id            INTEGER PRIMARY KEY,
        line          INTEGER NOT NULL CHECK (line >= 1),
        direction     TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
        outcome       TEXT    NOT NULL DEFAULT 'in_progress'
                      CHECK (outcome IN ('in_progress', 'answered', 'missed', 'blocked',
                                         'unanswered', 'busy', 'failed')),
        number        TEXT,     -- as the line gave it: caller ID, or the digits dialled
        number_e164   TEXT,     -- normalised for the country profile, when it parses
        name          TEXT,     -- caller-ID name
        reason_absent TEXT      CHECK (reason_absent IN ('O', 'P')),
        cid_format    TEXT,     -- SDMF, MDMF, DTMF or MODEM
        cid_date      TEXT,     -- MMDDHHMM as the exchange sent it
        location_zh   TEXT,     -- where the number is, from its prefix, in Chinese
        location_en   TEXT,     -- and in English
        carrier_zh    TEXT,     -- the mobile network it was first allocated to
        carrier_en    TEXT,
        started_at    REAL    NOT NULL,  -- Unix seconds: first ring, or off-hook to dial
        answered_at   REAL,
        ended_at      REAL,
        duration_s    REAL,     -- answered to end; NULL until the call ends
        notes         TEXT    NOT NULL DEFAULT ''
    );
    CREATE INDEX calls_by_start ON calls (started_at);
    CREATE INDEX calls_by_number ON calls (number_e164, started_at);
    CREATE INDEX calls_by_line ON calls (line, started_at);

    CREATE TABLE recordings (
        id          INTEGER PRIMARY KEY,
        call_id     INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        line        INTEGER NOT NULL,
        path        TEXT    NOT NULL UNIQUE,  -- relative to the recordings folder
        encoding    TEXT    NOT NULL CHECK (encoding IN ('pcm16', 'alaw', 'ulaw')),
        started_at  REAL    NOT NULL,
        ended_at    REAL,
        samples     INTEGER NOT NULL DEFAULT 0,
        sha256      TEXT,
        state       TEXT    NOT NULL DEFAULT 'recording'
                    CHECK (state IN ('recording', 'complete', 'repaired', 'missing'))
    );
    CREATE INDEX recordings_by_call ON recordings (call_id);
    CREATE INDEX recordings_by_start ON recordings (started_at);
    """,
]
