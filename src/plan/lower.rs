//! Lowering: from a checked [`Model`] to a [`Plan`].
//!
//! Aggregates and `on`/`decay` rules become slots (identical ones are shared), every
//! expression becomes a bytecode chunk, and constants are pooled. The language's
//! operators and functions become the plan's own operands here (see `op.rs`).

use super::text::expr_text;
use super::*;
use crate::check::{self, Const, Model, TExpr, TExprKind};
use crate::syntax::ast::BinOp;
use crate::vocab::{AggFn, CmpOp, Function};
use std::collections::HashMap;

/// Compiles a checked model into a plan.
pub fn lower(model: &Model) -> Plan {
    let mut lowerer = Lowerer {
        plan: Plan {
            format_version: FORMAT_VERSION,
            model: model.name.clone(),
            source_hash: model.source_hash.clone(),
            lead_fields: model.lead_fields.iter().map(field_decl).collect(),
            events: model
                .events
                .iter()
                .map(|e| EventDecl {
                    name: e.name.clone(),
                    props: e.props.iter().map(field_decl).collect(),
                })
                .collect(),
            constants: Vec::new(),
            regexes: Vec::new(),
            code: Vec::new(),
            chunks: Vec::new(),
            slots: Vec::new(),
            scores: Vec::new(),
            flags: Vec::new(),
            grades: Vec::new(),
            order: Vec::new(),
            origins: Vec::new(),
        },
        model,
        member: None,
        constants: HashMap::new(),
        slots: HashMap::new(),
        current_origin: 0,
        code: Vec::new(),
    };
    for score in &model.scores {
        let lowered = lowerer.score(score);
        lowerer.plan.scores.push(lowered);
    }
    for flag in &model.flags {
        let origin = lowerer.origin(&flag.origin);
        let condition = lowerer.chunk(&flag.condition, origin, false);
        let mut parts = Vec::new();
        lowerer.parts(model, &flag.condition, &flag.origin, None, &mut parts);
        lowerer.plan.flags.push(FlagPlan {
            name: flag.name.clone(),
            condition,
            origin,
            parts,
        });
    }
    for grade in &model.grades {
        let lowered = lowerer.grade(grade);
        lowerer.plan.grades.push(lowered);
    }
    lowerer.plan.order = model
        .order
        .iter()
        .map(|n| match n {
            check::Node::Score(id) => NodeRef::Score(id.0),
            check::Node::Flag(id) => NodeRef::Flag(id.0),
            check::Node::Grade(id) => NodeRef::Grade(lowerer.grade_index(*id)),
        })
        .collect();
    lowerer.plan
}

fn field_decl(f: &check::FieldDef) -> FieldDecl {
    FieldDecl {
        name: f.name.clone(),
        ty: f.ty.value_type(),
    }
}

fn constant(c: &Const) -> Constant {
    match c {
        Const::Number(n) => Constant::Number(*n),
        Const::Str(s) => Constant::Str(s.clone()),
        Const::Bool(b) => Constant::Bool(*b),
        Const::Time(t) => Constant::Time(*t),
        Const::Duration(d) => Constant::Duration(*d),
        Const::List(items) => Constant::List(items.iter().map(constant).collect()),
    }
}

struct Lowerer<'m> {
    plan: Plan,
    model: &'m Model,
    /// While a filter over a set of event types is lowered for one of them: the set and
    /// that type, whose property indices `Op::Prop` takes.
    member: Option<(check::EventSet, check::EventId)>,
    /// Constant pool index by the constant's debug form (f64 is not `Hash`).
    constants: HashMap<String, u32>,
    /// Slots by their debug form, so identical aggregates share one accumulator.
    slots: HashMap<String, SlotId>,
    /// The origin of the chunk being emitted (for slots that aggregates create).
    current_origin: OriginId,
    /// The code of the chunk being emitted. Chunks are built apart and appended whole,
    /// since emitting one (an aggregate's filter) can start another.
    code: Vec<Op>,
}

