//! Parallel-scan segments of the profiles table, user by user (generation workers only; no
//! request path scans).

use aws_sdk_dynamodb::types::AttributeValue;

use super::batch::Item;
use super::profiles::{Profile, ProfileReader, ProfileStore, RATE_PREFIX};
use super::StoreError;
use crate::domain::events::ScanStart;
use crate::domain::user::UserId;

/// The complete profiles of some users of a segment, and where the segment resumes.
#[derive(Debug, Clone)]
pub struct ProfilePage {
    pub users: Vec<(UserId, Profile)>,
    /// `None` when the segment is exhausted.
    pub next: Option<ScanStart>,
}

/// A sort key after every item's: the scan resumes after the whole partition of the user it
/// names, so items written into that partition since it was read (its ledger entries, written
/// as its page is stored) do not come back as another "user".
const AFTER_EVERY_ITEM: &str = "\u{10FFFF}";

/// Where a scan resumes after the user whose item `item` is.
fn after_user_of(item: &Item) -> Option<ScanStart> {
    Some(ScanStart {
        pk: item.get("pk")?.as_s().ok()?.clone(),
        sk: AFTER_EVERY_ITEM.to_owned(),
    })
}

impl ProfileStore {
    /// Reads the next users of scan segment `segment` of `total`, after `start`, about
    /// `limit` items' worth. A partition's items arrive together in a scan, but a page may
    /// end inside one; that user is held back and the page resumes at the last complete user,
    /// so every user comes out whole and exactly once per pass.
    pub async fn scan_profiles(
        &self,
        segment: u32,
        total: u32,
        start: Option<ScanStart>,
        limit: i32,
    ) -> Result<ProfilePage, StoreError> {
        let mut items: Vec<Item> = Vec::new();
        let mut cursor = start.map(|s| {
            Item::from([
                ("pk".to_owned(), AttributeValue::S(s.pk)),
                ("sk".to_owned(), AttributeValue::S(s.sk)),
            ])
        });
        let exhausted = loop {
            let out = self
                .client()
                .scan()
                .table_name(self.table())
                .segment(segment as i32)
                .total_segments(total as i32)
                .set_exclusive_start_key(cursor.take())
                .limit(limit)
                .send()
                .await
                .map_err(StoreError::dynamo)?;
            items.extend(out.items.unwrap_or_default());
            cursor = out.last_evaluated_key;
            let Some(_) = cursor else { break true };
            // Stop once the page holds at least one complete user (one that another user's
            // items follow); otherwise one huge partition filled it, so read on.
            let first = items.first().and_then(|i| i.get("pk"));
            if items.iter().any(|i| i.get("pk") != first) {
                break false;
            }
        };
        let mut users: Vec<(String, Vec<Item>)> = Vec::new();
        for item in items {
            let pk = item
                .get("pk")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            match users.last_mut() {
                Some((last, group)) if *last == pk => group.push(item),
                _ => users.push((pk, vec![item])),
            }
        }
        let next = if exhausted {
            None
        } else {
            // The last user may continue on the next page: hold it back.
            users.pop();
            users
                .last()
                .and_then(|(_, group)| group.last())
                .and_then(after_user_of)
        };
        let mut out = Vec::with_capacity(users.len());
        for (pk, mut group) in users {
            let Some(user) = pk.strip_prefix("USER#").and_then(|s| UserId::parse(s).ok()) else {
                continue;
            };
            // Rate-limit windows outlive an erasure; a partition of nothing else is no user.
            group.retain(|i| {
                !i.get("sk")
                    .and_then(|s| s.as_s().ok())
                    .is_some_and(|s| s.starts_with(RATE_PREFIX))
            });
            if group.is_empty() {
                continue;
            }
            let mut profile = ProfileReader::new();
            for item in group {
                profile.absorb(item)?;
            }
            out.push((user, profile.finish()));
        }
        Ok(ProfilePage { users: out, next })
    }
}
