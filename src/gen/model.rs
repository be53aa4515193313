//! Synthetic data for any model (`leadscore gen --model`): lead records with the model's
//! lead fields and events of the types it declares, with their properties.
//!
//! Values are plausible for their type, and drawn where possible from what the model
//! tests them against, so its rules fire: the strings a field is compared with (`==`,
//! `in`, `starts_with`…, `domain(…) ==` for emails), values around the numbers, times
//! and durations it is compared with. Those are read from the plan's code: a comparison
//! of a field or property (possibly through `lower`, `upper`, `trim` or `domain`) with
//! a constant.

use super::{generate_with, lead_id, Config, Record, Rng, AS_OF, YEAR_SECONDS};
use crate::plan::{Constant, FieldDecl, Func, Op, Plan, ValueType};
use crate::time::{format_duration, format_timestamp, DAY, SECOND};
use std::io::{self, Write};

/// Writes `config.leads` lead records and `config.events` event records for the schema
/// of `plan` as JSON Lines (keys `id`; `lead`, `type` and `ts`), deterministic for
/// `config.seed`. A field or property named like one of those keys is left out.
pub fn generate_for(
    plan: &Plan,
    config: &Config,
    leads: &mut impl Write,
    events: &mut impl Write,
) -> io::Result<()> {
    let schema = Schema::of(plan);
    generate_with(
        config,
        leads,
        events,
        |rng, i, out| schema.write_lead(rng, i, out),
        |rng, lead, ts, out| schema.write_event(rng, lead, ts, out),
    )
}

/// What a model tests one field or property against.
#[derive(Debug, Default)]
struct Hints {
    /// Strings it is compared with (`==`, `!=`, `<`…, `in`), or tested to start with,
    /// end with or contain.
    strings: Vec<(Shape, String)>,
    /// The domains its email address is compared with (`domain(x) == …`).
    domains: Vec<String>,
    numbers: Vec<f64>,
    /// Times or durations it is compared with.
    micros: Vec<i64>,
}

/// How a string the model tests is part of the field's value.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Whole,
    Prefix,
    Suffix,
    Part,
}

/// A lead field or an event type's property.
#[derive(Debug, Clone, Copy)]
enum Target {
    Lead(u32),
    Prop { event: u32, prop: u32 },
}

/// A value on the stack of the code being read: a field (`domain`: seen through
/// `domain(…)`), a constant, or anything else.
#[derive(Debug, Clone, Copy)]
enum Sym {
    Field { target: Target, domain: bool },
    Const(u32),
    Other,
}

/// A plan's schema with the hints for each field and property.
struct Schema<'p> {
    plan: &'p Plan,
    lead: Vec<Hints>,
    props: Vec<Vec<Hints>>,
}

