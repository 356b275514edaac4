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

MIGRATIONS.append(
    # 2: the office around the calls: users and their groups and lines, sessions,
    # customers with their numbers and contact records, notes and tags on
    # recordings, the audit log, and the indexes the call-log search needs.
    """
    CREATE TABLE groups (
        id    INTEGER PRIMARY KEY,
        name  TEXT NOT NULL UNIQUE
    );

    CREATE TABLE users (
        id                  INTEGER PRIMARY KEY,
        username            TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name        TEXT NOT NULL DEFAULT '',
        password_hash       TEXT NOT NULL,
        level               TEXT NOT NULL CHECK (level IN ('super', 'leader', 'operator')),
        group_id            INTEGER REFERENCES groups (id) ON DELETE SET NULL,
        permissions         TEXT NOT NULL DEFAULT '',   -- flags separated by spaces
        language            TEXT NOT NULL DEFAULT 'zh-CN' CHECK (language IN ('zh-CN', 'en')),
        active              INTEGER NOT NULL DEFAULT 1,
        created_at          REAL NOT NULL,
        password_changed_at REAL NOT NULL
    );

    -- The lines whose calls an operator handles (screen pop, log, recordings).
    CREATE TABLE user_lines (
        user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        line     INTEGER NOT NULL CHECK (line >= 1),
        PRIMARY KEY (user_id, line)
    );

    CREATE TABLE sessions (
        token_hash  TEXT PRIMARY KEY,     -- SHA-256 of the cookie; the cookie itself is not kept
        user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf_token  TEXT NOT NULL,
        created_at  REAL NOT NULL,
        last_seen   REAL NOT NULL,
        expires_at  REAL NOT NULL,
        address     TEXT NOT NULL DEFAULT '',
        user_agent  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sessions_by_user ON sessions (user_id);

    CREATE TABLE customers (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        company     TEXT NOT NULL DEFAULT '',
        category    TEXT NOT NULL DEFAULT '',  -- the customer's group (VIP, supplier, ...)
        grade       TEXT NOT NULL DEFAULT '',  -- the customer's level (A, B, C, ...)
        birthday    TEXT,                      -- YYYY-MM-DD
        email       TEXT NOT NULL DEFAULT '',
        address     TEXT NOT NULL DEFAULT '',
        notes       TEXT NOT NULL DEFAULT '',
        added_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at  REAL NOT NULL,
        updated_at  REAL NOT NULL
    );
    CREATE INDEX customers_by_name ON customers (name);
    CREATE INDEX customers_by_adder ON customers (added_by);

    CREATE TABLE customer_numbers (
        id           INTEGER PRIMARY KEY,
        customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        number       TEXT NOT NULL,   -- as entered
        number_e164  TEXT,            -- normalised for the country profile, when it parses
        label        TEXT NOT NULL DEFAULT ''  -- mobile, office, home, ...
    );
    CREATE INDEX customer_numbers_by_e164 ON customer_numbers (number_e164);
    CREATE INDEX customer_numbers_by_customer ON customer_numbers (customer_id);

    CREATE TABLE contacts (
        id            INTEGER PRIMARY KEY,
        customer_id   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        added_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'email', 'message', 'note')),
        at            REAL NOT NULL,
        text          TEXT NOT NULL DEFAULT '',
        call_id       INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        recording_id  INTEGER REFERENCES recordings (id) ON DELETE SET NULL
    );
    CREATE INDEX contacts_by_customer ON contacts (customer_id, at);
    CREATE INDEX contacts_by_call ON contacts (call_id);

    ALTER TABLE recordings ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    CREATE TABLE recording_tags (
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        tag           TEXT NOT NULL,
        PRIMARY KEY (recording_id, tag)
    );
    CREATE INDEX recording_tags_by_tag ON recording_tags (tag);

    CREATE TABLE audit_log (
        id        INTEGER PRIMARY KEY,
        at        REAL NOT NULL,
        user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
        username  TEXT NOT NULL,        -- kept even when the user is deleted
        action    TEXT NOT NULL,        -- listen, download, export, verify, sign_in, ...
        target    TEXT NOT NULL DEFAULT '',
        detail    TEXT NOT NULL DEFAULT '',
        address   TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_log_by_time ON audit_log (at);

    -- Call-log search: numbers by prefix, and by any part of three or more
    -- digits through a trigram index kept in step with the calls.
    CREATE INDEX calls_by_raw_number ON calls (number);
    CREATE INDEX calls_by_duration ON calls (duration_s);
    CREATE VIRTUAL TABLE calls_number_search USING fts5 (
        number, number_e164, content = 'calls', content_rowid = 'id', tokenize = 'trigram'
    );
    INSERT INTO calls_number_search (rowid, number, number_e164)
        SELECT id, number, number_e164 FROM calls WHERE number IS NOT NULL;
    CREATE TRIGGER calls_search_insert AFTER INSERT ON calls WHEN new.number IS NOT NULL BEGIN
        INSERT INTO calls_number_search (rowid, number, number_e164)
            VALUES (new.id, new.number, new.number_e164);
    END;
    CREATE TRIGGER calls_search_update AFTER UPDATE OF number, number_e164 ON calls BEGIN
        INSERT INTO calls_number_search (calls_number_search, rowid, number, number_e164)
            SELECT 'delete', old.id, old.number, old.number_e164 WHERE old.number IS NOT NULL;
        INSERT INTO calls_number_search (rowid, number, number_e164)
            SELECT new.id, new.number, new.number_e164 WHERE new.number IS NOT NULL;
    END;
    CREATE TRIGGER calls_search_delete AFTER DELETE ON calls WHEN old.number IS NOT NULL BEGIN
        INSERT INTO calls_number_search (calls_number_search, rowid, number, number_e164)
            VALUES ('delete', old.id, old.number, old.number_e164);
    END;
    """
)

MIGRATIONS.append(
    # 3: retention and legal hold. A recording deleted by retention stays as a
    # tombstone row (state 'deleted', when and why, its path and hash); its file and
    # sidecar are gone. Recordings, calls and customers can be protected (legal hold:
    # never deleted). A new state needs a new CHECK, so the recordings table is
    # rebuilt as SQLite's ALTER TABLE page describes; ``migrate`` runs this with
    # foreign keys off (dropping the old table must not empty recording_tags or
    # unlink contacts) and checks them before it commits.
    """
    CREATE TABLE recordings_new (
        id            INTEGER PRIMARY KEY,
        call_id       INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        line          INTEGER NOT NULL,
        path          TEXT    NOT NULL UNIQUE,  -- relative to the recordings folder
        encoding      TEXT    NOT NULL CHECK (encoding IN ('pcm16', 'alaw', 'ulaw')),
        started_at    REAL    NOT NULL,
        ended_at      REAL,
        samples       INTEGER NOT NULL DEFAULT 0,
        sha256        TEXT,
        state         TEXT    NOT NULL DEFAULT 'recording'
                      CHECK (state IN ('recording', 'complete', 'repaired', 'missing',
                                       'deleted')),
        notes         TEXT    NOT NULL DEFAULT '',
        protected     INTEGER NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),  -- legal hold
        deleted_at    REAL,     -- when retention deleted the file (state 'deleted')
        delete_reason TEXT,     -- why: "older than 90 days (line 2)", "disk below 10 % free"
        backed_up_at  REAL      -- when a backup last copied the file; NULL: never
    );
    INSERT INTO recordings_new (id, call_id, line, path, encoding, started_at, ended_at,
                                samples, sha256, state, notes)
        SELECT id, call_id, line, path, encoding, started_at, ended_at, samples, sha256,
               state, notes
        FROM recordings;
    DROP TABLE recordings;
    ALTER TABLE recordings_new RENAME TO recordings;
    CREATE INDEX recordings_by_call ON recordings (call_id);
    CREATE INDEX recordings_by_start ON recordings (started_at);
    -- What retention may consider, oldest first, without reading past the tombstones.
    CREATE INDEX recordings_finished_by_start ON recordings (started_at)
        WHERE state IN ('complete', 'repaired');
    CREATE INDEX recordings_deleted_by_time ON recordings (deleted_at)
        WHERE state = 'deleted';

    ALTER TABLE calls ADD COLUMN protected INTEGER NOT NULL DEFAULT 0
        CHECK (protected IN (0, 1));
    ALTER TABLE customers ADD COLUMN protected INTEGER NOT NULL DEFAULT 0
        CHECK (protected IN (0, 1));
    """
)

