//! The bytecode interpreter for plan chunks.
//!
//! A stack machine over [`Val`], a small `Copy` value that borrows strings from the
//! plan, the lead and the event, so running a chunk allocates nothing (only the string
//! functions `lower`, `upper`, `trim` and `domain` make new strings, kept in a side
//! arena). The stack is a fixed array: the verifier bounds every chunk's depth.
//!
//! Absent values follow the language's rules: arithmetic and functions on an absent
//! value give absent; comparisons, membership and `matches` give false; in a condition
//! an absent value counts as false. Time and duration arithmetic whose result is out of
//! range (some 292,000 years from 1970) gives absent too, as division by zero does.

use super::attrs::Attrs;
use super::state::{Layout, StateRef};
use crate::plan::{Cmp, Constant, Func, Op, Plan, SlotKind, SlotRead, MAX_STACK};
use crate::record::{Event, Value};
use crate::time::DAY;
use regex::Regex;
use std::cell::RefCell;
use std::cmp::Ordering;

/// The outcome of every comparison and membership test a run made, in the order made:
/// the live engine compares two traces to find when a condition on `now()` turns
/// (`live/`), so it only records when asked to.
pub(crate) type Trace = RefCell<Vec<bool>>;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Val<'a> {
    #[default]
    Absent,
    Bool(bool),
    Num(f64),
    Time(i64),
    Dur(i64),
    Str(&'a str),
    /// A string made during this run, by index into the arena.
    Made(u32),
}

impl Val<'_> {
    pub fn truthy(self) -> bool {
        matches!(self, Val::Bool(true))
    }
}

/// What a chunk can see.
pub struct Env<'a> {
    pub plan: &'a Plan,
    pub regexes: &'a [Regex],
    pub layout: &'a Layout,
    pub lead: Attrs<'a>,
    pub event: Option<&'a Event>,
    pub state: Option<StateRef<'a>>,
    pub scores: &'a [f64],
    pub flags: &'a [bool],
    /// The band index of each grade chosen so far (by the plan's grade order).
    pub bands: &'a [usize],
    pub as_of: i64,
    /// Where to record comparisons, when tracing.
    pub trace: Option<&'a Trace>,
}

/// Stack sizes for the chunks nearly every model has (most conditions, such as
/// `lead.x in [...]` or `a >= 1 and b < 2`, need at most four values); deeper ones get
/// [`MAX_STACK`]. The stack is an array initialised on every run, so small matters.
const TINY_STACK: usize = 4;
const SMALL_STACK: usize = 16;

/// A chunk to run: its code, its position in the plan (jumps are absolute) and the
/// deepest stack it needs.
#[derive(Clone, Copy)]
pub struct Code<'p> {
    pub ops: &'p [Op],
    pub start: usize,
    pub depth: usize,
}

impl<'a> Env<'a> {
    /// The environment with a lead's results so far (for scores, flags and grades).
    pub fn with_results(self, state: StateRef<'a>, results: &'a super::Results) -> Env<'a> {
        Env {
            state: Some(state),
            scores: &results.scores,
            flags: &results.flags,
            bands: &results.bands,
            ..self
        }
    }
}

/// Runs a chunk as a condition.
pub fn condition(env: &Env<'_>, code: Code<'_>) -> bool {
    let finish = |v: Val<'_>, _: &[String]| v.truthy();
    run_sized(env, code, finish)
}

/// Runs a chunk as a number (absent gives `None`).
pub fn number(env: &Env<'_>, code: Code<'_>) -> Option<f64> {
    let finish = |v: Val<'_>, _: &[String]| match v {
        Val::Num(n) => Some(n),
        _ => None,
    };
    run_sized(env, code, finish)
}

/// Runs a chunk for its value, as a record holds one (absent gives `None`): for
/// explanations, which show the values a condition tested.
pub fn shown(env: &Env<'_>, code: Code<'_>) -> Option<Value> {
    let finish = |v: Val<'_>, made: &[String]| match v {
        Val::Absent => None,
        Val::Bool(b) => Some(Value::Bool(b)),
        Val::Num(n) => Some(Value::Number(n)),
        Val::Time(t) => Some(Value::Time(t)),
        Val::Dur(d) => Some(Value::Duration(d)),
        Val::Str(s) => Some(Value::Str(s.to_string())),
        Val::Made(i) => Some(Value::Str(made[i as usize].clone())),
    };
    run_sized(env, code, finish)
}