impl<'p> Schema<'p> {
    fn of(plan: &'p Plan) -> Schema<'p> {
        let mut schema = Schema {
            plan,
            lead: plan.lead_fields.iter().map(|_| Hints::default()).collect(),
            props: plan
                .events
                .iter()
                .map(|e| e.props.iter().map(|_| Hints::default()).collect())
                .collect(),
        };
        // Properties are read only in `where` filters: the slot says whose.
        let mut event_of = vec![None; plan.chunks.len()];
        for slot in &plan.slots {
            for member in slot.events.iter().flatten() {
                if let Some(filter) = member.filter {
                    event_of[filter as usize] = Some(member.event);
                }
            }
        }
        for (chunk, event) in event_of.into_iter().enumerate() {
            schema.read(chunk as u32, event);
        }
        schema
    }

    /// Collects the hints of one chunk by following its stack.
    fn read(&mut self, chunk: u32, event: Option<u32>) {
        let plan = self.plan;
        let mut stack: Vec<Sym> = Vec::new();
        let field = |target| Sym::Field {
            target,
            domain: false,
        };
        for op in plan.chunk_code(chunk) {
            match *op {
                Op::Const(i) => stack.push(Sym::Const(i)),
                Op::LeadField(i) => stack.push(field(Target::Lead(i))),
                Op::Prop(prop) => stack
                    .push(event.map_or(Sym::Other, |event| field(Target::Prop { event, prop }))),
                Op::Cmp(_) => {
                    let (b, a) = (stack.pop(), stack.pop());
                    match (a, b) {
                        (Some(Sym::Const(c)), Some(f)) | (Some(f), Some(Sym::Const(c))) => {
                            self.compared(f, &plan.constants[c as usize]);
                        }
                        _ => {}
                    }
                    stack.push(Sym::Other);
                }
                Op::In(list) | Op::NotIn(list) => {
                    let f = stack.pop().unwrap_or(Sym::Other);
                    if let Constant::List(items) = &plan.constants[list as usize] {
                        for item in items {
                            self.compared(f, item);
                        }
                    }
                    stack.push(Sym::Other);
                }
                // The value is still (a form of) the field's.
                Op::Call(Func::Lower | Func::Upper | Func::Trim) | Op::OrZero => {}
                Op::Call(Func::Domain) => {
                    let seen = match stack.pop() {
                        Some(Sym::Field { target, .. }) => Sym::Field {
                            target,
                            domain: true,
                        },
                        _ => Sym::Other,
                    };
                    stack.push(seen);
                }
                Op::Call(f @ (Func::StartsWith | Func::EndsWith | Func::Contains)) => {
                    let (b, a) = (stack.pop(), stack.pop());
                    if let (Some(Sym::Field { target, .. }), Some(Sym::Const(c))) = (a, b) {
                        if let Constant::Str(s) = &plan.constants[c as usize] {
                            let shape = match f {
                                Func::StartsWith => Shape::Prefix,
                                Func::EndsWith => Shape::Suffix,
                                _ => Shape::Part,
                            };
                            self.hints(target).strings.push((shape, s.clone()));
                        }
                    }
                    stack.push(Sym::Other);
                }
                other => {
                    let (pops, pushes) = other.stack_effect();
                    for _ in 0..pops {
                        stack.pop();
                    }
                    for _ in 0..pushes {
                        stack.push(Sym::Other);
                    }
                }
            }
        }
    }

    fn hints(&mut self, target: Target) -> &mut Hints {
        match target {
            Target::Lead(i) => &mut self.lead[i as usize],
            Target::Prop { event, prop } => &mut self.props[event as usize][prop as usize],
        }
    }

    /// Notes that `sym`, when it is a field, is compared with the constant `c`.
    fn compared(&mut self, sym: Sym, c: &Constant) {
        let Sym::Field { target, domain } = sym else {
            return;
        };
        let hints = self.hints(target);
        match c {
            Constant::Str(s) if domain => hints.domains.push(s.clone()),
            Constant::Str(s) => hints.strings.push((Shape::Whole, s.clone())),
            Constant::Number(n) => hints.numbers.push(*n),
            Constant::Time(t) | Constant::Duration(t) => hints.micros.push(*t),
            Constant::Bool(_) | Constant::List(_) => {}
        }
    }

    fn write_lead(&self, rng: &mut Rng, i: u64, out: &mut impl Write) -> io::Result<()> {
        write!(out, "{{\"id\":\"{}\"", lead_id(i))?;
        let mut r = Record { out, rng };
        for (decl, hints) in self.plan.lead_fields.iter().zip(&self.lead) {
            if decl.name != "id" {
                let value = value(r.rng, decl, hints, i);
                r.raw(&decl.name, value)?;
            }
        }
        writeln!(r.out, "}}")
    }

    fn write_event(
        &self,
        rng: &mut Rng,
        lead: u64,
        ts: i64,
        out: &mut impl Write,
    ) -> io::Result<()> {
        if self.plan.events.is_empty() {
            return Ok(());
        }
        let kind = rng.below(self.plan.events.len() as u64) as usize;
        let decl = &self.plan.events[kind];
        write!(
            out,
            "{{\"lead\":\"{}\",\"type\":{},\"ts\":\"{}\"",
            lead_id(lead),
            json_string(&decl.name),
            format_timestamp(ts)
        )?;
        let mut r = Record { out, rng };
        for (prop, hints) in decl.props.iter().zip(&self.props[kind]) {
            if !matches!(prop.name.as_str(), "lead" | "type" | "ts") {
                let value = value(r.rng, prop, hints, lead);
                r.raw(&prop.name, value)?;
            }
        }
        writeln!(r.out, "}}")
    }
}

/// A JSON value for a field of lead `n`: 70% of the time (75% for strings) one near
/// what the model tests the field against, when it tests it.
fn value(rng: &mut Rng, decl: &FieldDecl, hints: &Hints, n: u64) -> String {
    match decl.ty {
        ValueType::String => json_string(&string(rng, &decl.name, hints, n)),
        ValueType::Int => format!("{}", number(rng, hints, true) as i64),
        ValueType::Number => format!("{}", number(rng, hints, false)),
        ValueType::Bool => rng.chance(0.5).to_string(),
        ValueType::Time => json_string(&format_timestamp(time(rng, hints))),
        ValueType::Duration => json_string(&format_duration(duration(rng, hints))),
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

fn string(rng: &mut Rng, name: &str, hints: &Hints, n: u64) -> String {
    if !hints.domains.is_empty() || name.contains("email") {
        let domain = if !hints.domains.is_empty() && rng.chance(0.7) {
            pick(rng, &hints.domains).as_str()
        } else {
            *pick(rng, &["example.com", "mail.example"])
        };
        return format!("user{n}@{domain}");
    }
    let k = 1 + rng.below(3);
    if !hints.strings.is_empty() && rng.chance(0.75) {
        let (shape, s) = pick(rng, &hints.strings);
        return match shape {
            Shape::Whole => s.clone(),
            Shape::Prefix => format!("{s}{k}"),
            Shape::Suffix => format!("{k}{s}"),
            Shape::Part => format!("{k}{s}{k}"),
        };
    }
    format!("{name}-{k}")
}

fn number(rng: &mut Rng, hints: &Hints, int: bool) -> f64 {
    let x = if !hints.numbers.is_empty() && rng.chance(0.7) {
        let t = *pick(rng, &hints.numbers);
        if int {
            t.round() + *pick(rng, &[-1.0, 0.0, 1.0])
        } else {
            t * *pick(rng, &[0.5, 1.0, 1.5])
        }
    } else {
        let largest = hints.numbers.iter().fold(0.0f64, |m, t| m.max(t.abs()));
        let top = if largest > 0.0 { 2.0 * largest } else { 1000.0 };
        rng.unit().powi(2) * top
    };
    if int {
        x.round()
    } else {
        (x * 10.0).round() / 10.0
    }
}

/// A time in the three years before [`AS_OF`], or within 30 days of one the model tests.
fn time(rng: &mut Rng, hints: &Hints) -> i64 {
    if !hints.micros.is_empty() && rng.chance(0.7) {
        let t = *pick(rng, &hints.micros);
        let days = rng.below(61) as i64 - 30;
        return t.saturating_add(days * DAY);
    }
    AS_OF - (rng.unit() * (3 * YEAR_SECONDS) as f64) as i64 * SECOND
}

/// Up to 90 days, or half, once or twice a duration the model tests, in whole seconds
/// (the form input files write durations in).
fn duration(rng: &mut Rng, hints: &Hints) -> i64 {
    if !hints.micros.is_empty() && rng.chance(0.7) {
        let d = pick(rng, &hints.micros).saturating_abs();
        let d = *pick(rng, &[d / 2, d, d.saturating_mul(2)]);
        return d - d % SECOND;
    }
    (1 + rng.below(90) as i64) * DAY
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}