impl Lowerer<'_> {
    /// The plan's index of the grade of `score` (the plan's grades are the model's, in
    /// order; the checker allows only graded scores).
    fn grade_index(&self, score: check::ScoreId) -> u32 {
        self.model
            .grades
            .iter()
            .position(|g| g.score == score)
            .expect("the checker reads grades of graded scores only") as u32
    }

    fn origin(&mut self, origin: &check::Origin) -> OriginId {
        self.plan.origins.push(Origin {
            file: origin.file.clone(),
            line: origin.line as u32,
            text: origin.text.clone(),
        });
        (self.plan.origins.len() - 1) as OriginId
    }

    fn score(&mut self, score: &check::ScoreDef) -> ScorePlan {
        let origin = self.origin(&score.origin);
        let body = match &score.body {
            check::ScoreBody::Derived(e) => ScoreBody::Derived {
                expr: self.chunk(e, origin, true),
            },
            check::ScoreBody::Rules { rules, clamp } => {
                let rules = rules.iter().map(|r| self.rule(r)).collect();
                let clamp = clamp.as_ref().map(|c| ClampPlan {
                    low: c.low,
                    high: c.high,
                    origin: self.origin(&c.origin),
                });
                ScoreBody::Rules { rules, clamp }
            }
        };
        ScorePlan {
            name: score.name.clone(),
            body,
            origin,
        }
    }

    fn rule(&mut self, rule: &check::RuleDef) -> RulePlan {
        let origin = self.origin(&rule.origin);
        let (points, kind) = match &rule.kind {
            check::RuleKind::On {
                event,
                filter,
                points,
                within,
                max,
                pipeline,
            } => {
                let kind = match pipeline {
                    None => {
                        let feed = Feed::new(Some(event), filter.as_ref());
                        let slot = self.slot(feed, *within, SlotKind::Count, origin);
                        RuleKind::On { slot, max: *max }
                    }
                    Some(pipeline) => {
                        let feed = Feed::new(Some(event), filter.as_ref());
                        self.kept(feed, *within, *max, pipeline, origin)
                    }
                };
                (*points, kind)
            }
            check::RuleKind::When { condition, points } => {
                let condition = self.chunk(condition, origin, false);
                (*points, RuleKind::When { condition })
            }
            check::RuleKind::Decay {
                points,
                per,
                reset,
                since,
            } => {
                let feed = Feed::new(
                    reset.as_ref().map(|m| &m.event),
                    reset.as_ref().and_then(|m| m.filter.as_ref()),
                );
                let slot = self.slot(feed, None, SlotKind::Latest, origin);
                let since = since.map(|f| f.0);
                (
                    *points,
                    RuleKind::Decay {
                        slot,
                        per: *per,
                        since,
                    },
                )
            }
        };
        RulePlan {
            points,
            kind,
            origin,
            label: rule.label.clone(),
        }
    }

    /// An `on` rule with the options of section 11.3: a slot of its events (`feed`, and
    /// one of the answers of a non-response rule) and the steps after `within`. Each
    /// member type of either slot reads `same` and `distinct by` at its own index.
    fn kept(
        &mut self,
        feed: Feed,
        within: Option<i64>,
        max: Option<u32>,
        pipeline: &check::Pipeline,
        origin: OriginId,
    ) -> RuleKind {
        let answers = pipeline.unanswered.as_ref().map(|u| {
            let kind = SlotKind::Events {
                answered_by: None,
                keep: Keep::All,
            };
            let answer_feed = Feed {
                pair: u.same.map(|(_, on_answer)| on_answer),
                ..Feed::new(Some(&u.answer.event), u.answer.filter.as_ref())
            };
            let slot = self.slot(answer_feed, None, kind, origin);
            UnansweredPlan { slot, wait: u.wait }
        });
        let plan = PipelinePlan {
            unanswered: answers,
            distinct: pipeline.distinct.is_some(),
            max_per: pipeline.max_per,
            max,
            decay: pipeline.decay,
        };
        let kind = SlotKind::Events {
            answered_by: answers.map(|a| a.slot),
            keep: plan.keep(),
        };
        let feed = Feed {
            pair: pipeline
                .unanswered
                .as_ref()
                .and_then(|u| u.same)
                .map(|(on_event, _)| on_event),
            distinct: pipeline.distinct,
            ..feed
        };
        let slot = self.slot(feed, within, kind, origin);
        RuleKind::Kept {
            slot,
            pipeline: plan,
        }
    }

    /// Appends the parts of a flag's condition `e` (see [`FlagPlan::parts`]), each with
    /// its own text at the flag's place (`at`).
    fn parts(
        &mut self,
        model: &Model,
        e: &TExpr,
        at: &check::Origin,
        parent: Option<u32>,
        out: &mut Vec<PartPlan>,
    ) {
        let me = Some(out.len() as u32);
        match &e.kind {
            TExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                ..
            } => {
                let kind = if *op == BinOp::And {
                    PartKind::All
                } else {
                    PartKind::Any
                };
                out.push(PartPlan { parent, kind });
                let mut operands = Vec::new();
                chain(e, *op, &mut operands);
                for operand in operands {
                    self.parts(model, operand, at, me, out);
                }
            }
            TExprKind::Not(inner) if is_and_or(inner) => {
                out.push(PartPlan {
                    parent,
                    kind: PartKind::Not,
                });
                self.parts(model, inner, at, me, out);
            }
            _ => {
                let condition = self.text_chunk(e, expr_text(model, e, None), at);
                let mut texts = Vec::new();
                let mut values = Vec::new();
                for value in tested_values(e) {
                    let text = expr_text(model, value, None);
                    if !texts.contains(&text) {
                        texts.push(text.clone());
                        values.push(self.text_chunk(value, text, at));
                    }
                }
                out.push(PartPlan {
                    parent,
                    kind: PartKind::Test { condition, values },
                });
            }
        }
    }

    /// A chunk for `e` whose origin is its `text`, at the place `at`.
    fn text_chunk(&mut self, e: &TExpr, text: String, at: &check::Origin) -> ChunkId {
        let origin = self.origin(&check::Origin { text, ..at.clone() });
        self.chunk(e, origin, false)
    }

    fn grade(&mut self, grade: &check::GradeDef) -> GradePlan {
        let origin = self.origin(&grade.origin);
        let bands = grade
            .bands
            .iter()
            .map(|b| {
                let band_origin = self.origin(&b.origin);
                BandPlan {
                    name: b.name.clone(),
                    threshold: b.threshold,
                    strict: b.strict,
                    condition: b
                        .condition
                        .as_ref()
                        .map(|c| self.chunk(c, band_origin, false)),
                }
            })
            .collect();
        GradePlan {
            score: grade.score.0,
            bands,
            origin,
        }
    }

    /// The slot `feed` and the options fill, shared with an identical one made before.
    fn slot(
        &mut self,
        feed: Feed,
        within: Option<i64>,
        kind: SlotKind,
        origin: OriginId,
    ) -> SlotId {
        // What each type's events would do, with the filter's code, as the slot's key.
        let mut members = Vec::new();
        if let Some(set) = feed.events {
            for &event in &set.types {
                let code = feed.filter.map(|f| {
                    let outer = std::mem::take(&mut self.code);
                    self.member = Some((set.clone(), event));
                    self.emit(f, false);
                    self.member = None;
                    std::mem::replace(&mut self.code, outer)
                });
                let index = |p: check::PropId| self.model.member_prop(set, p, event).0;
                let props = MemberProps {
                    prop: feed.prop.map(index),
                    pair: feed.pair.map(index),
                    distinct: feed.distinct.map(index),
                };
                members.push((event.0, code, props));
            }
        }
        let source = feed.events.map_or(String::new(), |set| set.text.clone());
        let key = format!("{members:?}|{within:?}|{kind:?}|{source}");
        if let Some(&slot) = self.slots.get(&key) {
            return slot;
        }
        let events = feed.events.map(|set| {
            let mut events = Vec::new();
            for (&event, (_, _, props)) in set.types.iter().zip(members) {
                self.member = Some((set.clone(), event));
                let filter = feed.filter.map(|f| self.chunk(f, origin, false));
                self.member = None;
                events.push(SlotEvent {
                    event: event.0,
                    filter,
                    prop: props.prop,
                    pair: props.pair,
                    distinct: props.distinct,
                });
            }
            events
        });
        self.plan.slots.push(Slot {
            events,
            within,
            kind,
            source,
        });
        let slot = (self.plan.slots.len() - 1) as SlotId;
        self.slots.insert(key, slot);
        slot
    }

    fn chunk(&mut self, e: &TExpr, origin: OriginId, derived: bool) -> ChunkId {
        let outer_code = std::mem::take(&mut self.code);
        let outer_origin = std::mem::replace(&mut self.current_origin, origin);
        self.emit(e, derived);
        if derived {
            self.code.push(Op::OrZero);
        }
        self.current_origin = outer_origin;
        let body = std::mem::replace(&mut self.code, outer_code);
        // Jump targets were relative to the chunk; make them absolute.
        let start = self.plan.code.len() as u32;
        self.plan.code.extend(body.into_iter().map(|op| match op {
            Op::AndJump(t) => Op::AndJump(t + start),
            Op::OrJump(t) => Op::OrJump(t + start),
            other => other,
        }));
        let len = self.plan.code.len() as u32 - start;
        self.plan.chunks.push(Chunk {
            start,
            len,
            per_event: reads_props(e),
            origin,
        });
        (self.plan.chunks.len() - 1) as ChunkId
    }

    fn constant(&mut self, c: &Const) -> u32 {
        let key = format!("{c:?}");
        if let Some(&i) = self.constants.get(&key) {
            return i;
        }
        self.plan.constants.push(constant(c));
        let i = (self.plan.constants.len() - 1) as u32;
        self.constants.insert(key, i);
        i
    }

    fn regex(&mut self, pattern: &str) -> u32 {
        if let Some(i) = self.plan.regexes.iter().position(|r| r == pattern) {
            return i as u32;
        }
        self.plan.regexes.push(pattern.to_string());
        (self.plan.regexes.len() - 1) as u32
    }

    /// Emits code that leaves the value of `e` on the stack. In a derived score
    /// (`derived`), absent lead fields and `days_since` read as 0.
    fn emit(&mut self, e: &TExpr, derived: bool) {
        match &e.kind {
            TExprKind::Const(c) => {
                let i = self.constant(c);
                self.code.push(Op::Const(i));
            }
            TExprKind::LeadField(id) => {
                self.code.push(Op::LeadField(id.0));
                if derived {
                    self.code.push(Op::OrZero);
                }
            }
            TExprKind::Prop(id) => {
                let prop = match &self.member {
                    Some((set, event)) => self.model.member_prop(set, *id, *event),
                    None => *id,
                };
                self.code.push(Op::Prop(prop.0));
            }
            TExprKind::Score(id) => self.code.push(Op::Score(id.0)),
            TExprKind::Flag(id) => self.code.push(Op::Flag(id.0)),
            TExprKind::Grade(id) => {
                let grade = self.grade_index(*id);
                self.code.push(Op::Grade(grade));
            }
            TExprKind::Neg(inner) => {
                self.emit(inner, derived);
                self.code.push(Op::Neg);
            }
            TExprKind::Not(inner) => {
                self.emit(inner, derived);
                self.code.push(Op::Not);
            }
            TExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, derived),
            TExprKind::Call { function, args } if function.is_variadic() => {
                // `least(a, b, c)` is `least(least(a, b), c)`: the plan's call takes two.
                for (i, arg) in args.iter().enumerate() {
                    self.emit(arg, derived);
                    if i > 0 {
                        self.code.push(call(*function));
                    }
                }
            }
            TExprKind::Call { function, args } => {
                for arg in args {
                    self.emit(arg, derived);
                }
                self.code.push(call(*function));
            }
            TExprKind::Aggregate(agg) => {
                let kind = match agg.prop {
                    Some(_) => SlotKind::Sum,
                    None if agg.distinct.is_some() => SlotKind::Events {
                        answered_by: None,
                        keep: Keep::NewestPerValue,
                    },
                    None if agg.function == AggFn::DaysSince => SlotKind::Latest,
                    None => SlotKind::Count,
                };
                let feed = Feed {
                    prop: agg.prop,
                    distinct: agg.distinct,
                    ..Feed::new(Some(&agg.event), agg.filter.as_ref())
                };
                let slot = self.slot(feed, agg.within, kind, self.current_origin);
                self.code.push(Op::Slot(slot, slot_read(agg.function)));
                if derived && agg.function == AggFn::DaysSince {
                    self.code.push(Op::OrZero);
                }
            }
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &TExpr, rhs: &TExpr, derived: bool) {
        match op {
            BinOp::And | BinOp::Or => {
                self.emit(lhs, derived);
                let jump_at = self.code.len();
                self.code.push(Op::AndJump(0));
                self.emit(rhs, derived);
                let target = self.code.len() as u32;
                self.code[jump_at] = if op == BinOp::And {
                    Op::AndJump(target)
                } else {
                    Op::OrJump(target)
                };
            }
            BinOp::In | BinOp::NotIn => {
                self.emit(lhs, derived);
                let list = check::fold_constant(rhs).expect("the checker folds list operands");
                let i = self.constant(&list);
                self.code.push(if op == BinOp::In {
                    Op::In(i)
                } else {
                    Op::NotIn(i)
                });
            }
            BinOp::Matches => {
                self.emit(lhs, derived);
                let Some(Const::Str(pattern)) = check::fold_constant(rhs) else {
                    unreachable!("the checker insists on constant patterns")
                };
                let i = self.regex(&pattern);
                self.code.push(Op::Matches(i));
            }
            BinOp::Cmp(cmp) => {
                self.emit(lhs, derived);
                self.emit(rhs, derived);
                self.code.push(Op::Cmp(comparison(cmp)));
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                self.emit(lhs, derived);
                self.emit(rhs, derived);
                self.code.push(match op {
                    BinOp::Add => Op::Add,
                    BinOp::Sub => Op::Sub,
                    BinOp::Mul => Op::Mul,
                    _ => Op::Div,
                });
            }
        }
    }
}