MIGRATIONS.append(
    # The archive's hash chain (firmware.store.chain): an entry per recording finished,
    # stored file changed, recording deleted by retention (its tombstone), legal hold
    # placed or lifted, signing key made or changed, and database rebuilt; each entry's
    # hash covers the one before it. And the Ed25519 signatures of the chain's head, each
    # with the entry it covers. Nothing updates or deletes an entry: the triggers refuse
    # it, so that a mistake in the code cannot break the chain (a person with the disk in
    # hand can still; that is what the hashes and signatures show).
    """
    CREATE TABLE chain (
        seq           INTEGER PRIMARY KEY CHECK (seq >= 1),  -- 1, 2, 3, ... as appended
        kind          TEXT    NOT NULL,  -- recording, stored, deleted, hold, key, rebuilt
        recording_id  INTEGER,           -- the recording it is about; no foreign key: the
                                         -- chain keeps its word whatever the index becomes
        at            REAL    NOT NULL,  -- when it was appended
        facts         TEXT    NOT NULL,  -- canonical JSON of its facts, exactly as hashed
        entry         TEXT    NOT NULL,  -- canonical JSON: seq, kind, at, prev, facts' SHA-256
        hash          TEXT    NOT NULL   -- SHA-256(previous entry's hash || entry), hex
    );
    CREATE UNIQUE INDEX chain_one_entry_per_recording ON chain (recording_id)
        WHERE kind = 'recording';
    CREATE INDEX chain_by_recording ON chain (recording_id) WHERE recording_id IS NOT NULL;
    CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain BEGIN
        SELECT RAISE(ABORT, 'the hash chain is append-only');
    END;
    CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain BEGIN
        SELECT RAISE(ABORT, 'the hash chain is append-only');
    END;

    CREATE TABLE chain_signatures (
        id         INTEGER PRIMARY KEY,
        seq        INTEGER NOT NULL,  -- the entry signed: the head when it was signed
        hash       TEXT    NOT NULL,  -- that entry's hash
        signed_at  REAL    NOT NULL,
        key        TEXT    NOT NULL,  -- the signing key's fingerprint
        message    TEXT    NOT NULL,  -- the canonical JSON that was signed
        signature  TEXT    NOT NULL   -- Ed25519, base64
    );
    CREATE INDEX chain_signatures_by_seq ON chain_signatures (seq);
    """
)

MIGRATIONS.append(
    # Backups off the box (firmware.backup). backup_runs: each run to a target, with its
    # progress while it runs and its outcome after ('interrupted': the process died, found
    # so by the next run); backup_files: every file a target holds that a run verified
    # there, with the size and modification time it had on the box (a file that changed
    # since is sent and verified again) and its hashes; backup_requests: "back up now",
    # asked by the web or the command line, taken by the engine's backup thread.
    """
    CREATE TABLE backup_runs (
        id           INTEGER PRIMARY KEY,
        target       TEXT    NOT NULL,
        started_at   REAL    NOT NULL,
        finished_at  REAL,
        outcome      TEXT    NOT NULL DEFAULT 'running'
                     CHECK (outcome IN ('running', 'verified', 'failed', 'interrupted')),
        pid          INTEGER,           -- the process running it
        files_total  INTEGER NOT NULL DEFAULT 0,  -- to send this run
        bytes_total  INTEGER NOT NULL DEFAULT 0,
        files_done   INTEGER NOT NULL DEFAULT 0,  -- sent and verified so far
        bytes_done   INTEGER NOT NULL DEFAULT 0,
        verified_by  TEXT    NOT NULL DEFAULT '',  -- how the files were checked in the target
        error        TEXT                          -- what failed, one line
    );
    CREATE INDEX backup_runs_by_target ON backup_runs (target, started_at);

    CREATE TABLE backup_files (
        target       TEXT    NOT NULL,
        path         TEXT    NOT NULL,  -- relative to the data folder, and to <box-id>/ there
        size         INTEGER NOT NULL,
        mtime_ns     INTEGER NOT NULL,  -- on the box when it was sent
        sha256       TEXT    NOT NULL,
        md5          TEXT    NOT NULL,
        verified_at  REAL    NOT NULL,
        PRIMARY KEY (target, path)
    );

    CREATE TABLE backup_requests (
        target        TEXT PRIMARY KEY,
        requested_at  REAL NOT NULL,
        requested_by  TEXT NOT NULL DEFAULT ''
    );
    """
)

MIGRATIONS.append(
    # Compression after the call (firmware.archive): a finished recording's WAV is
    # replaced by an Ogg Opus file. ``path`` names the stored file; ``sha256``,
    # ``samples`` and ``encoding`` stay the original WAV's for good; the stored file's
    # own facts are these columns, NULL while it is the original WAV. ``stored_tier``
    # is 'standard' (compressed after the call) or 'archive' (re-encoded when old).
    """
    ALTER TABLE recordings ADD COLUMN stored_format TEXT NOT NULL DEFAULT 'wav'
        CHECK (stored_format IN ('wav', 'opus'));
    ALTER TABLE recordings ADD COLUMN stored_tier TEXT
        CHECK (stored_tier IN ('standard', 'archive'));
    ALTER TABLE recordings ADD COLUMN stored_sha256 TEXT;
    ALTER TABLE recordings ADD COLUMN stored_bytes INTEGER;
    ALTER TABLE recordings ADD COLUMN stored_bitrate_kbps REAL;
    ALTER TABLE recordings ADD COLUMN stored_at REAL;
    -- The archive worker's queue, oldest first: finished and not in the last tier yet.
    CREATE INDEX recordings_to_archive ON recordings (started_at)
        WHERE state IN ('complete', 'repaired') AND stored_tier IS NOT 'archive';
    """
)

MIGRATIONS.append(
    # Call notes (issue 16): a note on a call, found by the call log's search through a
    # trigram index kept in step with the calls, as calls_number_search is for numbers. A
    # call without a note is not in it, so the index holds only the calls with notes.
    """
    CREATE VIRTUAL TABLE calls_notes_search USING fts5 (
        notes, content = 'calls', content_rowid = 'id', tokenize = 'trigram'
    );
    INSERT INTO calls_notes_search (rowid, notes) SELECT id, notes FROM calls WHERE notes != '';
    CREATE TRIGGER calls_notes_search_insert AFTER INSERT ON calls WHEN new.notes != '' BEGIN
        INSERT INTO calls_notes_search (rowid, notes) VALUES (new.id, new.notes);
    END;
    CREATE TRIGGER calls_notes_search_update AFTER UPDATE OF notes ON calls BEGIN
        INSERT INTO calls_notes_search (calls_notes_search, rowid, notes)
            SELECT 'delete', old.id, old.notes WHERE old.notes != '';
        INSERT INTO calls_notes_search (rowid, notes)
            SELECT new.id, new.notes WHERE new.notes != '';
    END;
    CREATE TRIGGER calls_notes_search_delete AFTER DELETE ON calls WHEN old.notes != '' BEGIN
        INSERT INTO calls_notes_search (calls_notes_search, rowid, notes)
            VALUES ('delete', old.id, old.notes);
    END;
    """
)

MIGRATIONS.append(
    # Each user's rules for the caller's card (firmware.store.pop_rules); a user
    # without a row has their level's defaults.
    """
    CREATE TABLE pop_rules (
        user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        lines          TEXT    NOT NULL DEFAULT 'all' CHECK (lines IN ('all', 'mine')),
        grades         TEXT    NOT NULL DEFAULT '[]',  -- JSON list; empty: any level
        categories     TEXT    NOT NULL DEFAULT '[]',  -- JSON list; empty: any group
        unknown        INTEGER NOT NULL DEFAULT 1,     -- callers who are no customer pop too
        close_after_s  INTEGER NOT NULL DEFAULT 30     -- after the call; 0: stays open
    );
    """
)

MIGRATIONS.append(
    # Encryption at rest (branch "crypt", firmware.archive.crypt): a finished recording's
    # stored file (the WAV or its Ogg Opus file) replaced by its encrypted form.
    # ``stored_encrypted`` is the fingerprint of the box's recordings key it was encrypted
    # to, NULL while the file is plain; ``stored_plain_sha256`` the plaintext's SHA-256;
    # ``stored_sha256`` and ``stored_bytes`` become the encrypted file's.
    """
    ALTER TABLE recordings ADD COLUMN stored_encrypted TEXT;
    ALTER TABLE recordings ADD COLUMN stored_plain_sha256 TEXT;
    """
)

