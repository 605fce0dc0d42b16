//! Retrying the part of a batch AWS did not take: full-jitter exponential backoff.

use std::time::Duration;

/// Full-jitter exponential backoff: a uniform wait in [0, min(2 s, 25 ms · 2^attempt)).
pub fn backoff(attempt: u32) -> Duration {
    let cap_ms = (25u64 << attempt.min(7)).min(2_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let unit = crate::engine::rng::stable_unit(&[&nanos.to_string(), &attempt.to_string()]);
    Duration::from_millis((unit * cap_ms as f64) as u64)
}

/// Sends `first`, then whatever part of it the service did not take, until nothing is left:
/// `send` makes one call and returns its output with the part left over (`None`: all taken).
/// Between calls a [`backoff`] wait; after `attempts` calls with something still left, the
/// error `exhausted(attempts, what was left)`. The one loop behind BatchWriteItem's unprocessed items,
/// BatchGetItem's unprocessed keys and PutEvents' failed entries.
pub async fn until_all_taken<P, T, E, F, Fut>(
    first: P,
    attempts: u32,
    mut send: F,
    exhausted: impl FnOnce(u32, P) -> E,
) -> Result<Vec<T>, E>
where
    F: FnMut(P) -> Fut,
    Fut: std::future::Future<Output = Result<(T, Option<P>), E>>,
{
    let mut outputs = Vec::new();
    let mut pending = Some(first);
    let mut attempt = 0;
    while let Some(part) = pending.take() {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        attempt += 1;
        let (output, left) = send(part).await?;
        outputs.push(output);
        match left {
            Some(left) if attempt >= attempts => return Err(exhausted(attempt, left)),
            left => pending = left,
        }
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service that takes at most two items per call.
    async fn takes_two(items: Vec<u32>) -> Result<(usize, Option<Vec<u32>>), String> {
        let left: Vec<u32> = items.iter().skip(2).copied().collect();
        Ok((items.len().min(2), (!left.is_empty()).then_some(left)))
    }

    #[tokio::test]
    async fn retries_what_is_left_until_it_is_taken_or_attempts_run_out() {
        let taken = until_all_taken(vec![1, 2, 3, 4, 5], 8, takes_two, |n, _| n.to_string()).await;
        assert_eq!(taken, Ok(vec![2, 2, 1]));
        let exhausted = until_all_taken(vec![1, 2, 3, 4, 5], 2, takes_two, |n, left| {
            format!("{left:?} left after {n}")
        })
        .await;
        assert_eq!(exhausted, Err("[5] left after 2".to_owned()));
        let failed = until_all_taken(
            vec![1],
            8,
            |_: Vec<u32>| async { Err::<(usize, Option<Vec<u32>>), _>("down".to_owned()) },
            |n, _| n.to_string(),
        )
        .await;
        assert_eq!(failed, Err("down".to_owned()));
    }
}
