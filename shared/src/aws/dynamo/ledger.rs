//! The message ledger: what the engine knows of each of a user's messages
//! ([`HistoryEntry`]), kept in the user's profile partition so the generation scan returns it
//! with the profile and no user costs a history Query. It also keeps each push's delivery
//! time, so the activity consumer finds the pushes an activity rewards in it.
//!
//! One item per message, `sk = ~LEDGER#<id>` (after the profile's other items), short
//! attribute names, the message's own `retain_until` as TTL `expires_at` (so the ledger holds
//! exactly the retained messages: bounded by the retention policy and the frequency caps). A marker item `sk = ~LEDGER` says
//! the user's ledger is complete; until it is written (users with messages from before the
//! ledger), generation reads the history with a Query and writes the ledger from it.
//!
//! How the ledger stays equal to the messages:
//! - every write that changes a field the engine reads changes the ledger entry in the same
//!   transaction (`change`), setting only the fields it changes, as it does on the message;
//! - a whole entry is written (`entry`) with the fields a later change may have set first
//!   (`status`, send time, stamps, TTL) under `if_not_exists`, so writing an entry after a
//!   change (a delivery that finished between the generation's message write and its ledger
//!   write), or twice, never undoes the change; the entry of a message just written and not
//!   due for a while ([`UNTOUCHED_FOR`]), which nothing else writes before its send time, is
//!   put whole in a batch (`entry_item`);
//! - a message's deletion deletes its entry right after it;
//! - an entry is only trusted once it holds every field: a change that reached an entry
//!   before its whole write (or a message from before the ledger) leaves a partial item,
//!   which the reader skips and the next whole write completes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Update};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;

use super::batch::{pk_sk, Item};
use super::{user_pk, StoreError};
use crate::domain::messages::{Message, MessageStatus};
use crate::domain::preferences::{MessageType, Tone};
use crate::domain::user::UserId;
use crate::engine::history::{engine_status, HistoryEntry};

/// Sort key prefix of ledger entries. `~` sorts after every other item's sort key, so a
/// profile read that does not need the ledger stops before it ([`LEDGER_FIRST`]).
pub(super) const LEDGER_PREFIX: &str = "~LEDGER#";
/// Sort key of the marker saying the user's ledger is complete.
pub(super) const LEDGER_MARKER: &str = "~LEDGER";
/// No sort key of the partition's other items reaches this; every ledger item's starts with it.
pub(super) const LEDGER_FIRST: &str = "~";

/// The key of message `id`'s ledger entry in partition `pk`.
fn entry_key_in(pk: String, id: &str) -> Item {
    pk_sk(pk, format!("{LEDGER_PREFIX}{id}"))
}

/// The key of message `id`'s ledger entry.
pub(super) fn entry_key(user: &UserId, id: &str) -> Item {
    entry_key_in(user_pk(user), id)
}

/// The key of the ledger entry of the message whose key (`pk`, `sk = MSG#<id>`) is `message`.
pub(super) fn entry_key_of(message: &Item) -> Option<Item> {
    let pk = message.get("pk")?.as_s().ok()?;
    let id = message.get("sk")?.as_s().ok()?.strip_prefix("MSG#")?;
    Some(entry_key_in(pk.clone(), id))
}

/// The key of the user's ledger marker.
pub(super) fn marker_key(user: &UserId) -> Item {
    pk_sk(user_pk(user), LEDGER_MARKER)
}

fn value<T: serde::Serialize>(v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(StoreError::corrupt("ledger entry"))
}

fn ttl(m: &Message) -> AttributeValue {
    AttributeValue::N(m.retain_until().timestamp().to_string())
}

/// A ledger write being built: `SET` clauses, their values and their names (every name
/// goes through a placeholder: some short ones are reserved words).
struct Sets {
    clauses: Vec<String>,
    values: HashMap<String, AttributeValue>,
    names: HashMap<String, String>,
}