MIGRATIONS.append(
    # The satisfaction survey (firmware.acts.survey): the caller's key, 1 to 5, with the call.
    """
    ALTER TABLE calls ADD COLUMN survey INTEGER CHECK (survey BETWEEN 1 AND 5);
    -- who handed the caller to it from the web (NULL: the key code on the phone)
    ALTER TABLE calls ADD COLUMN survey_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
    CREATE INDEX calls_survey ON calls (started_at) WHERE survey IS NOT NULL;
    """
)

MIGRATIONS.append(
    # The prompt library (firmware.prompts): what the box plays to a line. Each prompt's
    # sound is ``file`` in the data folder's prompts/ (16-bit 8 kHz mono WAV); replacing it
    # writes a new file and points the row at it in one transaction, so a crash leaves the
    # old prompt or the new one. ``key`` names the box's own prompts (announcement,
    # survey_opening, beep...), NULL for the admin's; ``source`` is how it was made.
    """
    CREATE TABLE prompts (
        id          INTEGER PRIMARY KEY,
        key         TEXT UNIQUE,
        name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
        source      TEXT    NOT NULL CHECK (source IN ('upload', 'speech', 'tone')),
        text        TEXT    NOT NULL DEFAULT '',  -- what was spoken; '' for an upload
        language    TEXT    CHECK (language IN ('zh', 'en')),  -- of the speech
        filename    TEXT    NOT NULL DEFAULT '',  -- the uploaded file's name, as given
        file        TEXT    NOT NULL UNIQUE,      -- in prompts/
        samples     INTEGER NOT NULL CHECK (samples > 0),
        sha256      TEXT    NOT NULL,             -- of the file
        created_by  TEXT,
        created_at  REAL    NOT NULL,
        changed_by  TEXT,
        changed_at  REAL    NOT NULL
    );
    """
)

MIGRATIONS.append(
    # The call firewall (firmware.store.firewall): the black and red lists, the rules in
    # their order, an operator's changes of the lists waiting for a leader's approval,
    # and, on a call the firewall blocked, the rule that blocked it (``blocked_by``: its
    # key, such as black_list, prefix:0898, withheld:P, location:广东, time:3).
    """
    CREATE TABLE firewall_numbers (
        id              INTEGER PRIMARY KEY,
        list            TEXT    NOT NULL CHECK (list IN ('black', 'red')),
        number          TEXT    NOT NULL UNIQUE,  -- E.164 when it parses, else as given
        note            TEXT    NOT NULL DEFAULT '',
        action          TEXT    NOT NULL DEFAULT 'reject' CHECK (action IN ('reject', 'message')),
        message_prompt  TEXT,     -- the prompt answered with (action 'message')
        added_by        INTEGER,  -- the user's id (their name kept beside it)
        added_by_name   TEXT    NOT NULL DEFAULT '',
        added_at        REAL    NOT NULL,
        expires_at      REAL      -- no longer counts from then; NULL: never expires
    );
    CREATE INDEX firewall_numbers_by_list ON firewall_numbers (list, added_at);

    CREATE TABLE firewall_rules (
        id              INTEGER PRIMARY KEY,
        kind            TEXT    NOT NULL
                        CHECK (kind IN ('prefix', 'withheld', 'location', 'time')),
        action          TEXT    NOT NULL DEFAULT 'reject' CHECK (action IN ('reject', 'message')),
        message_prompt  TEXT,
        enabled         INTEGER NOT NULL DEFAULT 1,
        position        INTEGER NOT NULL,  -- tried in this order
        note            TEXT    NOT NULL DEFAULT '',
        prefix          TEXT,     -- kind prefix
        reasons         TEXT,     -- kind withheld: of P, O, none, comma-separated
        province        TEXT,     -- kind location
        city            TEXT,
        windows         TEXT,     -- kind time: JSON [{"days": [...], "start", "end"}]
        added_by_name   TEXT    NOT NULL DEFAULT '',
        added_at        REAL    NOT NULL
    );

    CREATE TABLE firewall_pending (
        id              INTEGER PRIMARY KEY,
        change          TEXT    NOT NULL CHECK (change IN ('add', 'edit', 'remove')),
        list            TEXT    NOT NULL CHECK (list IN ('black', 'red')),
        number          TEXT    NOT NULL,
        note            TEXT    NOT NULL DEFAULT '',
        action          TEXT    NOT NULL DEFAULT 'reject' CHECK (action IN ('reject', 'message')),
        message_prompt  TEXT,
        expires_at      REAL,
        entry_id        INTEGER,  -- the entry edited or removed
        asked_by        INTEGER,
        asked_by_name   TEXT    NOT NULL DEFAULT '',
        group_id        INTEGER,  -- the asker's group when asked: its leaders decide
        asked_at        REAL    NOT NULL,
        state           TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'approved', 'refused')),
        decided_by_name TEXT    NOT NULL DEFAULT '',
        decided_at      REAL
    );
    CREATE INDEX firewall_pending_by_state ON firewall_pending (state, asked_at);

    ALTER TABLE calls ADD COLUMN blocked_by TEXT;
    CREATE INDEX calls_by_blocked ON calls (blocked_by, started_at) WHERE blocked_by IS NOT NULL;
    """
)

MIGRATIONS.append(
    # Voicemail (firmware.acts.voicemail): a message a caller left when nobody answered,
    # its WAV under voicemail/ in the data folder. ``heard_*`` say who first marked it
    # heard; ``deleted_at`` that its file is gone (the row stays for the call log).
    """
    CREATE TABLE voicemails (
        id          INTEGER PRIMARY KEY,
        call_id     INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        line        INTEGER NOT NULL,
        number      TEXT,
        started_at  REAL NOT NULL,
        seconds     REAL NOT NULL CHECK (seconds >= 0),
        path        TEXT NOT NULL UNIQUE,
        sha256      TEXT NOT NULL,
        heard_at    REAL,
        heard_by    TEXT,
        deleted_at  REAL
    );
    CREATE INDEX voicemails_by_call ON voicemails (call_id);
    CREATE INDEX voicemails_new ON voicemails (line) WHERE heard_at IS NULL AND deleted_at IS NULL;
    """
)

MIGRATIONS.append(
    # Marks on a recording's timeline: where in its audio something the box did sounds,
    # as seconds from the recording's first sample. ``kind`` 'announcement': the
    # announcement before recording (firmware.acts.announcement), played to both parties.
    """
    CREATE TABLE recording_marks (
        id            INTEGER PRIMARY KEY,
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        kind          TEXT    NOT NULL,
        start_s       REAL    NOT NULL CHECK (start_s >= 0),
        end_s         REAL    NOT NULL CHECK (end_s >= start_s)
    );
    CREATE INDEX recording_marks_by_recording ON recording_marks (recording_id, start_s);
    """
)

MIGRATIONS.append(
    # Voice menus (IVR): each menu a JSON document (firmware.acts.ivr.menu_document),
    # checked before it is saved; which line answers with which menu, after how many
    # rings; and on each call a menu answered, its walk (the variant, the nodes and the
    # keys heard at each, how it ended) as JSON.
    """
    CREATE TABLE ivr_menus (
        id              INTEGER PRIMARY KEY,
        name            TEXT    NOT NULL UNIQUE,
        document        TEXT    NOT NULL,
        updated_by_name TEXT    NOT NULL DEFAULT '',
        updated_at      REAL    NOT NULL
    );

    CREATE TABLE ivr_lines (
        line            INTEGER PRIMARY KEY,
        menu_id         INTEGER NOT NULL REFERENCES ivr_menus (id),
        rings           INTEGER NOT NULL DEFAULT 2 CHECK (rings BETWEEN 1 AND 15)
    );

    ALTER TABLE calls ADD COLUMN ivr_path TEXT;
    """
)

MIGRATIONS.append(
    # Voicemail messages in backups and retention: ``backed_up_at`` is set once a backup
    # verified the message's file in a target (firmware.backup.ledger), as a recording's;
    # ``delete_reason`` says why retention deleted it (NULL: a person did, or not deleted).
    """
    ALTER TABLE voicemails ADD COLUMN backed_up_at REAL;
    ALTER TABLE voicemails ADD COLUMN delete_reason TEXT;
    """
)