/// Runs `code` on the smallest stack it fits.
fn run_sized<R>(env: &Env<'_>, code: Code<'_>, finish: impl FnOnce(Val<'_>, &[String]) -> R) -> R {
    if code.depth <= TINY_STACK {
        run::<TINY_STACK, _>(env, code, finish)
    } else if code.depth <= SMALL_STACK {
        run::<SMALL_STACK, _>(env, code, finish)
    } else {
        run::<MAX_STACK, _>(env, code, finish)
    }
}

pub(super) fn value(v: &Value) -> Val<'_> {
    match v {
        Value::Str(s) => Val::Str(s),
        Value::Number(n) => Val::Num(*n),
        Value::Bool(b) => Val::Bool(*b),
        Value::Time(t) => Val::Time(*t),
        Value::Duration(d) => Val::Dur(*d),
    }
}

fn constant(c: &Constant) -> Val<'_> {
    match c {
        Constant::Number(n) => Val::Num(*n),
        Constant::Str(s) => Val::Str(s),
        Constant::Bool(b) => Val::Bool(*b),
        Constant::Time(t) => Val::Time(*t),
        Constant::Duration(d) => Val::Dur(*d),
        Constant::List(_) => Val::Absent,
    }
}

struct Machine<'a, const N: usize> {
    stack: [Val<'a>; N],
    top: usize,
    made: Vec<String>,
}

impl<'a, const N: usize> Machine<'a, N> {
    fn push(&mut self, v: Val<'a>) {
        self.stack[self.top] = v;
        self.top += 1;
    }

    fn pop(&mut self) -> Val<'a> {
        self.top -= 1;
        self.stack[self.top]
    }

    fn peek(&self) -> Val<'a> {
        self.stack[self.top - 1]
    }

    fn string<'s>(&'s self, v: Val<'a>) -> Option<&'s str>
    where
        'a: 's,
    {
        match v {
            Val::Str(s) => Some(s),
            Val::Made(i) => Some(self.made[i as usize].as_str()),
            _ => None,
        }
    }

    fn make(&mut self, s: String) -> Val<'a> {
        self.made.push(s);
        Val::Made((self.made.len() - 1) as u32)
    }
}

/// Runs `code` on a stack of `N` values; `finish` turns the result (and the strings
/// made during the run, which a [`Val::Made`] indexes) into a plain value.
fn run<'a, const N: usize, R>(
    env: &Env<'a>,
    code: Code<'_>,
    finish: impl FnOnce(Val<'_>, &[String]) -> R,
) -> R {
    let (start, code) = (code.start, code.ops);
    let mut m = Machine::<N> {
        stack: [Val::Absent; N],
        top: 0,
        made: Vec::new(),
    };
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        pc += 1;
        match op {
            Op::Const(i) => m.push(constant(&env.plan.constants[i as usize])),
            Op::LeadField(i) => m.push(env.lead.get(i as usize)),
            Op::Prop(i) => {
                let v = env
                    .event
                    .and_then(|e| e.props.get(i as usize))
                    .and_then(Option::as_ref);
                m.push(v.map_or(Val::Absent, value));
            }
            Op::Slot(slot, read) => m.push(read_slot(env, slot as usize, read)),
            Op::Score(i) => m.push(Val::Num(env.scores[i as usize])),
            Op::Flag(i) => m.push(Val::Bool(env.flags[i as usize])),
            Op::Grade(i) => {
                let grade = &env.plan.grades[i as usize];
                m.push(Val::Str(&grade.bands[env.bands[i as usize]].name));
            }
            Op::Now => m.push(Val::Time(env.as_of)),
            Op::Neg => {
                let v = match m.pop() {
                    Val::Num(n) => Val::Num(-n),
                    Val::Dur(d) => d.checked_neg().map_or(Val::Absent, Val::Dur),
                    _ => Val::Absent,
                };
                m.push(v);
            }
            Op::Not => {
                let v = m.pop();
                m.push(Val::Bool(!v.truthy()));
            }
            Op::Add | Op::Sub | Op::Mul | Op::Div => {
                let b = m.pop();
                let a = m.pop();
                m.push(arithmetic(op, a, b));
            }
            Op::Cmp(cmp) => {
                let b = m.pop();
                let a = m.pop();
                let result = compare(&m, a, b).is_some_and(|ord| holds(cmp, ord));
                record(env, result);
                m.push(Val::Bool(result));
            }
            Op::In(i) | Op::NotIn(i) => {
                let a = m.pop();
                let Constant::List(items) = &env.plan.constants[i as usize] else {
                    unreachable!("verified")
                };
                let result = if a == Val::Absent {
                    false
                } else {
                    let found = items
                        .iter()
                        .any(|item| compare(&m, a, constant(item)) == Some(Ordering::Equal));
                    found == matches!(op, Op::In(_))
                };
                record(env, result);
                m.push(Val::Bool(result));
            }
            Op::Matches(i) => {
                let a = m.pop();
                let result = m
                    .string(a)
                    .is_some_and(|s| env.regexes[i as usize].is_match(s));
                m.push(Val::Bool(result));
            }
            Op::Call(f) => call(&mut m, f),
            Op::AndJump(target) => {
                if m.peek().truthy() {
                    m.pop();
                } else {
                    m.stack[m.top - 1] = Val::Bool(false);
                    pc = target as usize - start;
                }
            }
            Op::OrJump(target) => {
                if m.peek().truthy() {
                    m.stack[m.top - 1] = Val::Bool(true);
                    pc = target as usize - start;
                } else {
                    m.pop();
                }
            }
            Op::OrZero => {
                if m.peek() == Val::Absent {
                    m.stack[m.top - 1] = Val::Num(0.0);
                }
            }
        }
    }
    let result = m.pop();
    finish(result, &m.made)
}

