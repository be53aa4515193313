//! Verification of a loaded plan: every index in range, every jump forward and inside
//! its chunk, every chunk leaving exactly one value, every number finite, scores, flags
//! and grades ordered so each only reads ones computed before it (a grade after its
//! score), labels one line each, and the parts of flags' conditions forming one
//! condition each, and each chunk used in one place only (evaluation may then tell what
//! a chunk is for by where it is used: a batch works out the conditions that read only a
//! lead's attributes once per lead, and drops the fields only they read). After this,
//! evaluation cannot go wrong.

use super::*;

pub(super) fn verify(plan: &Plan) -> Result<(), PlanError> {
    Verifier {
        plan,
        positions: Positions::default(),
        used: std::cell::RefCell::new(vec![false; plan.chunks.len()]),
    }
    .run()
}

struct Verifier<'p> {
    plan: &'p Plan,
    /// Where each score and flag stands in the evaluation order, once `run` has
    /// verified the order.
    positions: Positions,
    /// Which chunks a use has been verified for.
    used: std::cell::RefCell<Vec<bool>>,
}

/// The type of property `prop` of event type `event` (both checked to exist).
fn prop_type(plan: &Plan, event: u32, prop: u32) -> Option<ValueType> {
    Some(
        plan.events
            .get(event as usize)?
            .props
            .get(prop as usize)?
            .ty,
    )
}

fn invalid(message: impl Into<String>) -> PlanError {
    PlanError::Invalid(message.into())
}

/// Refuses a NaN or infinite number: the language has none (the parser refuses them),
/// and evaluation cannot handle them (`f64::clamp` panics on a NaN bound).
fn finite(x: f64, message: &str) -> Result<(), PlanError> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(invalid(message))
    }
}

/// The (K, D) of `max K per D`: K at least 1, D positive.
fn period_cap(cap: Option<(u32, i64)>) -> Result<(), PlanError> {
    match cap {
        Some((0, _)) => Err(invalid("a rule has `max 0 per …`")),
        Some((_, per)) if per <= 0 => Err(invalid("a `max … per` period is not positive")),
        _ => Ok(()),
    }
}

fn finite_constant(c: &Constant) -> Result<(), PlanError> {
    match c {
        Constant::Number(n) => finite(*n, "a constant is not a finite number"),
        Constant::List(items) => items.iter().try_for_each(finite_constant),
        Constant::Str(_) | Constant::Bool(_) | Constant::Time(_) | Constant::Duration(_) => Ok(()),
    }
}

/// What a chunk may read, by where it is used.
#[derive(Clone, Copy)]
struct Context {
    /// Number of properties of the event a filter looks at; `None` outside filters.
    props: Option<usize>,
    /// Position in the evaluation order of the score, flag or grade it belongs to:
    /// only scores, flags and grades before it may be read.
    position: usize,
}