MIGRATIONS.append(
    # Text messages through the GSM modem (firmware.store.sms). The send queue: a message
    # per row (who and what, where it came from, its state and tries) and its parts as the
    # modem took them, each with the message reference the modem answered (``reference``,
    # AT+CMGS) and the delivery report that came for it. A part is taken once ``sent_at``
    # is set: a restart sends only the parts without it. Received messages, linked to the
    # customer whose number matches, and the parts of long ones waiting for the rest;
    # ``fingerprint`` keeps a message read twice (the box stopped before the modem freed
    # its place) from being kept twice.
    """
    CREATE TABLE sms_outbox (
        id            INTEGER PRIMARY KEY,
        number        TEXT    NOT NULL,  -- as entered
        number_e164   TEXT,              -- normalised for the country profile, when it parses
        text          TEXT    NOT NULL,
        source        TEXT    NOT NULL,  -- manual, template, auto_reply, system
        customer_id   INTEGER REFERENCES customers (id) ON DELETE SET NULL,
        queued_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
        state         TEXT    NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed',
                                       'held')),
        parts         INTEGER CHECK (parts >= 1),  -- known once sending starts
        attempts      INTEGER NOT NULL DEFAULT 0,  -- tries that ended in a passing failure
        error         TEXT,     -- the last error's meaning
        hold_reason   TEXT,     -- why it is held (state 'held')
        queued_at     REAL    NOT NULL,
        next_try_at   REAL    NOT NULL,  -- not sent before this
        sent_at       REAL,     -- the modem took its last part
        delivered_at  REAL,     -- the last part's delivery report came
        updated_at    REAL    NOT NULL
    );
    CREATE INDEX sms_outbox_due ON sms_outbox (next_try_at, id) WHERE state = 'queued';
    CREATE INDEX sms_outbox_by_state ON sms_outbox (state, queued_at);
    CREATE INDEX sms_outbox_by_time ON sms_outbox (queued_at);
    CREATE INDEX sms_outbox_by_customer ON sms_outbox (customer_id, queued_at);
    CREATE INDEX sms_outbox_by_number ON sms_outbox (number_e164, queued_at);

    CREATE TABLE sms_parts (
        message_id     INTEGER NOT NULL REFERENCES sms_outbox (id) ON DELETE CASCADE,
        sequence       INTEGER NOT NULL CHECK (sequence >= 1),
        reference      INTEGER CHECK (reference BETWEEN 0 AND 255),
        sent_at        REAL,
        report         TEXT CHECK (report IN ('delivered', 'pending', 'failed')),
        report_status  INTEGER,  -- TP-ST
        report_at      REAL,
        PRIMARY KEY (message_id, sequence)
    );
    CREATE INDEX sms_parts_by_reference ON sms_parts (reference, sent_at)
        WHERE reference IS NOT NULL;

    CREATE TABLE sms_inbox (
        id            INTEGER PRIMARY KEY,
        number        TEXT    NOT NULL,  -- the sender as the network gave it
        number_e164   TEXT,
        customer_id   INTEGER REFERENCES customers (id) ON DELETE SET NULL,
        text          TEXT    NOT NULL,
        sent_at       REAL,     -- the service centre's time stamp
        received_at   REAL    NOT NULL,
        parts         INTEGER NOT NULL DEFAULT 1,
        complete      INTEGER NOT NULL DEFAULT 1,  -- 0: some parts never came
        read_at       REAL,
        read_by       TEXT,
        fingerprint   TEXT    NOT NULL UNIQUE
    );
    CREATE INDEX sms_inbox_by_time ON sms_inbox (received_at);
    CREATE INDEX sms_inbox_by_customer ON sms_inbox (customer_id, received_at);
    CREATE INDEX sms_inbox_by_number ON sms_inbox (number_e164, received_at);
    CREATE INDEX sms_inbox_unread ON sms_inbox (received_at) WHERE read_at IS NULL;

    CREATE TABLE sms_inbox_parts (
        number        TEXT    NOT NULL,
        reference     INTEGER NOT NULL,  -- the concatenation reference
        total         INTEGER NOT NULL,
        sequence      INTEGER NOT NULL,
        number_e164   TEXT,
        data          BLOB    NOT NULL,  -- the part's text in UTF-16 (big-endian): a part
                                         -- may end inside a character's surrogate pair
        sent_at       REAL,
        received_at   REAL    NOT NULL,
        PRIMARY KEY (number, reference, total, sequence)
    );
    """
)

MIGRATIONS.append(
    # Dialling tasks (firmware.store.dialling): a task's settings as JSON
    # (firmware.store.dialling_rules.TaskSettings), its lines and operators; its numbers,
    # one row per digits dialled, each waiting (until due_at), dialling or done with its
    # result (blocked: by the call firewall's rule blocked_by); every attempt at a number,
    # written before its call is asked for and open (result NULL) until it is decided.
    """
    CREATE TABLE dial_tasks (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        owner_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
        owner_name  TEXT NOT NULL DEFAULT '',
        state       TEXT NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'running', 'paused', 'done')),
        settings    TEXT NOT NULL,
        script      TEXT NOT NULL DEFAULT '',
        created_at  REAL NOT NULL,
        updated_at  REAL NOT NULL,
        started_at  REAL,
        done_at     REAL
    );

    CREATE TABLE dial_task_lines (
        task_id  INTEGER NOT NULL REFERENCES dial_tasks (id) ON DELETE CASCADE,
        line     INTEGER NOT NULL CHECK (line >= 1),
        PRIMARY KEY (task_id, line)
    );

    CREATE TABLE dial_task_operators (
        task_id  INTEGER NOT NULL REFERENCES dial_tasks (id) ON DELETE CASCADE,
        user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, user_id)
    );

    CREATE TABLE dial_numbers (
        id           INTEGER PRIMARY KEY,
        task_id      INTEGER NOT NULL REFERENCES dial_tasks (id) ON DELETE CASCADE,
        number       TEXT NOT NULL,
        number_e164  TEXT,
        dial         TEXT NOT NULL,
        name         TEXT NOT NULL DEFAULT '',
        note         TEXT NOT NULL DEFAULT '',
        customer_id  INTEGER REFERENCES customers (id) ON DELETE SET NULL,
        state        TEXT NOT NULL DEFAULT 'waiting'
                     CHECK (state IN ('waiting', 'dialling', 'done')),
        result       TEXT,
        blocked_by   TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        due_at       REAL NOT NULL DEFAULT 0,
        last_result  TEXT,
        added_at     REAL NOT NULL,
        done_at      REAL,
        UNIQUE (task_id, dial)
    );
    CREATE INDEX dial_numbers_due ON dial_numbers (task_id, state, due_at);

    CREATE TABLE dial_attempts (
        id            INTEGER PRIMARY KEY,
        task_id       INTEGER NOT NULL REFERENCES dial_tasks (id) ON DELETE CASCADE,
        number_id     INTEGER NOT NULL REFERENCES dial_numbers (id) ON DELETE CASCADE,
        line          INTEGER NOT NULL,
        started_at    REAL NOT NULL,
        decided_at    REAL,
        result        TEXT,
        decided_s     REAL,
        call_id       INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        message_left  INTEGER NOT NULL DEFAULT 0,
        held_at       REAL,
        detail        TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX dial_attempts_by_number ON dial_attempts (number_id, id);
    CREATE INDEX dial_attempts_by_task ON dial_attempts (task_id, id);
    CREATE INDEX dial_attempts_open ON dial_attempts (line) WHERE result IS NULL;
    CREATE INDEX dial_attempts_by_line ON dial_attempts (line, decided_at);
    CREATE INDEX dial_attempts_by_call ON dial_attempts (call_id) WHERE call_id IS NOT NULL;
    """
)