/// What feeds a slot: the events (`None` for every declared type), their `where`, the
/// property a `sum` adds up, and the properties an events slot keeps of each event
/// (`same PROP`, `distinct by PROP`), all numbered as the set's first type numbers them.
#[derive(Clone, Copy)]
struct Feed<'e> {
    events: Option<&'e check::EventSet>,
    filter: Option<&'e TExpr>,
    prop: Option<check::PropId>,
    pair: Option<check::PropId>,
    distinct: Option<check::PropId>,
}

impl<'e> Feed<'e> {
    /// The events and their `where`, with no property read.
    fn new(events: Option<&'e check::EventSet>, filter: Option<&'e TExpr>) -> Feed<'e> {
        Feed {
            events,
            filter,
            prop: None,
            pair: None,
            distinct: None,
        }
    }
}

/// The properties of a [`Feed`] at one member type's indices (see [`SlotEvent`]).
#[derive(Debug)]
struct MemberProps {
    prop: Option<u32>,
    pair: Option<u32>,
    distinct: Option<u32>,
}

/// The instruction for a call of a built-in function (`now()` has its own).
fn call(function: Function) -> Op {
    let func = match function {
        Function::Now => return Op::Now,
        Function::StartsWith => Func::StartsWith,
        Function::EndsWith => Func::EndsWith,
        Function::Contains => Func::Contains,
        Function::Lower => Func::Lower,
        Function::Upper => Func::Upper,
        Function::Trim => Func::Trim,
        Function::Length => Func::Length,
        Function::Domain => Func::Domain,
        Function::Has => Func::Has,
        Function::Abs => Func::Abs,
        Function::Round => Func::Round,
        Function::Floor => Func::Floor,
        Function::Ceil => Func::Ceil,
        Function::Least => Func::Least,
        Function::Greatest => Func::Greatest,
    };
    Op::Call(func)
}