impl Sets {
    fn new() -> Self {
        Sets {
            clauses: Vec::new(),
            values: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// `name = value`.
    fn set(&mut self, name: &str, v: AttributeValue) {
        self.clauses.push(format!("#{name} = :{name}"));
        self.values.insert(format!(":{name}"), v);
        self.names.insert(format!("#{name}"), name.to_owned());
    }

    /// `name = if_not_exists(name, value)`: kept if a change wrote it first.
    fn fill(&mut self, name: &str, v: AttributeValue) {
        self.clauses
            .push(format!("#{name} = if_not_exists(#{name}, :{name})"));
        self.values.insert(format!(":{name}"), v);
        self.names.insert(format!("#{name}"), name.to_owned());
    }

    fn update(self, table: &str, key: Item) -> Result<Update, StoreError> {
        Update::builder()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(format!("SET {}", self.clauses.join(", ")))
            .set_expression_attribute_values(Some(self.values))
            .set_expression_attribute_names(Some(self.names))
            .build()
            .map_err(StoreError::dynamo)
    }
}

/// The attributes of `m`'s whole entry, each with whether a change may have written it first
/// (status, send time, stamps, TTL).
fn entry_fields(m: &Message) -> Result<Vec<(&'static str, AttributeValue, bool)>, StoreError> {
    let mut f = vec![
        ("o", AttributeValue::S(m.occurrence.clone()), false),
        ("ty", value(&m.message_type)?, false),
        ("tp", AttributeValue::S(m.template_id.clone()), false),
        ("va", AttributeValue::S(m.variant_id.clone()), false),
        ("tn", value(&m.tone)?, false),
        ("at", value(&m.send_at)?, true),
        ("st", value(&engine_status(m.status))?, true),
        ("expires_at", ttl(m), true),
    ];
    if let Some(t) = m.read_at {
        f.push(("rd", value(&t)?, true));
    }
    if let Some(t) = m.acted_at {
        f.push(("ac", value(&t)?, true));
    }
    if let Some(t) = m.delivered_at {
        f.push(("dv", value(&t)?, true));
    }
    if m.rewarded_at.is_some() {
        f.push(("rw", AttributeValue::Bool(true), false));
    }
    Ok(f)
}

/// Writes `m`'s whole entry without undoing a change that reached it first (see the module
/// doc): idempotent, safe in any order with the changes.
pub(super) fn entry(table: &str, user: &UserId, m: &Message) -> Result<Update, StoreError> {
    let mut s = Sets::new();
    for (name, v, changeable) in entry_fields(m)? {
        if changeable {
            s.fill(name, v);
        } else {
            s.set(name, v);
        }
    }
    s.update(table, entry_key(user, &m.id))
}

/// Writes the marker saying `user`'s ledger is complete.
pub(super) fn marker(table: &str, user: &UserId) -> Result<Update, StoreError> {
    let mut s = Sets::new();
    s.fill("since", value(&Utc::now())?);
    s.update(table, marker_key(user))
}

/// How long after its write a message stays out of every other writer's reach, at least: a
/// message due later than this is only delivered (and so only changed) after it, so its entry
/// may be put whole, without the `if_not_exists` care of [`entry`].
pub(super) const UNTOUCHED_FOR: chrono::Duration = chrono::Duration::minutes(10);

/// The whole entry of a message nothing else can have changed yet (see [`UNTOUCHED_FOR`]), as
/// an item to put: what [`entry`] would leave.
pub(super) fn entry_item(user: &UserId, m: &Message) -> Result<Item, StoreError> {
    let mut item = entry_key(user, &m.id);
    item.extend(
        entry_fields(m)?
            .into_iter()
            .map(|(name, v, _)| (name.to_owned(), v)),
    );
    Ok(item)
}

/// What a write changes of a message, for its ledger entry.
#[derive(Debug, Clone, Default)]
pub(super) struct Change {
    pub status: Option<MessageStatus>,
    pub send_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub acted_at: Option<DateTime<Utc>>,
    /// Set by the write that records the delivery.
    pub delivered_at: Option<DateTime<Utc>>,
    pub rewarded: bool,
}

/// The ledger side of a write that changes `after` (the message as it is once written) by
/// `change`: sets what changed, and the TTL (set when it moves, kept otherwise).
pub(super) fn change(
    table: &str,
    user: &UserId,
    after: &Message,
    change: &Change,
) -> Result<Update, StoreError> {
    let mut s = Sets::new();
    if let Some(st) = change.status {
        s.set("st", value(&engine_status(st))?);
    }
    // A change writes its times to the message in milliseconds (`millis`): so does the ledger.
    if let Some(t) = change.send_at {
        s.set("at", value(&t.trunc_subsecs(3))?);
    }
    if let Some(t) = change.read_at {
        s.set("rd", value(&t.trunc_subsecs(3))?);
    }
    if let Some(t) = change.acted_at {
        s.set("ac", value(&t.trunc_subsecs(3))?);
    }
    if let Some(t) = change.delivered_at {
        s.set("dv", value(&t.trunc_subsecs(3))?);
    }
    if change.rewarded {
        s.set("rw", AttributeValue::Bool(true));
    }
    if change.send_at.is_some() || change.acted_at.is_some() {
        s.set("expires_at", ttl(after));
    } else {
        s.fill("expires_at", ttl(after));
    }
    s.update(table, entry_key(user, &after.id))
}

/// A ledger item as stored; every field but the stamps is optional, so a partial item (see
/// the module doc) reads without error and is skipped.
#[derive(Deserialize)]
struct Stored {
    sk: String,
    o: Option<String>,
    ty: Option<MessageType>,
    tp: Option<String>,
    va: Option<String>,
    tn: Option<Tone>,
    at: Option<DateTime<Utc>>,
    st: Option<MessageStatus>,
    rd: Option<DateTime<Utc>>,
    ac: Option<DateTime<Utc>>,
    /// Absent from entries written before the ledger kept delivery times.
    dv: Option<DateTime<Utc>>,
    #[serde(default)]
    rw: bool,
}

/// The entry a stored ledger item holds (`Ok(None)` for a partial item). Like the history
/// Query, it does not judge the TTL: an entry lives exactly as long as its message would.
pub(super) fn decode(item: Item) -> Result<Option<HistoryEntry>, StoreError> {
    let s: Stored = serde_dynamo::from_item(item).map_err(StoreError::corrupt("ledger entry"))?;
    let (Some(occurrence), Some(message_type), Some(template_id), Some(variant_id)) =
        (s.o, s.ty, s.tp, s.va)
    else {
        return Ok(None);
    };
    let (Some(tone), Some(send_at), Some(status)) = (s.tn, s.at, s.st) else {
        return Ok(None);
    };
    let Some(message_id) = s.sk.strip_prefix(LEDGER_PREFIX) else {
        return Ok(None);
    };
    Ok(Some(HistoryEntry {
        message_id: message_id.to_owned(),
        occurrence,
        message_type,
        template_id,
        variant_id,
        tone,
        send_at,
        status,
        read_at: s.rd,
        acted_at: s.ac,
        rewarded: s.rw,
        delivered_at: s.dv,
    }))
}

/// Orders entries as the history Query returns messages: by send time, then id.
pub(super) fn in_history_order(entries: &mut [HistoryEntry]) {
    entries.sort_by(|a, b| {
        a.send_at
            .cmp(&b.send_at)
            .then_with(|| a.message_id.cmp(&b.message_id))
    });
}