MIGRATIONS.append(
    # Text messages the office writes (firmware.sms): a customer's gender (for $title$:
    # 先生/女士, Mr/Ms); the admin's templates, each in one language; the holiday calendar
    # (a day, its name in both languages, the greeting sent on it or ``days_ahead`` before
    # to customers of ``groups``, a JSON list: empty for every customer); the sensitive
    # words (one row: the list, and its version, which the senders compare to rebuild
    # their matcher only when it changed); and ``sms_once``: each automatic message's
    # occasion (a customer's birthday in a year, a holiday's greeting to a customer, the
    # reply to a missed call, the notice of a voicemail message), written in the same
    # transaction as the message, so that no occasion is sent twice across restarts.
    """
    ALTER TABLE customers ADD COLUMN gender TEXT NOT NULL DEFAULT ''
        CHECK (gender IN ('', 'male', 'female'));

    CREATE TABLE sms_templates (
        id              INTEGER PRIMARY KEY,
        name            TEXT    NOT NULL UNIQUE,
        language        TEXT    NOT NULL CHECK (language IN ('zh', 'en')),
        text            TEXT    NOT NULL,
        updated_by_name TEXT    NOT NULL DEFAULT '',
        updated_at      REAL    NOT NULL
    );

    CREATE TABLE sms_holidays (
        id              INTEGER PRIMARY KEY,
        day             TEXT    NOT NULL,  -- YYYY-MM-DD
        name_zh         TEXT    NOT NULL,
        name_en         TEXT    NOT NULL,
        template_id     INTEGER REFERENCES sms_templates (id) ON DELETE SET NULL,
        days_ahead      INTEGER NOT NULL DEFAULT 0 CHECK (days_ahead BETWEEN 0 AND 30),
        groups          TEXT    NOT NULL DEFAULT '[]',
        updated_by_name TEXT    NOT NULL DEFAULT '',
        updated_at      REAL    NOT NULL
    );
    CREATE INDEX sms_holidays_by_day ON sms_holidays (day);

    CREATE TABLE sms_word_list (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        words           TEXT    NOT NULL,  -- one a line
        version         INTEGER NOT NULL,
        updated_by_name TEXT    NOT NULL DEFAULT '',
        updated_at      REAL    NOT NULL
    );

    CREATE TABLE sms_once (
        occasion        TEXT    PRIMARY KEY,  -- birthday:<customer>:<year>, missed:<call>, ...
        message_id      INTEGER REFERENCES sms_outbox (id) ON DELETE SET NULL,
        at              REAL    NOT NULL
    );
    """
)

# Sending through the modem's store (AT+CMGW, AT+CMSS): each part's PDU as written and the
# place it was written to, so that a restart can ask the modem whether the part went.
MIGRATIONS.append(
    """
    ALTER TABLE sms_parts ADD COLUMN pdu TEXT;
    ALTER TABLE sms_parts ADD COLUMN store_index INTEGER;
    """
)

# The call figures' triggers: a call's row added to its hour's sums (``new``), taken out
# of them (``old``); an update does both.
_CALL_HOURS_ADD = """
        INSERT INTO call_hours (hour, line, calls_in, calls_out, answered_in, answered_out,
                                missed, blocked, wait_ms, waited, talk_ms, talked,
                                rating_sum, ratings)
        VALUES (
            CAST(new.started_at / 3600 AS INTEGER), new.line,
            new.direction = 'in', new.direction = 'out',
            new.direction = 'in' AND new.outcome = 'answered',
            new.direction = 'out' AND new.outcome = 'answered',
            new.direction = 'in' AND new.outcome = 'missed', new.outcome = 'blocked',
            CASE WHEN new.direction = 'in' AND new.outcome = 'answered'
                      AND new.answered_at IS NOT NULL
                 THEN CAST(round(max(new.answered_at - new.started_at, 0) * 1000) AS INTEGER)
                 ELSE 0 END,
            new.direction = 'in' AND new.outcome = 'answered' AND new.answered_at IS NOT NULL,
            CASE WHEN new.outcome = 'answered' AND new.duration_s IS NOT NULL
                 THEN CAST(round(max(new.duration_s, 0) * 1000) AS INTEGER) ELSE 0 END,
            new.outcome = 'answered' AND new.duration_s IS NOT NULL,
            coalesce(new.survey, 0), new.survey IS NOT NULL)
        ON CONFLICT (hour, line) DO UPDATE SET
            calls_in = calls_in + excluded.calls_in,
            calls_out = calls_out + excluded.calls_out,
            answered_in = answered_in + excluded.answered_in,
            answered_out = answered_out + excluded.answered_out,
            missed = missed + excluded.missed,
            blocked = blocked + excluded.blocked,
            wait_ms = wait_ms + excluded.wait_ms,
            waited = waited + excluded.waited,
            talk_ms = talk_ms + excluded.talk_ms,
            talked = talked + excluded.talked,
            rating_sum = rating_sum + excluded.rating_sum,
            ratings = ratings + excluded.ratings;
"""
_CALL_HOURS_TAKE = """
        UPDATE call_hours SET
            calls_in = calls_in - (old.direction = 'in'),
            calls_out = calls_out - (old.direction = 'out'),
            answered_in = answered_in - (old.direction = 'in' AND old.outcome = 'answered'),
            answered_out = answered_out - (old.direction = 'out' AND old.outcome = 'answered'),
            missed = missed - (old.direction = 'in' AND old.outcome = 'missed'),
            blocked = blocked - (old.outcome = 'blocked'),
            wait_ms = wait_ms - CASE WHEN old.direction = 'in' AND old.outcome = 'answered'
                                          AND old.answered_at IS NOT NULL
                THEN CAST(round(max(old.answered_at - old.started_at, 0) * 1000) AS INTEGER)
                ELSE 0 END,
            waited = waited - (old.direction = 'in' AND old.outcome = 'answered'
                               AND old.answered_at IS NOT NULL),
            talk_ms = talk_ms - CASE WHEN old.outcome = 'answered' AND old.duration_s IS NOT NULL
                THEN CAST(round(max(old.duration_s, 0) * 1000) AS INTEGER) ELSE 0 END,
            talked = talked - (old.outcome = 'answered' AND old.duration_s IS NOT NULL),
            rating_sum = rating_sum - coalesce(old.survey, 0),
            ratings = ratings - (old.survey IS NOT NULL)
        WHERE hour = CAST(old.started_at / 3600 AS INTEGER) AND line = old.line;
"""

MIGRATIONS.append(
    # Call figures (firmware.store.call_figures): the calls counted per UTC hour they
    # started in (``hour`` = floor(started_at / 3600)) and line, kept in step with the call
    # log by triggers, so that the dashboard and the reports read a year of a busy office
    # as some 70,000 sums instead of half a million calls. Waits and talk are whole
    # milliseconds, so that taking a call's old figures off and adding its new ones leaves
    # no rounding behind. A wait is an incoming answered call's ring before the answer;
    # talk, an answered call's duration. And the recordings kept, countable by line at a
    # glance for the dashboard.
    """
    CREATE INDEX recordings_kept_by_line ON recordings (line)
        WHERE state NOT IN ('deleted', 'missing');

    CREATE TABLE call_hours (
        hour          INTEGER NOT NULL,
        line          INTEGER NOT NULL,
        calls_in      INTEGER NOT NULL DEFAULT 0,
        calls_out     INTEGER NOT NULL DEFAULT 0,
        answered_in   INTEGER NOT NULL DEFAULT 0,
        answered_out  INTEGER NOT NULL DEFAULT 0,
        missed        INTEGER NOT NULL DEFAULT 0,
        blocked       INTEGER NOT NULL DEFAULT 0,
        wait_ms       INTEGER NOT NULL DEFAULT 0,
        waited        INTEGER NOT NULL DEFAULT 0,
        talk_ms       INTEGER NOT NULL DEFAULT 0,
        talked        INTEGER NOT NULL DEFAULT 0,
        rating_sum    INTEGER NOT NULL DEFAULT 0,
        ratings       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hour, line)
    ) WITHOUT ROWID;

    INSERT INTO call_hours
    SELECT CAST(started_at / 3600 AS INTEGER), line,
           sum(direction = 'in'), sum(direction = 'out'),
           sum(direction = 'in' AND outcome = 'answered'),
           sum(direction = 'out' AND outcome = 'answered'),
           sum(direction = 'in' AND outcome = 'missed'), sum(outcome = 'blocked'),
           sum(CASE WHEN direction = 'in' AND outcome = 'answered' AND answered_at IS NOT NULL
                    THEN CAST(round(max(answered_at - started_at, 0) * 1000) AS INTEGER)
                    ELSE 0 END),
           sum(direction = 'in' AND outcome = 'answered' AND answered_at IS NOT NULL),
           sum(CASE WHEN outcome = 'answered' AND duration_s IS NOT NULL
                    THEN CAST(round(max(duration_s, 0) * 1000) AS INTEGER) ELSE 0 END),
           sum(outcome = 'answered' AND duration_s IS NOT NULL),
           coalesce(sum(survey), 0), count(survey)
    FROM calls GROUP BY 1, 2;

    CREATE TRIGGER call_hours_insert AFTER INSERT ON calls BEGIN
"""
    + _CALL_HOURS_ADD
    + """
    END;

    CREATE TRIGGER call_hours_delete AFTER DELETE ON calls BEGIN
"""
    + _CALL_HOURS_TAKE
    + """
    END;

    CREATE TRIGGER call_hours_update
    AFTER UPDATE OF line, direction, outcome, started_at, answered_at, duration_s, survey ON calls
    BEGIN
"""
    + _CALL_HOURS_TAKE
    + _CALL_HOURS_ADD
    + """
    END;
    """
)