/// Adds a comparison's outcome to the run's trace, if it keeps one.
fn record(env: &Env<'_>, result: bool) {
    if let Some(trace) = env.trace {
        trace.borrow_mut().push(result);
    }
}

fn read_slot<'a>(env: &Env<'a>, slot: usize, read: SlotRead) -> Val<'a> {
    let Some(state) = env.state else {
        return Val::Absent;
    };
    match (read, env.plan.slots[slot].kind) {
        (SlotRead::Count, _) => Val::Num(env.layout.count(state, slot) as f64),
        (SlotRead::Exists, _) => Val::Bool(env.layout.count(state, slot) > 0),
        (SlotRead::Sum, SlotKind::Sum) => env.layout.sum(state, slot).map_or(Val::Absent, Val::Num),
        (SlotRead::DaysSince, _) => match env.layout.latest(state, slot) {
            Some(last) => Val::Num(elapsed_in(env.as_of, last, DAY) as f64),
            None => Val::Absent,
        },
        _ => Val::Absent,
    }
}

/// Microseconds from `since` to `until`, exactly: the difference of two times can
/// exceed an `i64` (a time from a bad record near the end of the range).
pub(super) fn elapsed(until: i64, since: i64) -> i128 {
    i128::from(until) - i128::from(since)
}

/// How many whole `unit`s (positive) of [`elapsed`] time, rounded down: in 64 bits when
/// the difference fits (for any two times less than some 146,000 years apart), since a
/// 128-bit division costs many times more and decays divide at every look.
pub(super) fn elapsed_in(until: i64, since: i64, unit: i64) -> i128 {
    debug_assert!(unit > 0, "a period is positive");
    match until.checked_sub(since) {
        Some(elapsed) => i128::from(elapsed.div_euclid(unit)),
        None => elapsed(until, since).div_euclid(unit.into()),
    }
}