impl Verifier<'_> {
    fn run(&mut self) -> Result<(), PlanError> {
        let p = self.plan;
        for chunk in &p.chunks {
            let end = chunk.start as u64 + chunk.len as u64;
            if end > p.code.len() as u64 || chunk.len == 0 {
                return Err(invalid("a chunk lies outside the code"));
            }
            self.origin(chunk.origin)?;
        }
        p.constants.iter().try_for_each(finite_constant)?;
        for regex in &p.regexes {
            regex::Regex::new(regex).map_err(|e| invalid(format!("pattern {regex:?}: {e}")))?;
        }
        self.positions = self.order()?;
        for (i, slot) in p.slots.iter().enumerate() {
            self.slot(i, slot)?;
        }
        for (i, score) in p.scores.iter().enumerate() {
            self.origin(score.origin)?;
            let cx = Context {
                props: None,
                position: self.positions.score[i],
            };
            match &score.body {
                ScoreBody::Derived { expr } => self.chunk(*expr, cx)?,
                ScoreBody::Rules { rules, clamp } => {
                    for rule in rules {
                        self.rule(rule, cx)?;
                    }
                    if let Some(c) = clamp {
                        self.origin(c.origin)?;
                        finite(c.low, "a clamp bound is not a finite number")?;
                        finite(c.high, "a clamp bound is not a finite number")?;
                        if c.low > c.high {
                            return Err(invalid("a clamp's low bound is above its high bound"));
                        }
                    }
                }
            }
        }
        for (i, flag) in p.flags.iter().enumerate() {
            self.origin(flag.origin)?;
            let cx = Context {
                props: None,
                position: self.positions.flag[i],
            };
            self.chunk(flag.condition, cx)?;
            self.parts(&flag.parts, cx)?;
        }
        for (i, grade) in p.grades.iter().enumerate() {
            self.grade(i, grade)?;
        }
        Ok(())
    }

    fn origin(&self, origin: OriginId) -> Result<(), PlanError> {
        if origin as usize >= self.plan.origins.len() {
            return Err(invalid("a source position is missing"));
        }
        Ok(())
    }

    fn order(&self) -> Result<Positions, PlanError> {
        let p = self.plan;
        let mut positions = Positions {
            score: vec![usize::MAX; p.scores.len()],
            flag: vec![usize::MAX; p.flags.len()],
            grade: vec![usize::MAX; p.grades.len()],
        };
        for (position, node) in p.order.iter().enumerate() {
            let entry = match node {
                NodeRef::Score(i) => positions.score.get_mut(*i as usize),
                NodeRef::Flag(i) => positions.flag.get_mut(*i as usize),
                NodeRef::Grade(i) => positions.grade.get_mut(*i as usize),
            };
            match entry {
                Some(slot) if *slot == usize::MAX => *slot = position,
                _ => return Err(invalid(
                    "the evaluation order names a score, flag or grade twice or one that does not exist",
                )),
            }
        }
        if positions
            .score
            .iter()
            .chain(&positions.flag)
            .chain(&positions.grade)
            .any(|&p| p == usize::MAX)
        {
            return Err(invalid(
                "the evaluation order leaves out a score, flag or grade",
            ));
        }
        Ok(positions)
    }

    fn slot(&self, index: usize, slot: &Slot) -> Result<(), PlanError> {
        let sums = slot.kind == SlotKind::Sum;
        match &slot.events {
            None if sums => {
                return Err(invalid(format!("slot {index} sums events of no type")));
            }
            None => {}
            Some(members) if members.is_empty() => {
                return Err(invalid(format!("slot {index} is fed by no event type")));
            }
            Some(members) => {
                // Ascending, each type once: an event feeds a slot at most once.
                if members.windows(2).any(|w| w[0].event >= w[1].event) {
                    return Err(invalid(format!(
                        "slot {index} names its event types out of order or twice"
                    )));
                }
                for member in members {
                    self.slot_event(index, member, sums)?;
                }
            }
        }
        if slot.within.is_some_and(|w| w <= 0) {
            return Err(invalid(format!(
                "slot {index} has a window that is not positive"
            )));
        }
        match slot.kind {
            SlotKind::Events { answered_by, keep } => {
                self.events_slot(index, slot, answered_by, keep)?
            }
            _ if slot.pairs() || slot.distinct_by() => {
                return Err(invalid(format!(
                    "slot {index} keeps properties of events but not the events"
                )));
            }
            _ => {}
        }
        Ok(())
    }

    /// One event type of a slot: a declared type, its filter reading its properties, and
    /// a numeric property to add up exactly when the slot sums.
    fn slot_event(&self, index: usize, member: &SlotEvent, sums: bool) -> Result<(), PlanError> {
        let props = &self
            .plan
            .events
            .get(member.event as usize)
            .ok_or_else(|| invalid(format!("slot {index} reads an unknown event type")))?
            .props;
        if let Some(filter) = member.filter {
            self.chunk(
                filter,
                Context {
                    props: Some(props.len()),
                    position: 0,
                },
            )?;
        }
        if [member.pair, member.distinct]
            .into_iter()
            .flatten()
            .any(|prop| prop as usize >= props.len())
        {
            return Err(invalid(format!("slot {index} keeps an unknown property")));
        }
        match (member.prop, sums) {
            (None, false) => Ok(()),
            (Some(_), false) => Err(invalid(format!(
                "slot {index} names a property but does not sum"
            ))),
            (None, true) => Err(invalid(format!("slot {index} sums no property"))),
            (Some(prop), true) => {
                let decl = props
                    .get(prop as usize)
                    .ok_or_else(|| invalid(format!("slot {index} sums an unknown property")))?;
                if matches!(decl.ty, ValueType::Int | ValueType::Number) {
                    Ok(())
                } else {
                    Err(invalid(format!(
                        "slot {index} sums a property that is not a number"
                    )))
                }
            }
        }
    }

    /// A slot of events: fed by some types, each keeping the `same` and `distinct by`
    /// properties or none doing so (their indices were checked per type), the `same`
    /// property of one type (`int` and `number` as one) on every type and on the slot
    /// of answers it pairs with, which comes before it and keeps its answers.
    fn events_slot(
        &self,
        index: usize,
        slot: &Slot,
        answered_by: Option<SlotId>,
        keep: Keep,
    ) -> Result<(), PlanError> {
        let p = self.plan;
        if slot.events.is_none() {
            return Err(invalid(format!("slot {index} keeps events of no type")));
        }
        let pair_type = self.pair_type(index, slot)?;
        let members = slot.events.as_deref().unwrap_or_default();
        if slot.distinct_by() && members.iter().any(|m| m.distinct.is_none()) {
            return Err(invalid(format!(
                "slot {index} keeps a `distinct by` property of some of its types only"
            )));
        }
        if let Some(answers) = answered_by {
            let theirs = p
                .slots
                .get(answers as usize)
                .filter(|_| (answers as usize) < index)
                .ok_or_else(|| invalid(format!("slot {index} pairs with a later slot")))?;
            let SlotKind::Events {
                answered_by: None,
                keep: Keep::All,
            } = theirs.kind
            else {
                return Err(invalid(format!(
                    "slot {index} pairs with a slot of no answers"
                )));
            };
            if pair_type != self.pair_type(answers as usize, theirs)? {
                return Err(invalid(format!(
                    "slot {index} pairs on properties of two types"
                )));
            }
        }
        match keep {
            Keep::All => Ok(()),
            Keep::NewestPerValue if slot.distinct_by() => Ok(()),
            Keep::NewestPerValue => Err(invalid(format!("slot {index} keeps values it has not"))),
            Keep::Newest { per, max } => {
                if max == Some(0) {
                    return Err(invalid(format!("slot {index} keeps no event")));
                }
                period_cap(per)
            }
        }
    }

    /// The type of the `same` property an events slot keeps (`None` if it keeps none;
    /// `int` and `number` both as `number`): every member type keeps one, of that type.
    fn pair_type(&self, index: usize, slot: &Slot) -> Result<Option<ValueType>, PlanError> {
        let members = slot.events.as_deref().unwrap_or_default();
        if !slot.pairs() {
            return Ok(None);
        }
        let mut common = None;
        for member in members {
            let ty = member
                .pair
                .and_then(|prop| prop_type(self.plan, member.event, prop))
                .ok_or_else(|| invalid(format!("slot {index} pairs some of its types only")))?;
            let ty = match ty {
                ValueType::Int => ValueType::Number,
                other => other,
            };
            if common.is_some_and(|c| c != ty) {
                return Err(invalid(format!(
                    "slot {index} pairs on properties of two types"
                )));
            }
            common = Some(ty);
        }
        Ok(common)
    }

    fn rule(&self, rule: &RulePlan, cx: Context) -> Result<(), PlanError> {
        self.origin(rule.origin)?;
        finite(rule.points, "a rule's points are not a finite number")?;
        match rule.kind {
            RuleKind::On { slot, max } => {
                self.slot_ref(slot)?;
                if max == Some(0) {
                    return Err(invalid("a rule has `max 0`"));
                }
            }
            RuleKind::When { condition } => self.chunk(condition, cx)?,
            RuleKind::Decay { slot, per, since } => {
                self.slot_ref(slot)?;
                if per <= 0 {
                    return Err(invalid("a decay period is not positive"));
                }
                let field = since.map(|f| self.plan.lead_fields.get(f as usize));
                if field.is_some_and(|f| f.is_none_or(|f| f.ty != ValueType::Time)) {
                    return Err(invalid(
                        "a decay's `since` is not a lead field of type time",
                    ));
                }
            }
            RuleKind::Kept { slot, pipeline } => self.kept(slot, &pipeline)?,
        }
        if let Some(label) = &rule.label {
            if label.trim().is_empty() || label.contains(['\n', '\r']) {
                return Err(invalid("a rule's label is not one line of text"));
            }
        }
        Ok(())
    }

    /// An `on` rule with the options of section 11.3: its slot keeps the events its
    /// steps need (and no fewer), and every number is in range.
    fn kept(&self, slot: SlotId, pipeline: &PipelinePlan) -> Result<(), PlanError> {
        self.slot_ref(slot)?;
        let decl = &self.plan.slots[slot as usize];
        let SlotKind::Events { answered_by, keep } = decl.kind else {
            return Err(invalid(
                "a rule keeps events in a slot that does not keep them",
            ));
        };
        if answered_by != pipeline.unanswered.map(|u| u.slot) {
            return Err(invalid(
                "a rule's answers are not those its slot pairs with",
            ));
        }
        if pipeline.unanswered.is_some_and(|u| u.wait <= 0) {
            return Err(invalid("a rule's waiting period is not positive"));
        }
        if pipeline.distinct != decl.distinct_by() {
            return Err(invalid("a rule's `distinct by` is not its slot's"));
        }
        if keep != pipeline.keep() {
            return Err(invalid("a rule's slot forgets events the rule needs"));
        }
        if pipeline.max == Some(0) {
            return Err(invalid("a rule has `max 0`"));
        }
        period_cap(pipeline.max_per)?;
        if let Some((percent, per)) = pipeline.decay {
            if !(percent.is_finite() && percent > 0.0 && percent <= 100.0) {
                return Err(invalid("a rule's decay percentage is not in (0, 100]"));
            }
            if per <= 0 {
                return Err(invalid("a decay period is not positive"));
            }
        }
        Ok(())
    }

    fn slot_ref(&self, slot: SlotId) -> Result<(), PlanError> {
        if slot as usize >= self.plan.slots.len() {
            return Err(invalid("a rule reads a slot that does not exist"));
        }
        Ok(())
    }

    /// A flag's parts: each one's parent an earlier part (the first has none), nested at
    /// most [`MAX_STACK`] deep; `not` has one operand, `and` and `or` at least one, a
    /// test none, and every chunk is one a flag may run.
    fn parts(&self, parts: &[PartPlan], cx: Context) -> Result<(), PlanError> {
        let mut depth = vec![0usize; parts.len()];
        let mut operands = vec![0usize; parts.len()];
        for (i, part) in parts.iter().enumerate() {
            match (i, part.parent) {
                (0, None) => {}
                (_, Some(p)) if (p as usize) < i => {
                    depth[i] = depth[p as usize] + 1;
                    operands[p as usize] += 1;
                }
                _ => return Err(invalid("a flag's parts are not one condition")),
            }
            if depth[i] > MAX_STACK {
                return Err(invalid("a flag's parts nest too deeply"));
            }
            if let PartKind::Test { condition, values } = &part.kind {
                self.chunk(*condition, cx)?;
                for value in values {
                    self.chunk(*value, cx)?;
                }
            }
        }
        for (part, &n) in parts.iter().zip(&operands) {
            let fits = match part.kind {
                PartKind::All | PartKind::Any => n >= 1,
                PartKind::Not => n == 1,
                PartKind::Test { .. } => n == 0,
            };
            if !fits {
                return Err(invalid(
                    "a part of a flag's condition has the wrong number of operands",
                ));
            }
        }
        Ok(())
    }

    /// A grade: after its score in the evaluation order, a default band last, and each
    /// band's threshold finite (a strict one has one) and condition a chunk it may run.
    fn grade(&self, index: usize, grade: &GradePlan) -> Result<(), PlanError> {
        self.origin(grade.origin)?;
        let position = self.positions.grade[index];
        match self.positions.score.get(grade.score as usize) {
            None => return Err(invalid("a grade names a score that does not exist")),
            Some(&score) if score >= position => {
                return Err(invalid("a grade is chosen before its score is computed"))
            }
            Some(_) => {}
        }
        match grade.bands.last() {
            Some(last) if last.threshold.is_none() && last.condition.is_none() => {}
            _ => return Err(invalid("a grade has no default band")),
        }
        for band in &grade.bands {
            match band.threshold {
                Some(t) => finite(t, "a band's threshold is not a finite number")?,
                None if band.strict => return Err(invalid("a band is strict without a threshold")),
                None => {}
            }
            if let Some(c) = band.condition {
                self.chunk(
                    c,
                    Context {
                        props: None,
                        position,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Checks one chunk: operands in range, jumps forward within the chunk, the stack
    /// never underflows and ends with one value.
    fn chunk(&self, id: ChunkId, cx: Context) -> Result<(), PlanError> {
        let chunk = self
            .plan
            .chunks
            .get(id as usize)
            .ok_or_else(|| invalid("a chunk does not exist"))?;
        if std::mem::replace(&mut self.used.borrow_mut()[id as usize], true) {
            return Err(invalid(format!("chunk {id} is used in two places")));
        }
        let start = chunk.start as usize;
        let code = self.plan.chunk_code(id);
        let mut depth: i64 = 0;
        // (relative position, stack depth expected there) for every forward jump.
        let mut landings: Vec<(usize, i64)> = Vec::new();
        for (pc, op) in code.iter().enumerate() {
            self.landing_depth(&landings, pc, depth, id)?;
            let at = start + pc;
            if let Op::AndJump(target) | Op::OrJump(target) = *op {
                let target = target as usize;
                if target <= at || target > start + code.len() {
                    return Err(invalid(format!("instruction {at}: jump outside its chunk")));
                }
                // Jumping keeps the tested value; falling through pops it.
                landings.push((target - start, depth));
            }
            self.op(op, cx, at)?;
            let (pops, pushes) = op.stack_effect();
            depth -= pops;
            if depth < 0 {
                return Err(invalid(format!("chunk {id}: the stack underflows")));
            }
            depth += pushes;
            if depth > MAX_STACK as i64 {
                return Err(invalid(format!(
                    "chunk {id}: nests deeper than {MAX_STACK} values"
                )));
            }
        }
        self.landing_depth(&landings, code.len(), depth, id)?;
        if depth != 1 {
            return Err(invalid(format!(
                "chunk {id}: leaves {depth} values instead of 1"
            )));
        }
        Ok(())
    }

    fn landing_depth(
        &self,
        landings: &[(usize, i64)],
        pc: usize,
        depth: i64,
        id: ChunkId,
    ) -> Result<(), PlanError> {
        if landings
            .iter()
            .any(|&(at, expected)| at == pc && expected != depth)
        {
            return Err(invalid(format!(
                "chunk {id}: a jump lands with the wrong stack depth"
            )));
        }
        Ok(())
    }

    /// Checks one instruction's operands.
    fn op(&self, op: &Op, cx: Context, at: usize) -> Result<(), PlanError> {
        let p = self.plan;
        let check = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(invalid(format!("instruction {at}: {what}")))
            }
        };
        let constant = |i: u32| p.constants.get(i as usize);
        match *op {
            Op::Const(i) => check(
                matches!(constant(i), Some(c) if !matches!(c, Constant::List(_))),
                "bad constant",
            ),
            Op::LeadField(i) => check((i as usize) < p.lead_fields.len(), "unknown lead field"),
            Op::Prop(i) => check(
                cx.props.is_some_and(|n| (i as usize) < n),
                "property read outside its event",
            ),
            Op::Slot(s, _) => check(
                cx.props.is_none() && (s as usize) < p.slots.len(),
                "bad aggregate",
            ),
            Op::Score(i) => {
                check(
                    (i as usize) < p.scores.len() && cx.props.is_none(),
                    "unknown score",
                )?;
                self.before(NodeRef::Score(i), cx, at)
            }
            Op::Flag(i) => {
                check(
                    (i as usize) < p.flags.len() && cx.props.is_none(),
                    "unknown flag",
                )?;
                self.before(NodeRef::Flag(i), cx, at)
            }
            Op::Grade(i) => {
                check(
                    (i as usize) < p.grades.len() && cx.props.is_none(),
                    "unknown grade",
                )?;
                self.before(NodeRef::Grade(i), cx, at)
            }
            Op::In(i) | Op::NotIn(i) => check(
                matches!(constant(i), Some(Constant::List(_))),
                "membership in a non-list",
            ),
            Op::Matches(i) => check((i as usize) < p.regexes.len(), "unknown pattern"),
            Op::Now
            | Op::Neg
            | Op::Not
            | Op::OrZero
            | Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Div
            | Op::Cmp(_) => Ok(()),
            Op::Call(_) | Op::AndJump(_) | Op::OrJump(_) => Ok(()),
        }
    }

    /// A score, flag or grade may only read scores, flags and grades computed before it.
    fn before(&self, node: NodeRef, cx: Context, at: usize) -> Result<(), PlanError> {
        // The callers have checked the index.
        let used = match node {
            NodeRef::Score(i) => self.positions.score[i as usize],
            NodeRef::Flag(i) => self.positions.flag[i as usize],
            NodeRef::Grade(i) => self.positions.grade[i as usize],
        };
        if used >= cx.position {
            return Err(invalid(format!(
                "instruction {at}: reads a score, flag or grade before it is computed"
            )));
        }
        Ok(())
    }
}

/// Where each score, flag and grade stands in the evaluation order.
#[derive(Default)]
struct Positions {
    score: Vec<usize>,
    flag: Vec<usize>,
    grade: Vec<usize>,
}