# The hourly sums' phase: ``call_hours`` counts each call in the hour that starts
# ``phase_s`` seconds before a whole UTC hour (its hour is floor((started_at + phase_s) /
# 3600)), the box's offset from UTC modulo an hour. 0 where the offset is whole hours; 1800
# at +5:30 or -3:30, 2700 at +5:45. With it a local hour is always one row's hour, whatever
# the time zone; ``CallFigures.rephase`` counts the table again when the phase changes.
_PHASED_HOUR = {
    prefix: f"CAST(({prefix}.started_at + (SELECT phase_s FROM call_hours_phase)) / 3600 "
    "AS INTEGER)"
    for prefix in ("new", "old")
}
MIGRATIONS.append(
    """
    CREATE TABLE call_hours_phase (
        phase_s  INTEGER NOT NULL CHECK (phase_s >= 0 AND phase_s < 3600)
    );
    INSERT INTO call_hours_phase VALUES (0);

    DROP TRIGGER call_hours_insert;
    DROP TRIGGER call_hours_delete;
    DROP TRIGGER call_hours_update;

    CREATE TRIGGER call_hours_insert AFTER INSERT ON calls BEGIN
"""
    + _CALL_HOURS_ADD.replace("CAST(new.started_at / 3600 AS INTEGER)", _PHASED_HOUR["new"])
    + """
    END;

    CREATE TRIGGER call_hours_delete AFTER DELETE ON calls BEGIN
"""
    + _CALL_HOURS_TAKE.replace("CAST(old.started_at / 3600 AS INTEGER)", _PHASED_HOUR["old"])
    + """
    END;

    CREATE TRIGGER call_hours_update
    AFTER UPDATE OF line, direction, outcome, started_at, answered_at, duration_s, survey ON calls
    BEGIN
"""
    + _CALL_HOURS_TAKE.replace("CAST(old.started_at / 3600 AS INTEGER)", _PHASED_HOUR["old"])
    + _CALL_HOURS_ADD.replace("CAST(new.started_at / 3600 AS INTEGER)", _PHASED_HOUR["new"])
    + """
    END;
    """
)

MIGRATIONS.append(
    # After-sales service (firmware.store.service): tickets about a customer, opened from a
    # call or a caller's card or by hand, each in a group's queue and maybe with an
    # assignee, due by ``due_at`` (overdue: not resolved nor closed by then), and their
    # timeline of dated steps (a user's note, or a change of state, queue or assignee).
    # Marketing campaigns (firmware.store.campaigns): a period, the customer groups and
    # levels their targets come from, the target list itself (a customer from a group or
    # level, or chosen by hand), and the operators' "interested" or "not interested" on a
    # call of the campaign; the dialling tasks and text messages made for a campaign carry
    # its id.
    """
    CREATE TABLE service_tickets (
        id              INTEGER PRIMARY KEY,
        customer_id     INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        call_id         INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        kind            TEXT    NOT NULL
                        CHECK (kind IN ('feedback', 'complaint', 'repair', 'question')),
        subject         TEXT    NOT NULL,
        text            TEXT    NOT NULL DEFAULT '',
        priority        TEXT    NOT NULL DEFAULT 'normal'
                        CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        group_id        INTEGER REFERENCES groups (id) ON DELETE SET NULL,
        assignee_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
        due_at          REAL,
        state           TEXT    NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'in_progress', 'waiting', 'resolved',
                                         'closed')),
        result          TEXT    NOT NULL DEFAULT '',
        opened_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
        opened_by_name  TEXT    NOT NULL DEFAULT '',
        created_at      REAL    NOT NULL,
        updated_at      REAL    NOT NULL,
        resolved_at     REAL
    );
    CREATE INDEX service_tickets_by_customer ON service_tickets (customer_id, created_at);
    CREATE INDEX service_tickets_by_group ON service_tickets (group_id, state, due_at);
    CREATE INDEX service_tickets_by_assignee ON service_tickets (assignee_id, state, due_at);
    CREATE INDEX service_tickets_by_call ON service_tickets (call_id) WHERE call_id IS NOT NULL;

    CREATE TABLE service_steps (
        id          INTEGER PRIMARY KEY,
        ticket_id   INTEGER NOT NULL REFERENCES service_tickets (id) ON DELETE CASCADE,
        at          REAL    NOT NULL,
        user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
        user_name   TEXT    NOT NULL DEFAULT '',
        kind        TEXT    NOT NULL CHECK (kind IN ('step', 'state', 'assigned', 'opened')),
        text        TEXT    NOT NULL DEFAULT ''
    );
    CREATE INDEX service_steps_by_ticket ON service_steps (ticket_id, at);

    CREATE TABLE campaigns (
        id               INTEGER PRIMARY KEY,
        name             TEXT    NOT NULL,
        starts_on        TEXT    NOT NULL,  -- YYYY-MM-DD, the box's local day
        ends_on          TEXT    NOT NULL,
        groups           TEXT    NOT NULL DEFAULT '[]',  -- customer groups (JSON list)
        levels           TEXT    NOT NULL DEFAULT '[]',  -- customer levels (JSON list)
        notes            TEXT    NOT NULL DEFAULT '',
        created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_by_name  TEXT    NOT NULL DEFAULT '',
        created_at       REAL    NOT NULL,
        updated_at       REAL    NOT NULL
    );

    CREATE TABLE campaign_targets (
        campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        chosen       INTEGER NOT NULL DEFAULT 0,  -- 1: chosen by hand, 0: by group or level
        PRIMARY KEY (campaign_id, customer_id)
    ) WITHOUT ROWID;

    CREATE TABLE campaign_outcomes (
        id           INTEGER PRIMARY KEY,
        campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        call_id      INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        customer_id  INTEGER REFERENCES customers (id) ON DELETE SET NULL,
        outcome      TEXT    NOT NULL CHECK (outcome IN ('interested', 'not_interested')),
        set_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
        set_by_name  TEXT    NOT NULL DEFAULT '',
        at           REAL    NOT NULL,
        UNIQUE (campaign_id, call_id)
    );

    ALTER TABLE dial_tasks ADD COLUMN campaign_id INTEGER
        REFERENCES campaigns (id) ON DELETE SET NULL;
    ALTER TABLE sms_outbox ADD COLUMN campaign_id INTEGER
        REFERENCES campaigns (id) ON DELETE SET NULL;
    CREATE INDEX dial_tasks_by_campaign ON dial_tasks (campaign_id)
        WHERE campaign_id IS NOT NULL;
    CREATE INDEX sms_outbox_by_campaign ON sms_outbox (campaign_id, state)
        WHERE campaign_id IS NOT NULL;
    """
)