fn comparison(op: CmpOp) -> Cmp {
    match op {
        CmpOp::Eq => Cmp::Eq,
        CmpOp::Ne => Cmp::Ne,
        CmpOp::Lt => Cmp::Lt,
        CmpOp::Le => Cmp::Le,
        CmpOp::Gt => Cmp::Gt,
        CmpOp::Ge => Cmp::Ge,
    }
}

fn slot_read(function: AggFn) -> SlotRead {
    match function {
        AggFn::Count => SlotRead::Count,
        AggFn::Sum => SlotRead::Sum,
        AggFn::Exists => SlotRead::Exists,
        AggFn::DaysSince => SlotRead::DaysSince,
    }
}

fn is_and_or(e: &TExpr) -> bool {
    matches!(
        e.kind,
        TExprKind::Binary {
            op: BinOp::And | BinOp::Or,
            ..
        }
    )
}

/// The operands of a chain of one operator (`a and b and c`), in source order.
fn chain<'e>(e: &'e TExpr, op: BinOp, out: &mut Vec<&'e TExpr>) {
    match &e.kind {
        TExprKind::Binary { op: o, lhs, rhs } if *o == op => {
            chain(lhs, op, out);
            chain(rhs, op, out);
        }
        _ => out.push(e),
    }
}

/// The values a condition tests, to show next to it: the operands of a comparison,
/// `in`, `matches` or call that are not constants; for `not C`, those of `C` (or `C`
/// itself, a bare field or aggregate). A bare condition shows no values: whether it
/// holds is its value.
fn tested_values(e: &TExpr) -> Vec<&TExpr> {
    let is_const = |e: &TExpr| matches!(e.kind, TExprKind::Const(_));
    match &e.kind {
        TExprKind::Binary { lhs, rhs, .. } => [lhs.as_ref(), rhs.as_ref()]
            .into_iter()
            .filter(|e| !is_const(e))
            .collect(),
        TExprKind::Call { args, .. } => args.iter().filter(|e| !is_const(e)).collect(),
        TExprKind::Not(inner) => {
            let values = tested_values(inner);
            if values.is_empty() && !is_const(inner) {
                vec![inner]
            } else {
                values
            }
        }
        _ => Vec::new(),
    }
}

fn reads_props(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Prop(_) => true,
        TExprKind::Neg(inner) | TExprKind::Not(inner) => reads_props(inner),
        TExprKind::Binary { lhs, rhs, .. } => reads_props(lhs) || reads_props(rhs),
        TExprKind::Call { args, .. } => args.iter().any(reads_props),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan names its operands as the language does, so listings read like source.
    #[test]
    fn operands_are_named_as_in_the_language() {
        for &function in Function::ALL {
            match call(function) {
                Op::Call(func) => {
                    assert_eq!(func.name(), function.name());
                    assert_eq!(func.arity(), function.arity());
                }
                Op::Now => assert_eq!(function, Function::Now),
                other => panic!("{function:?} became {other:?}"),
            }
        }
        for op in [
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ] {
            assert_eq!(comparison(op).symbol(), op.symbol());
        }
    }
}