/// The result of `lower`, `upper`, `trim` or `domain` when it is a part of a borrowed
/// argument, so no new string is needed (for every lead, `domain(lead.email)` of an
/// address already in lower case). `None`: compute it the general way.
fn part_of_argument(f: Func, a: Val<'_>) -> Option<Val<'_>> {
    let Val::Str(s) = a else { return None };
    // Only ASCII text is checked for case: elsewhere lowercasing can change a letter
    // that is not upper case (title-case letters).
    let ascii_without =
        |s: &str, case: fn(&u8) -> bool| s.is_ascii() && !s.bytes().any(|b| case(&b));
    let part = match f {
        Func::Trim => s.trim(),
        Func::Lower if ascii_without(s, u8::is_ascii_uppercase) => s,
        Func::Upper if ascii_without(s, u8::is_ascii_lowercase) => s,
        Func::Domain => match s.rsplit_once('@') {
            Some((_, domain)) if ascii_without(domain, u8::is_ascii_uppercase) => domain,
            _ => return None,
        },
        _ => return None,
    };
    Some(Val::Str(part))
}

fn arithmetic<'a>(op: Op, a: Val<'a>, b: Val<'a>) -> Val<'a> {
    match (op, a, b) {
        (Op::Add, Val::Num(x), Val::Num(y)) => Val::Num(x + y),
        (Op::Sub, Val::Num(x), Val::Num(y)) => Val::Num(x - y),
        (Op::Mul, Val::Num(x), Val::Num(y)) => Val::Num(x * y),
        (Op::Div, Val::Num(_), Val::Num(0.0)) => Val::Absent,
        (Op::Div, Val::Num(x), Val::Num(y)) => Val::Num(x / y),
        (Op::Add, Val::Time(t), Val::Dur(d)) | (Op::Add, Val::Dur(d), Val::Time(t)) => {
            t.checked_add(d).map_or(Val::Absent, Val::Time)
        }
        (Op::Sub, Val::Time(t), Val::Dur(d)) => t.checked_sub(d).map_or(Val::Absent, Val::Time),
        (Op::Sub, Val::Time(x), Val::Time(y)) => x.checked_sub(y).map_or(Val::Absent, Val::Dur),
        (Op::Add, Val::Dur(x), Val::Dur(y)) => x.checked_add(y).map_or(Val::Absent, Val::Dur),
        (Op::Sub, Val::Dur(x), Val::Dur(y)) => x.checked_sub(y).map_or(Val::Absent, Val::Dur),
        (Op::Mul, Val::Dur(d), Val::Num(n)) | (Op::Mul, Val::Num(n), Val::Dur(d)) => {
            Val::Dur((d as f64 * n) as i64)
        }
        _ => Val::Absent,
    }
}

/// Ordering of two present values of the same kind; `None` if either is absent.
fn compare<const N: usize>(m: &Machine<'_, N>, a: Val<'_>, b: Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(&y),
        (Val::Time(x), Val::Time(y)) | (Val::Dur(x), Val::Dur(y)) => Some(x.cmp(&y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(&y)),
        (a, b) => Some(m.string(a)?.cmp(m.string(b)?)),
    }
}

fn holds(cmp: Cmp, ord: Ordering) -> bool {
    match cmp {
        Cmp::Eq => ord == Ordering::Equal,
        Cmp::Ne => ord != Ordering::Equal,
        Cmp::Lt => ord == Ordering::Less,
        Cmp::Le => ord != Ordering::Greater,
        Cmp::Gt => ord == Ordering::Greater,
        Cmp::Ge => ord != Ordering::Less,
    }
}

fn call<const N: usize>(m: &mut Machine<'_, N>, f: Func) {
    let result = match f {
        Func::StartsWith | Func::EndsWith | Func::Contains => {
            let b = m.pop();
            let a = m.pop();
            match (m.string(a), m.string(b)) {
                (Some(s), Some(p)) => Val::Bool(match f {
                    Func::StartsWith => s.starts_with(p),
                    Func::EndsWith => s.ends_with(p),
                    _ => s.contains(p),
                }),
                _ => Val::Absent,
            }
        }
        Func::Lower | Func::Upper | Func::Trim | Func::Domain => {
            let a = m.pop();
            if let Some(part) = part_of_argument(f, a) {
                m.push(part);
                return;
            }
            let made = m.string(a).and_then(|s| match f {
                Func::Lower => Some(s.to_lowercase()),
                Func::Upper => Some(s.to_uppercase()),
                Func::Trim => Some(s.trim().to_string()),
                _ => s.rsplit_once('@').map(|(_, domain)| domain.to_lowercase()),
            });
            match made {
                Some(s) => m.make(s),
                None => Val::Absent,
            }
        }
        Func::Length => {
            let a = m.pop();
            m.string(a)
                .map_or(Val::Absent, |s| Val::Num(s.chars().count() as f64))
        }
        Func::Has => Val::Bool(m.pop() != Val::Absent),
        Func::Least | Func::Greatest => {
            let b = m.pop();
            let a = m.pop();
            match (a, b) {
                (Val::Num(x), Val::Num(y)) if f == Func::Least => Val::Num(x.min(y)),
                (Val::Num(x), Val::Num(y)) => Val::Num(x.max(y)),
                (Val::Num(x), _) | (_, Val::Num(x)) => Val::Num(x),
                _ => Val::Absent,
            }
        }
        Func::Abs | Func::Round | Func::Floor | Func::Ceil => match m.pop() {
            Val::Num(n) => Val::Num(match f {
                Func::Abs => n.abs(),
                Func::Round => n.round(),
                Func::Floor => n.floor(),
                _ => n.ceil(),
            }),
            _ => Val::Absent,
        },
    };
    m.push(result);
}

#[cfg(test)]
mod tests {
    use super::{elapsed, elapsed_in};

    #[test]
    fn whole_units_elapsed_agree_with_exact_arithmetic_at_the_extremes() {
        let times = [
            i64::MIN,
            -86_400_000_001,
            -1,
            0,
            1,
            86_400_000_000,
            i64::MAX,
        ];
        for until in times {
            for since in times {
                for unit in [1, 7, 86_400_000_000, i64::MAX] {
                    let exact = elapsed(until, since).div_euclid(unit.into());
                    assert_eq!(
                        elapsed_in(until, since, unit),
                        exact,
                        "{until} {since} {unit}"
                    );
                }
            }
        }
    }
}
