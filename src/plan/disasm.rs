//! A readable listing of a plan (`leadscore plan show`): every section, and every
//! instruction block tied to the source line it came from.

use super::*;
use crate::time::format_duration;
use std::fmt::Write;

pub fn disassemble(plan: &Plan) -> String {
    let mut out = String::new();
    let d = Disassembler { plan };
    d.header(&mut out);
    d.slots(&mut out);
    d.scores(&mut out);
    d.flags(&mut out);
    d.grades(&mut out);
    out
}

struct Disassembler<'p> {
    plan: &'p Plan,
}

impl Disassembler<'_> {
    fn header(&self, out: &mut String) {
        let p = self.plan;
        let _ = writeln!(
            out,
            "plan {:?}  format {}  source sha256:{}",
            p.model, p.format_version, p.source_hash
        );
        let fields: Vec<String> = p
            .lead_fields
            .iter()
            .map(|f| format!("{}: {}", f.name, f.ty.name()))
            .collect();
        let _ = writeln!(out, "\nlead {{ {} }}", fields.join(", "));
        let _ = writeln!(out, "\nevents:");
        for (i, e) in p.events.iter().enumerate() {
            let props: Vec<String> = e
                .props
                .iter()
                .map(|f| format!("{}: {}", f.name, f.ty.name()))
                .collect();
            let _ = writeln!(out, "  e{i:<3} {} {{ {} }}", e.name, props.join(", "));
        }
        let order: Vec<String> = p
            .order
            .iter()
            .map(|n| match n {
                NodeRef::Score(i) => p.scores[*i as usize].name.clone(),
                NodeRef::Flag(i) => format!("flag {}", p.flags[*i as usize].name),
                NodeRef::Grade(i) => {
                    let score = p.grades[*i as usize].score;
                    format!("grade {}", p.scores[score as usize].name)
                }
            })
            .collect();
        let _ = writeln!(out, "\norder: {}", order.join(", "));
    }

    /// The name of the property `pick` chooses of a slot's members (every member names
    /// the same property, each at its own index): "?" when there is none.
    fn member_prop(&self, members: &[SlotEvent], pick: fn(&SlotEvent) -> Option<u32>) -> &str {
        members
            .first()
            .and_then(|m| {
                let props = &self.plan.events[m.event as usize].props;
                pick(m).and_then(|p| props.get(p as usize))
            })
            .map_or("?", |p| p.name.as_str())
    }

    fn origin(&self, id: OriginId) -> String {
        let o = &self.plan.origins[id as usize];
        format!("{}:{}  {}", o.file, o.line, o.text)
    }

    fn slots(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nslots (per-lead accumulators, updated as events stream past):"
        );
        for (i, slot) in self.plan.slots.iter().enumerate() {
            let members = slot.events.as_deref().unwrap_or_default();
            let kind = match slot.kind {
                SlotKind::Count => "count".to_string(),
                SlotKind::Latest => "latest".to_string(),
                SlotKind::Sum => format!("sum {}", self.member_prop(members, |m| m.prop)),
                SlotKind::Events { answered_by, keep } => {
                    let mut kind = "events".to_string();
                    if slot.pairs() {
                        let _ = write!(kind, " pairing {}", self.member_prop(members, |m| m.pair));
                    }
                    if members.iter().any(|m| m.distinct.is_some()) {
                        let _ = write!(kind, " by {}", self.member_prop(members, |m| m.distinct));
                    }
                    if let Some(answers) = answered_by {
                        let _ = write!(kind, " answered by s{answers}");
                    }
                    match keep {
                        Keep::All => {}
                        Keep::NewestPerValue => kind.push_str(" (newest per value)"),
                        Keep::Newest { per, max } => {
                            let per = per.map(|(k, d)| format!(" {k} per {}", format_duration(d)));
                            let max = max.map(|k| format!(" {k} in all"));
                            let _ = write!(
                                kind,
                                " (newest{}{})",
                                per.unwrap_or_default(),
                                max.unwrap_or_default()
                            );
                        }
                    }
                    kind
                }
            };
            let event_name = |m: &SlotEvent| self.plan.events[m.event as usize].name.as_str();
            // One type named as itself is listed on one line; a group or list names its
            // types below it, each with its own filter.
            let single = match members {
                [only] if event_name(only) == slot.source => Some(only),
                _ => None,
            };
            let event = match slot.events {
                None => "any declared event",
                Some(_) => slot.source.as_str(),
            };
            let mut line = format!("  s{i:<3} {kind} of {event}");
            if let Some(w) = slot.within {
                let _ = write!(line, " within {}", format_duration(w));
            }
            if let Some(f) = single.and_then(|m| m.filter) {
                let _ = write!(line, " where c{f}");
            }
            let _ = writeln!(out, "{line}");
            for member in members {
                if single.is_none() {
                    let filter = member.filter.map(|f| format!(" where c{f}"));
                    let _ = writeln!(
                        out,
                        "         {}{}",
                        event_name(member),
                        filter.unwrap_or_default()
                    );
                }
                if let Some(f) = member.filter {
                    self.chunk_for(out, f, Some(member.event));
                }
            }
        }
    }

    fn scores(&self, out: &mut String) {
        for score in &self.plan.scores {
            let _ = writeln!(
                out,
                "\nscore {}    ; {}",
                score.name,
                self.origin(score.origin)
            );
            match &score.body {
                ScoreBody::Derived { expr } => self.chunk(out, *expr),
                ScoreBody::Rules { rules, clamp } => {
                    for rule in rules {
                        let what = match rule.kind {
                            RuleKind::On { slot, max } => {
                                let cap = max.map(|k| format!(" max {k}")).unwrap_or_default();
                                format!("on s{slot}{cap}")
                            }
                            RuleKind::When { condition } => format!("when c{condition}"),
                            RuleKind::Decay { slot, per, since } => {
                                let field = since
                                    .map(|f| {
                                        format!(
                                            " or lead.{}",
                                            self.plan.lead_fields[f as usize].name
                                        )
                                    })
                                    .unwrap_or_default();
                                format!("decay since s{slot}{field} per {}", format_duration(per))
                            }
                            RuleKind::Kept { slot, pipeline } => kept_steps(slot, &pipeline),
                        };
                        let label = rule
                            .label
                            .as_ref()
                            .map(|l| format!("  label {l:?}"))
                            .unwrap_or_default();
                        let _ = writeln!(
                            out,
                            "  {:<32} {:>+8}    ; {}{label}",
                            what,
                            rule.points,
                            self.origin(rule.origin)
                        );
                        if let RuleKind::When { condition } = rule.kind {
                            self.chunk(out, condition);
                        }
                    }
                    if let Some(c) = clamp {
                        let _ = writeln!(
                            out,
                            "  clamp {} {}    ; {}",
                            c.low,
                            c.high,
                            self.origin(c.origin)
                        );
                    }
                }
            }
        }
    }

    fn flags(&self, out: &mut String) {
        for flag in &self.plan.flags {
            let _ = writeln!(
                out,
                "\nflag {} when c{}    ; {}",
                flag.name,
                flag.condition,
                self.origin(flag.origin)
            );
            self.chunk(out, flag.condition);
            self.parts(out, &flag.parts);
        }
    }

    /// A flag's parts as an indented tree, then the code of their chunks.
    fn parts(&self, out: &mut String, parts: &[PartPlan]) {
        if parts.is_empty() {
            return;
        }
        let _ = writeln!(out, "  parts (for explanations):");
        let mut depth = vec![0usize; parts.len()];
        let mut chunks = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if let Some(p) = part.parent {
                depth[i] = depth[p as usize] + 1;
            }
            let indent = "  ".repeat(depth[i] + 2);
            let line = match &part.kind {
                PartKind::All => "all of".to_string(),
                PartKind::Any => "any of".to_string(),
                PartKind::Not => "not".to_string(),
                PartKind::Test { condition, values } => {
                    chunks.push(*condition);
                    chunks.extend(values);
                    let text = &self.plan.origins
                        [self.plan.chunks[*condition as usize].origin as usize]
                        .text;
                    let values: Vec<String> = values.iter().map(|v| format!("c{v}")).collect();
                    if values.is_empty() {
                        format!("test c{condition}    ; {text}")
                    } else {
                        format!(
                            "test c{condition} showing {}    ; {text}",
                            values.join(", ")
                        )
                    }
                }
            };
            let _ = writeln!(out, "{indent}{line}");
        }
        for chunk in chunks {
            self.chunk(out, chunk);
        }
    }

    fn grades(&self, out: &mut String) {
        for grade in &self.plan.grades {
            let score = &self.plan.scores[grade.score as usize].name;
            let _ = writeln!(out, "\ngrade {score}    ; {}", self.origin(grade.origin));
            for band in &grade.bands {
                let at_least = if band.strict { ">" } else { ">=" };
                let threshold = band
                    .threshold
                    .map(|t| format!(" {at_least} {t}"))
                    .unwrap_or_default();
                let condition = band
                    .condition
                    .map(|c| format!(" if c{c}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {:?}{threshold}{condition}", band.name);
                if let Some(c) = band.condition {
                    self.chunk(out, c);
                }
            }
        }
    }

    fn chunk(&self, out: &mut String, id: ChunkId) {
        self.chunk_for(out, id, None);
    }

    /// Lists a chunk; `event` names the properties a filter reads.
    fn chunk_for(&self, out: &mut String, id: ChunkId, event: Option<u32>) {
        let chunk = &self.plan.chunks[id as usize];
        let context = if chunk.per_event { "  (per event)" } else { "" };
        let _ = writeln!(
            out,
            "    c{id}:{context}    ; {}",
            self.origin(chunk.origin)
        );
        for (i, op) in self.plan.chunk_code(id).iter().enumerate() {
            let _ = writeln!(
                out,
                "      {:04}  {}",
                chunk.start as usize + i,
                self.op(op, event)
            );
        }
    }

    fn op(&self, op: &Op, event: Option<u32>) -> String {
        let p = self.plan;
        match *op {
            Op::Const(i) => format!("const     {}", constant_text(&p.constants[i as usize])),
            Op::LeadField(i) => format!("lead      {}", p.lead_fields[i as usize].name),
            Op::Prop(i) => match event.and_then(|e| self.plan.events.get(e as usize)) {
                Some(e) => format!("prop      {}", e.props[i as usize].name),
                None => format!("prop      #{i}"),
            },
            Op::Slot(s, read) => format!("slot      s{s} {read:?}"),
            Op::Score(i) => format!("score     {}", p.scores[i as usize].name),
            Op::Flag(i) => format!("flag      {}", p.flags[i as usize].name),
            Op::Grade(i) => {
                let score = p.grades[i as usize].score;
                format!("grade     {}", p.scores[score as usize].name)
            }
            Op::Now => "now".into(),
            Op::Cmp(c) => format!("cmp       {}", c.symbol()),
            Op::In(i) => format!("in        {}", constant_text(&p.constants[i as usize])),
            Op::NotIn(i) => format!("not_in    {}", constant_text(&p.constants[i as usize])),
            Op::Matches(i) => format!("matches   {:?}", p.regexes[i as usize]),
            Op::Call(f) => format!("call      {}", f.name()),
            Op::AndJump(t) => format!("and_jump  {t:04}"),
            Op::OrJump(t) => format!("or_jump   {t:04}"),
            other => format!("{other:?}").to_lowercase(),
        }
    }
}