MIGRATIONS.append(
    # Quality inspection: scoring templates (each version kept: a template in use is
    # never changed, a change makes the next version), inspection tasks with the calls
    # they sampled (written when the task is made), results and appeals.
    """
    CREATE TABLE quality_templates (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL,
        version      INTEGER NOT NULL DEFAULT 1,
        replaces_id  INTEGER REFERENCES quality_templates (id) ON DELETE SET NULL,
        retired_at   REAL,     -- no new task uses it; its tasks and results keep it
        created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at   REAL NOT NULL
    );

    CREATE TABLE quality_items (
        id           INTEGER PRIMARY KEY,
        template_id  INTEGER NOT NULL REFERENCES quality_templates (id) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        text         TEXT NOT NULL,
        weight       REAL NOT NULL CHECK (weight > 0),
        max_score    INTEGER NOT NULL CHECK (max_score BETWEEN 1 AND 100)
    );
    CREATE INDEX quality_items_by_template ON quality_items (template_id, position);

    CREATE TABLE quality_tasks (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL,
        template_id     INTEGER NOT NULL REFERENCES quality_templates (id),
        group_id        INTEGER REFERENCES groups (id) ON DELETE SET NULL,  -- the rule's group
        day_from        TEXT NOT NULL,   -- YYYY-MM-DD, local
        day_to          TEXT NOT NULL,
        since           REAL NOT NULL,   -- Unix seconds of day_from's local midnight
        until           REAL NOT NULL,   -- and of the day after day_to's
        share           INTEGER NOT NULL CHECK (share BETWEEN 1 AND 100),
        min_duration_s  INTEGER NOT NULL DEFAULT 0 CHECK (min_duration_s >= 0),
        recorded_only   INTEGER NOT NULL DEFAULT 1,
        seed            TEXT NOT NULL,   -- the sampling's seed: same rule, same seed, same calls
        created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at      REAL NOT NULL
    );

    -- The operators the rule named (a group's members as they were when it was made).
    CREATE TABLE quality_task_operators (
        task_id  INTEGER NOT NULL REFERENCES quality_tasks (id) ON DELETE CASCADE,
        user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, user_id)
    );

    CREATE TABLE quality_task_inspectors (
        task_id  INTEGER NOT NULL REFERENCES quality_tasks (id) ON DELETE CASCADE,
        user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, user_id)
    );

    -- The calls a task sampled, one row per operator whose line the call was on.
    CREATE TABLE quality_samples (
        id            INTEGER PRIMARY KEY,
        task_id       INTEGER NOT NULL REFERENCES quality_tasks (id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        call_id       INTEGER REFERENCES calls (id) ON DELETE SET NULL,
        recording_id  INTEGER REFERENCES recordings (id) ON DELETE SET NULL,
        operator_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
        line          INTEGER NOT NULL,
        started_at    REAL NOT NULL,
        duration_s    REAL,
        UNIQUE (task_id, call_id, operator_id)
    );
    CREATE INDEX quality_samples_by_task ON quality_samples (task_id, position);
    CREATE INDEX quality_samples_by_operator ON quality_samples (operator_id);

    CREATE TABLE quality_results (
        sample_id       INTEGER PRIMARY KEY REFERENCES quality_samples (id) ON DELETE CASCADE,
        inspector_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
        inspector_name  TEXT NOT NULL DEFAULT '',
        scored_at       REAL NOT NULL,
        total           REAL NOT NULL,   -- 0..100: the items' scores by their weights
        comment         TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX quality_results_by_time ON quality_results (scored_at);

    CREATE TABLE quality_scores (
        sample_id  INTEGER NOT NULL REFERENCES quality_results (sample_id) ON DELETE CASCADE,
        item_id    INTEGER NOT NULL REFERENCES quality_items (id),
        score      INTEGER NOT NULL CHECK (score >= 0),
        PRIMARY KEY (sample_id, item_id)
    );

    CREATE TABLE quality_appeals (
        id               INTEGER PRIMARY KEY,
        sample_id        INTEGER NOT NULL REFERENCES quality_samples (id) ON DELETE CASCADE,
        operator_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
        reason           TEXT NOT NULL,
        made_at          REAL NOT NULL,
        state            TEXT NOT NULL DEFAULT 'open'
                         CHECK (state IN ('open', 'accepted', 'rejected')),
        decided_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
        decided_by_name  TEXT NOT NULL DEFAULT '',
        decided_at       REAL,
        decision         TEXT NOT NULL DEFAULT '',
        total_before     REAL,
        total_after      REAL
    );
    CREATE INDEX quality_appeals_by_sample ON quality_appeals (sample_id);
    """
)

MIGRATIONS.append(
    # Memos and reminders (firmware.store.memos): each user's own, optionally shared with
    # their group; the users' birthdays; how far ahead a user is shown birthdays; and the
    # presence each user chose, with the last time they did something in a page
    # (firmware.store.presence).
    """
    CREATE TABLE memos (
        id                 INTEGER PRIMARY KEY,
        user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        shared             INTEGER NOT NULL DEFAULT 0,   -- the author's group reads it too
        subject            TEXT    NOT NULL,
        at                 TEXT    NOT NULL,             -- local YYYY-MM-DD HH:MM, as written
        due_at             REAL    NOT NULL,             -- the same moment, Unix time
        place              TEXT    NOT NULL DEFAULT '',
        importance         TEXT    NOT NULL DEFAULT 'normal'
                           CHECK (importance IN ('low', 'normal', 'high')),
        remind_before_min  INTEGER NOT NULL DEFAULT 0,
        customer_id        INTEGER REFERENCES customers (id) ON DELETE SET NULL,
        done               INTEGER NOT NULL DEFAULT 0,
        notified_at        REAL,                         -- its reminder was handed out
        created_at         REAL    NOT NULL,
        updated_at         REAL    NOT NULL
    );
    CREATE INDEX memos_by_user ON memos (user_id, due_at);
    CREATE INDEX memos_by_customer ON memos (customer_id);
    CREATE INDEX memos_due ON memos (user_id, due_at) WHERE done = 0 AND notified_at IS NULL;

    CREATE TABLE staff_birthdays (
        user_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        birthday  TEXT    NOT NULL                       -- YYYY-MM-DD
    );

    CREATE TABLE memo_settings (
        user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        days_ahead  INTEGER NOT NULL DEFAULT 7
    );

    CREATE TABLE user_presence (
        user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        chosen     TEXT    NOT NULL DEFAULT 'online' CHECK (chosen IN ('online', 'away')),
        active_at  REAL                                  -- last did something in a page
    );
    """
)

MIGRATIONS.append(
    # The knowledge base (firmware.store.knowledge): categories as a tree (a parent, a
    # name, the order among siblings) and entries (title, keywords, body, category,
    # who changed it last and when). knowledge_fts indexes each entry (rowid = its id)
    # with the trigram tokenizer: the three fields as written, and the same fields as
    # short grams (pairs of Chinese characters, Latin words of one or two letters,
    # between bars) for queries of two characters; written with the entry in one
    # transaction.
    """
    CREATE TABLE knowledge_categories (
        id         INTEGER PRIMARY KEY,
        parent_id  INTEGER REFERENCES knowledge_categories (id),
        name       TEXT    NOT NULL,
        position   INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX knowledge_categories_by_parent ON knowledge_categories (parent_id, position);

    CREATE TABLE knowledge_entries (
        id               INTEGER PRIMARY KEY,
        category_id      INTEGER REFERENCES knowledge_categories (id),
        title            TEXT NOT NULL,
        keywords         TEXT NOT NULL DEFAULT '',
        body             TEXT NOT NULL DEFAULT '',
        updated_by_name  TEXT NOT NULL DEFAULT '',
        updated_at       REAL NOT NULL
    );
    CREATE INDEX knowledge_entries_by_category ON knowledge_entries (category_id);

    CREATE VIRTUAL TABLE knowledge_fts USING fts5(
        title, keywords, body, title_grams, keywords_grams, body_grams,
        tokenize = 'trigram'
    );
    """
)

