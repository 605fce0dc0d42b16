//! The per-day counters each message event adds: the dimensions a message is counted under
//! and the counters an event adds there. Daily analytics and the learner read them; the
//! statistics table keeps them (`aws::dynamo::daily`), the simulator counts them the same way.
//!
//! Dimensions: `all`, `type#…`, `tone#…`, `segment#…`, `variant#<template>#<variant>`,
//! `experiment#<id>#<variant>`, and the learners' `type_segment#…`, `arm#…`, `rival#…`,
//! `lead#…` and `n7#…` of `engine::learned`.
//!
//! Counters: `sent`, `failed`, `expired`, `irrelevant`, `rewarded`, `read`, `acted`, `dismissed`, `read_seconds` /
//! `read_count` (delivery to first read), `act_seconds` / `act_count`, `feedback`,
//! `rating_sum` / `rating_count`, `helpful`, `unhelpful`.

use std::collections::BTreeMap;

use crate::domain::messages::Message;
use crate::engine::learned::n7_bucket;

/// Days counters and reports are kept.
pub const DAILY_RETENTION_DAYS: i64 = 400;

/// Every dimension a message is counted under, each with the weight of its weighted
/// counters (`w_sent`, `w_rewarded`, in thousandths) where it has them: the learners'
/// dimensions of `engine::learned` (type × segment, the chosen arm at 1/p, each rival arm at
/// 1/(1 − p), the lead, the week's pushes before) besides the analytics ones.
pub fn dimensions(m: &Message) -> Vec<(String, Option<f64>)> {
    let mut d = vec![
        ("all".to_owned(), None),
        (format!("type#{}", m.message_type.as_ref().to_owned()), None),
        (format!("tone#{}", m.tone.as_ref().to_owned()), None),
        (format!("variant#{}#{}", m.template_id, m.variant_id), None),
    ];
    if let Some(s) = &m.segment {
        let segment = s.as_ref().to_owned();
        d.push((format!("segment#{segment}"), None));
        d.push((
            format!(
                "type_segment#{}#{segment}",
                m.message_type.as_ref().to_owned()
            ),
            None,
        ));
        if let Some(sel) = &m.selection {
            for arm in &sel.arms {
                if *arm.template_id == *m.template_id {
                    let p = arm.p;
                    if p > 0.0 {
                        d.push((format!("arm#{}#{segment}", arm.template_id), Some(1.0 / p)));
                    }
                } else if arm.p < 1.0 {
                    d.push((
                        format!("rival#{}#{segment}", arm.template_id),
                        Some(1.0 / (1.0 - arm.p)),
                    ));
                }
            }
        }
    }
    if let Some(lead) = m.selection.as_ref().and_then(|s| s.lead) {
        d.push((format!("lead#{lead}"), None));
    }
    if let (Some(n7), Some(seg)) = (m.selection.as_ref().and_then(|s| s.n7), &m.segment) {
        d.push((
            format!("n7#{}#{}", n7_bucket(n7), seg.as_ref().to_owned()),
            None,
        ));
    }
    if let Some(e) = &m.experiment_id {
        d.push((format!("experiment#{e}#{}", m.variant_id), None));
    }
    d
}

/// The counters `adds` makes under each dimension of `m`: the adds themselves, and for a
/// weighted dimension `w_sent` / `w_rewarded` too (the add times the weight, in thousandths).
/// What the store's transactions ADD and what the simulator counts.
pub fn counter_adds(m: &Message, adds: &[(&str, i64)]) -> Vec<(String, Vec<(String, i64)>)> {
    dimensions(m)
        .into_iter()
        .map(|(dim, weight)| {
            let mut counters: Vec<(String, i64)> =
                adds.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect();
            if let Some(w) = weight {
                for (c, v) in adds {
                    if matches!(*c, "sent" | "rewarded") {
                        counters.push((format!("w_{c}"), (*v as f64 * w * 1000.0).round() as i64));
                    }
                }
            }
            (dim, counters)
        })
        .collect()
}

/// One dimension's counters of a day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CounterRow {
    pub dimension: String,
    pub counts: BTreeMap<String, i64>,
}