fn constant_text(c: &Constant) -> String {
    match c {
        Constant::Number(n) => format!("{n}"),
        Constant::Str(s) => format!("{s:?}"),
        Constant::Bool(b) => format!("{b}"),
        Constant::Time(t) => format!("@{}", crate::time::format_timestamp(*t)),
        Constant::Duration(d) => format_duration(*d),
        Constant::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(constant_text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The steps of an `on` rule with the options of section 11.3, in the order they apply:
/// `kept s3 unanswered by s2 for 60d, distinct, max 2 per 1w, max 5, decay -50% per 30d`.
fn kept_steps(slot: SlotId, pipeline: &PipelinePlan) -> String {
    let mut steps = vec![format!("kept s{slot}")];
    if let Some(u) = pipeline.unanswered {
        steps[0].push_str(&format!(
            " unanswered by s{} for {}",
            u.slot,
            format_duration(u.wait)
        ));
    }
    if pipeline.distinct {
        steps.push("distinct".to_string());
    }
    if let Some((k, per)) = pipeline.max_per {
        steps.push(format!("max {k} per {}", format_duration(per)));
    }
    if let Some(k) = pipeline.max {
        steps.push(format!("max {k}"));
    }
    if let Some((percent, per)) = pipeline.decay {
        steps.push(format!("decay -{percent}% per {}", format_duration(per)));
    }
    steps.join(", ")
}