MIGRATIONS.append(
    # Custom fields (firmware.store.custom_fields): fields the admin defines per kind of
    # record (customer, contact record, knowledge-base entry), and their values, one row
    # per field and record, kept as text in a canonical form (money as whole cents).
    # Values of a customer or a contact record go with it (triggers); other kinds' owners
    # remove theirs (``CustomFields.forget``). The data dictionary
    # (firmware.store.dictionary): the parameter lists forms choose from, seeded with
    # defaults in English and Chinese and with the levels and groups already in use.
    # List columns (firmware.store.list_columns): each user's choice and order of a
    # list's columns.
    """
    CREATE TABLE custom_fields (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('customer', 'contact', 'knowledge')),
        name        TEXT NOT NULL,
        type        TEXT NOT NULL
                    CHECK (type IN ('text', 'number', 'date', 'link', 'memo', 'money', 'yesno')),
        required    INTEGER NOT NULL DEFAULT 0,
        position    INTEGER NOT NULL DEFAULT 0,
        in_list     INTEGER NOT NULL DEFAULT 0,
        created_at  REAL NOT NULL,
        UNIQUE (kind, name)
    );

    CREATE TABLE custom_values (
        field_id   INTEGER NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
        record_id  INTEGER NOT NULL,
        value      TEXT NOT NULL,
        PRIMARY KEY (field_id, record_id)
    ) WITHOUT ROWID;
    CREATE INDEX custom_values_by_record ON custom_values (record_id, field_id);

    CREATE TRIGGER custom_values_of_customer AFTER DELETE ON customers BEGIN
        DELETE FROM custom_values WHERE record_id = old.id
            AND field_id IN (SELECT id FROM custom_fields WHERE kind = 'customer');
    END;
    CREATE TRIGGER custom_values_of_contact AFTER DELETE ON contacts BEGIN
        DELETE FROM custom_values WHERE record_id = old.id
            AND field_id IN (SELECT id FROM custom_fields WHERE kind = 'contact');
    END;

    CREATE TABLE dictionary_entries (
        id         INTEGER PRIMARY KEY,
        list_name  TEXT NOT NULL,
        value      TEXT NOT NULL,              -- what records keep, and English readers see
        label_zh   TEXT NOT NULL DEFAULT '',   -- what Chinese readers see ('': the value)
        position   INTEGER NOT NULL,
        retired    INTEGER NOT NULL DEFAULT 0, -- no longer offered; stored values stay
        UNIQUE (list_name, value)
    );
    INSERT INTO dictionary_entries (list_name, value, label_zh, position) VALUES
        ('contact_types', 'call', '电话', 1), ('contact_types', 'visit', '拜访', 2),
        ('contact_types', 'email', '电子邮件', 3), ('contact_types', 'message', '消息', 4),
        ('contact_types', 'note', '备注', 5),
        ('customer_levels', 'A', '', 1), ('customer_levels', 'B', '', 2),
        ('customer_levels', 'C', '', 3),
        ('phone_types', 'mobile', '手机', 1), ('phone_types', 'office', '办公', 2),
        ('phone_types', 'home', '住宅', 3), ('phone_types', 'fax', '传真', 4),
        ('payment_methods', 'cash', '现金', 1),
        ('payment_methods', 'bank transfer', '银行转账', 2),
        ('payment_methods', 'WeChat Pay', '微信支付', 3),
        ('payment_methods', 'Alipay', '支付宝', 4),
        ('order_states', 'new', '新建', 1), ('order_states', 'confirmed', '已确认', 2),
        ('order_states', 'shipped', '已发货', 3), ('order_states', 'done', '已完成', 4),
        ('order_states', 'cancelled', '已取消', 5);
    INSERT OR IGNORE INTO dictionary_entries (list_name, value, position)
        SELECT 'customer_levels', grade, 3 + row_number() OVER (ORDER BY grade)
        FROM (SELECT DISTINCT grade FROM customers WHERE grade != '');
    INSERT OR IGNORE INTO dictionary_entries (list_name, value, position)
        SELECT 'customer_groups', category, row_number() OVER (ORDER BY category)
        FROM (SELECT DISTINCT category FROM customers WHERE category != '');

    CREATE TABLE list_columns (
        user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        list_name  TEXT NOT NULL,
        columns    TEXT NOT NULL,  -- a JSON list of column keys, in their order
        PRIMARY KEY (user_id, list_name)
    ) WITHOUT ROWID;
    """
)

MIGRATIONS.append(
    # Sales (firmware.store.products, orders, opportunities): products with their stock,
    # every change of a product's stock as a move (orders, cancellations, goods received,
    # corrections), orders with their lines, and opportunities with their follow-ups.
    # Money is whole cents (INTEGER), never a float. An order keeps its customer's name, so
    # that deleting a customer leaves the sales figures whole (customer_id becomes NULL);
    # its lines keep the order's day and whether it counts as a sale, so that the report
    # reads the lines alone. campaign_id has no foreign key yet: campaigns come later.
    """
    CREATE TABLE products (
        id            INTEGER PRIMARY KEY,
        code          TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        unit          TEXT NOT NULL DEFAULT '',
        price_cents   INTEGER NOT NULL CHECK (price_cents >= 0),
        stock         INTEGER NOT NULL DEFAULT 0,
        low_stock     INTEGER NOT NULL DEFAULT 0 CHECK (low_stock >= 0),
        retired       INTEGER NOT NULL DEFAULT 0,
        created_at    REAL NOT NULL,
        updated_at    REAL NOT NULL
    );

    CREATE TABLE sales_settings (
        id                    INTEGER PRIMARY KEY CHECK (id = 1),
        allow_negative_stock  INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO sales_settings (id, allow_negative_stock) VALUES (1, 0);

    CREATE TABLE orders (
        id             INTEGER PRIMARY KEY,
        customer_id    INTEGER REFERENCES customers (id) ON DELETE SET NULL,
        customer_name  TEXT NOT NULL,
        operator_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
        ordered_on     TEXT NOT NULL,      -- YYYY-MM-DD, the box's local day
        state          TEXT NOT NULL,
        payment        TEXT NOT NULL,
        total_cents    INTEGER NOT NULL,
        note           TEXT NOT NULL DEFAULT '',
        opportunity_id INTEGER,
        campaign_id    INTEGER,
        created_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at     REAL NOT NULL,
        updated_at     REAL NOT NULL
    );
    CREATE INDEX orders_by_customer ON orders (customer_id, ordered_on, state, total_cents);
    CREATE INDEX orders_for_report
        ON orders (ordered_on, state, operator_id, customer_id, total_cents);
    CREATE INDEX orders_by_campaign ON orders (campaign_id) WHERE campaign_id IS NOT NULL;

    CREATE TABLE order_lines (
        id           INTEGER PRIMARY KEY,
        order_id     INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        product_id   INTEGER NOT NULL REFERENCES products (id),
        quantity     INTEGER NOT NULL CHECK (quantity > 0),
        unit_cents   INTEGER NOT NULL CHECK (unit_cents >= 0),
        total_cents  INTEGER NOT NULL,
        ordered_on   TEXT NOT NULL,        -- the order's, for the report
        counted      INTEGER NOT NULL      -- the order's state counts as a sale
    );
    CREATE INDEX order_lines_by_order
        ON order_lines (order_id, counted, product_id, quantity, total_cents);
    CREATE INDEX order_lines_for_report
        ON order_lines (product_id, ordered_on, quantity, total_cents) WHERE counted = 1;

    CREATE TABLE stock_moves (
        id          INTEGER PRIMARY KEY,
        product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        at          REAL NOT NULL,
        change      INTEGER NOT NULL,
        stock_after INTEGER NOT NULL,
        kind        TEXT NOT NULL,         -- order, cancel, received, correction
        reason      TEXT NOT NULL DEFAULT '',
        order_id    INTEGER REFERENCES orders (id) ON DELETE SET NULL,
        user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL
    );
    CREATE INDEX stock_moves_by_product ON stock_moves (product_id, at);

    CREATE TABLE opportunities (
        id            INTEGER PRIMARY KEY,
        customer_id   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        title         TEXT NOT NULL,
        stage         TEXT NOT NULL,
        amount_cents  INTEGER NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
        close_on      TEXT,                -- YYYY-MM-DD, expected
        owner_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at    REAL NOT NULL,
        updated_at    REAL NOT NULL
    );
    CREATE INDEX opportunities_by_customer ON opportunities (customer_id);
    CREATE INDEX opportunities_by_stage ON opportunities (stage);

    CREATE TABLE opportunity_followups (
        id              INTEGER PRIMARY KEY,
        opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
        on_day          TEXT NOT NULL,     -- YYYY-MM-DD
        text            TEXT NOT NULL,
        next_step       TEXT NOT NULL DEFAULT '',
        added_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at      REAL NOT NULL
    );
    CREATE INDEX followups_by_opportunity ON opportunity_followups (opportunity_id, on_day);
    """
)

MIGRATIONS.append(
    # Orders keep their payment method as the data dictionary's value (the admin's list of
    # payment methods, renamed there in the orders too): the keys orders kept before are
    # rewritten to the values the list was seeded with, and "other" joins the list.
    """
    INSERT INTO dictionary_entries (list_name, value, label_zh, position)
    SELECT 'payment_methods', 'other', '其他',
           coalesce((SELECT max(position) FROM dictionary_entries
                     WHERE list_name = 'payment_methods'), 0) + 1
    WHERE NOT EXISTS (SELECT 1 FROM dictionary_entries
                      WHERE list_name = 'payment_methods' AND value = 'other' COLLATE NOCASE);
    UPDATE orders SET payment = CASE payment
        WHEN 'bank_transfer' THEN 'bank transfer'
        WHEN 'wechat_pay' THEN 'WeChat Pay'
        WHEN 'alipay' THEN 'Alipay'
        ELSE payment END;
    """
)
