//! The service's database: SQLite in WAL mode with every commit synced
//! (`synchronous=FULL`), so what is acknowledged survives a crash or a power cut. The
//! schema's version is SQLite's `PRAGMA user_version`; [`open`] brings an older database
//! up to date, one migration at a time, and refuses a newer one.

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use std::path::Path;
use std::time::Duration;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Each migration, the one at index `i` taking the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
    -- model_plan (the plan's bytes), model_hash, model_name, clock (microseconds).
    CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    -- Each lead put, with its attributes as the JSON object posted (without the id);
    -- seq orders the writes. Leads named only in events are not here.
    CREATE TABLE leads (id TEXT PRIMARY KEY, attributes TEXT NOT NULL, seq INTEGER NOT NULL);
    -- Each event stored, as the JSON object posted; ts is its time (microseconds), NULL
    -- for an event of a type the model did not declare.
    CREATE TABLE events (seq INTEGER PRIMARY KEY, lead TEXT NOT NULL, ts INTEGER,
                         record TEXT NOT NULL);
    -- Each transition, as GET /v1/changes and the webhooks give it (with its seq).
    CREATE TABLE changes (seq INTEGER PRIMARY KEY, lead TEXT NOT NULL, at INTEGER NOT NULL,
                          change TEXT NOT NULL);
    -- The changes still to deliver to the webhook.
    CREATE TABLE outbox (change_seq INTEGER PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0,
                         next_try INTEGER NOT NULL DEFAULT 0);
"#];

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// SQLite would not use its write-ahead log for the file (an in-memory database).
    #[error("the database cannot be in WAL mode (it is in `{0}` mode)")]
    NotWal(String),
    /// The database was made by a newer leadscore.
    #[error("the database has schema version {0}, newer than this leadscore's ({SCHEMA_VERSION}): use a newer leadscore")]
    Newer(i64),
}

/// Opens (creating it if needed) the database for writing, migrated to
/// [`SCHEMA_VERSION`].
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NotWal(mode));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(Duration::from_secs(10))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Keeps every other service off the database while this one runs: an exclusive lock on
/// the file `DB.lock` beside it, held while the returned file is open (the system lets
/// go of it when the process ends, however it ends). Two services writing one database
/// would number their changes over each other's.
pub fn lock(path: &Path) -> Result<std::fs::File, String> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let name = std::path::PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|e| format!("cannot open `{}`: {e}", name.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another `leadscore serve` is using `{}` (it holds `{}`): stop it first",
            path.display(),
            name.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("cannot lock `{}`: {e}", name.display()))
        }
    }
}

/// Opens the database for reading (the changes feed, the webhook outbox): WAL lets it
/// read while the writer writes.
pub fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer(version));
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", from as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// A value of the meta table.
pub fn meta<T: rusqlite::types::FromSql>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let value = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(value)
}

/// Sets a value of the meta table.
pub fn set_meta(
    tx: &Transaction<'_>,
    key: &str,
    value: impl rusqlite::ToSql,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The largest `seq` of a table (0 when it is empty).
pub fn last_seq(conn: &Connection, table: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT COALESCE(MAX(seq), 0) FROM {table}");
    Ok(conn.query_row(&sql, [], |row| row.get(0))?)
}

/// Every lead put: its id and attributes (a JSON object), in the order written.
pub fn leads(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut statement = conn.prepare("SELECT id, attributes FROM leads ORDER BY seq")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One stored event.
pub struct StoredEvent {
    pub seq: i64,
    pub lead: String,
    pub record: String,
}

/// Every stored event, in the order stored.
pub fn events(conn: &Connection) -> Result<Vec<StoredEvent>, StoreError> {
    let mut statement = conn.prepare("SELECT seq, lead, record FROM events ORDER BY seq")?;
    let rows = statement.query_map([], |row| {
        Ok(StoredEvent {
            seq: row.get(0)?,
            lead: row.get(1)?,
            record: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The changes after `after`, at most `limit`, each as its JSON text.
pub fn changes_after(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut statement = conn
        .prepare_cached("SELECT seq, change FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
    let rows = statement.query_map([after, limit], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A change waiting in the outbox.
pub struct Outgoing {
    pub seq: i64,
    pub attempts: i64,
    pub change: String,
}

/// The outbox's changes after `after`, oldest first, at most `limit`.
pub fn outbox_after(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> Result<Vec<Outgoing>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT o.change_seq, o.attempts, c.change FROM outbox o
         JOIN changes c ON c.seq = o.change_seq
         WHERE o.change_seq > ?1 ORDER BY o.change_seq LIMIT ?2",
    )?;
    let rows = statement.query_map([after, limit], |row| {
        Ok(Outgoing {
            seq: row.get(0)?,
            attempts: row.get(1)?,
            change: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many changes wait in the outbox.
pub fn outbox_len(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM outbox", [], |row| row.get(0))?)
}
