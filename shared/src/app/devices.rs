//! The user's push devices: registration as an SNS platform endpoint, and removal.
//!
//! Idempotence: registering the same device and token again changes nothing; a changed token
//! updates the endpoint, a disabled endpoint is re-enabled with the fresh token, and an
//! endpoint replaced by another (a new platform, SNS handing back another endpoint for the
//! token) is deleted. A user keeps at most [`MAX_DEVICES`]: a new one beyond replaces the
//! one updated longest ago. A registration an erasure overtook is undone. Removal deletes the endpoint first, so a failure before the item's
//! delete leaves what a retry needs to finish.

use chrono::{DateTime, SubsecRound, Utc};

use crate::app::AppError;
use crate::aws::dynamo::ProfileStore;
use crate::aws::sns::Push;
use crate::domain::devices::{Device, DeviceInput};
use crate::domain::user::UserId;
use crate::engine::retention::survives_erasure;

/// Most devices a user keeps: a new one beyond it replaces the one updated longest ago (a
/// reinstalled app registers under a new id; its old id is dead), so a message never fans out
/// to more than this many pushes. A soft cap: two new registrations at the same instant may
/// leave one more until the next registration.
pub const MAX_DEVICES: usize = 10;

/// A registration's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub device: Device,
    /// The device is new to the user.
    pub created: bool,
}

/// Registers (or refreshes) the user's device `device_id` with a checked `input`. `None`: an
/// erasure of the user overtook the registration, and it was undone (device and endpoint).
pub async fn register(
    profiles: &ProfileStore,
    push: &Push,
    user: &UserId,
    device_id: String,
    input: DeviceInput,
    now: DateTime<Utc>,
) -> Result<Option<Registered>, AppError> {
    let mine = profiles.profile(user).await?.devices;
    let existing = mine.iter().find(|d| d.device_id == device_id).cloned();
    if existing.is_none() {
        let mut devices = mine.clone();
        if devices.len() >= MAX_DEVICES {
            devices.sort_by_key(|d| d.updated_at);
            let excess = devices.len() + 1 - MAX_DEVICES;
            for old in devices.iter().take(excess) {
                tracing::info!(device = %old.device_id, "device limit: the oldest is replaced");
                remove(profiles, push, user, &old.device_id).await?;
            }
        }
    }
    let same_platform = existing.as_ref().filter(|d| d.platform == input.platform);
    let ensured = push
        .ensure_endpoint(
            user,
            input.platform,
            &input.token,
            same_platform.map(|d| d.endpoint_arn.as_str()),
        )
        .await?;
    let arn = ensured.arn;
    // One phone, two logins: the token now belongs to this account, so the other account's
    // device for it goes (its pushes would reach this user). Its endpoint stays: it is ours.
    if let Some(other) = ensured.taken_from.and_then(|u| UserId::parse(&u).ok()) {
        for d in profiles.profile(&other).await?.devices {
            if d.endpoint_arn == arn {
                tracing::info!(device = %d.device_id, "push token moved to another account");
                profiles.delete_device(&other, &d.device_id).await?;
            }
        }
    }
    // The same phone under another of this user's ids (an app reinstalled): one device per
    // endpoint, or each message would reach the phone twice.
    for d in mine
        .iter()
        .filter(|d| d.device_id != device_id && d.endpoint_arn == arn)
    {
        profiles.delete_device(user, &d.device_id).await?;
    }
    if let Some(old) = existing.as_ref().filter(|d| d.endpoint_arn != arn) {
        push.delete_endpoint(user, &old.endpoint_arn).await?;
    }
    let now = now.trunc_subsecs(3);
    let unchanged = existing.as_ref().is_some_and(|d| {
        d.platform == input.platform && d.token == input.token && d.endpoint_arn == arn && d.enabled
    });
    let device = match existing.as_ref() {
        Some(d) if unchanged => d.clone(),
        _ => Device {
            device_id,
            platform: input.platform,
            token: input.token,
            endpoint_arn: arn,
            enabled: true,
            created_at: existing.as_ref().map_or(now, |d| d.created_at),
            updated_at: now,
        },
    };
    if !unchanged {
        profiles.put_device(user, &device).await?;
        if !survives_erasure(now, profiles.erased_at(user).await?) {
            profiles.delete_device(user, &device.device_id).await?;
            push.delete_endpoint(user, &device.endpoint_arn).await?;
            return Ok(None);
        }
    }
    Ok(Some(Registered {
        device,
        created: existing.is_none(),
    }))
}

/// Removes the user's device and its endpoint; an absent device is not an error.
pub async fn remove(
    profiles: &ProfileStore,
    push: &Push,
    user: &UserId,
    device_id: &str,
) -> Result<(), AppError> {
    let devices = profiles.profile(user).await?.devices;
    if let Some(device) = devices.iter().find(|d| d.device_id == device_id) {
        // An endpoint another of the user's devices still names stays (a record written
        // before devices were kept one per endpoint).
        let shared = devices
            .iter()
            .any(|d| d.device_id != device_id && d.endpoint_arn == device.endpoint_arn);
        if !shared {
            push.delete_endpoint(user, &device.endpoint_arn).await?;
        }
        profiles.delete_device(user, device_id).await?;
    }
    Ok(())
}
