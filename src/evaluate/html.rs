//! The report as one self-contained HTML page: inline SVG charts (conversion rate by
//! decile, cumulative gains, ROC, the score distributions of converted and other leads)
//! and the tables, no scripts and nothing fetched from elsewhere. Table cells show the
//! report's numbers as JSON writes them (`data-value`), so a test can hold the page to
//! the JSON report.

use super::metrics::Histogram;
use super::report::{Report, ScoreReport};
use std::fmt::Write as _;

/// The charts' width in pixels.
const W: f64 = 320.0;
/// The charts' height in pixels.
const H: f64 = 200.0;
/// Room for the axes' labels.
const PAD: f64 = 30.0;

/// `text` with the characters HTML gives a meaning escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table cell holding a number: shown as given, the exact value in `data-value`.
fn cell(shown: &str, value: f64) -> String {
    format!(
        "<td data-value=\"{}\">{}</td>",
        json_number(value),
        escape(shown)
    )
}

/// A number as the JSON report writes it.
fn json_number(value: f64) -> String {
    serde_json::to_string(&value).expect("a number serializes")
}

/// Chart coordinates: `x`, `y` in 0–1 to pixels.
fn at(x: f64, y: f64) -> (f64, f64) {
    (PAD + x * (W - 2.0 * PAD), H - PAD - y * (H - 2.0 * PAD))
}

/// An SVG chart with axes, a title and `body` drawn in it.
fn chart(title: &str, x_label: &str, y_label: &str, body: &str) -> String {
    let (x0, y0) = at(0.0, 0.0);
    let (x1, y1) = at(1.0, 1.0);
    format!(
        concat!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">",
            "<title>{title}</title>",
            "<text x=\"{cx}\" y=\"14\" text-anchor=\"middle\" class=\"t\">{title}</text>",
            "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" class=\"axis\"/>",
            "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" class=\"axis\"/>",
            "<text x=\"{cx}\" y=\"{yl}\" text-anchor=\"middle\">{xl}</text>",
            "<text x=\"10\" y=\"{cy}\" transform=\"rotate(-90 10 {cy})\" text-anchor=\"middle\">{ylab}</text>",
            "{body}</svg>"
        ),
        w = W,
        h = H,
        title = escape(title),
        cx = W / 2.0,
        cy = H / 2.0,
        x0 = x0,
        y0 = y0,
        x1 = x1,
        y1 = y1,
        yl = H - 6.0,
        xl = escape(x_label),
        ylab = escape(y_label),
        body = body
    )
}

/// A polyline through `points` (0–1 each), with the diagonal for reference.
fn curve(points: &[[f64; 2]], diagonal: bool) -> String {
    let path: Vec<String> = points
        .iter()
        .map(|&[x, y]| {
            let (px, py) = at(x, y);
            format!("{px:.1},{py:.1}")
        })
        .collect();
    let mut svg = String::new();
    if diagonal {
        let ((x0, y0), (x1, y1)) = (at(0.0, 0.0), at(1.0, 1.0));
        let _ = write!(
            svg,
            "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y1}\" class=\"ref\"/>"
        );
    }
    let _ = write!(
        svg,
        "<polyline points=\"{}\" class=\"line\"/>",
        path.join(" ")
    );
    svg
}

/// Bars of `values` (scaled to the largest), one per slot, side by side in `series`.
fn bars(series: &[(&[f64], &str)]) -> String {
    let max = series
        .iter()
        .flat_map(|(values, _)| values.iter().copied())
        .fold(0.0, f64::max);
    let slots = series.first().map_or(0, |(values, _)| values.len()).max(1);
    let width = 1.0 / slots as f64 / series.len().max(1) as f64;
    let mut svg = String::new();
    for (s, (values, class)) in series.iter().enumerate() {
        for (i, &v) in values.iter().enumerate() {
            let height = if max > 0.0 { v / max } else { 0.0 };
            let (x, y) = at((i * series.len() + s) as f64 * width, height);
            let (x_end, y0) = at((i * series.len() + s + 1) as f64 * width, 0.0);
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"{class}\"/>",
                (x_end - x - 1.0).max(0.5),
                y0 - y
            );
        }
    }
    svg
}

/// Each bin's share of its group (converted, others), so the two shapes compare.
fn shares(histogram: &Histogram) -> (Vec<f64>, Vec<f64>) {
    let share = |counts: &[u64]| {
        let total: u64 = counts.iter().sum();
        counts
            .iter()
            .map(|&c| {
                if total > 0 {
                    c as f64 / total as f64
                } else {
                    0.0
                }
            })
            .collect()
    };
    (share(&histogram.converted), share(&histogram.others))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\
th{background:#f3f3f3}td:first-child{text-align:left}svg{margin:0 1em 1em 0;font-size:10px}\
.axis{stroke:#444}.ref{stroke:#bbb;stroke-dasharray:4}.line{fill:none;stroke:#1f6fb2;stroke-width:2}\
.bar{fill:#1f6fb2}.conv{fill:#d9622b}.t{font-weight:bold;font-size:12px}pre{background:#f6f6f6;padding:.5em}";

impl Report {
    /// The report as one self-contained HTML page.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evaluation of {model}</title><style>{STYLE}</style></head><body>\n<h1>Evaluation of {model}</h1>\n",
            model = escape(&self.model)
        );
        let _ = writeln!(
            out,
            "<p>{} leads scored as of {}; {} converted ({} within {} after): base rate <span id=\"base-rate\" data-value=\"{}\">{:.1}%</span>.</p>",
            self.leads,
            escape(&self.as_of),
            self.conversions,
            escape(&self.outcome),
            escape(&self.horizon),
            json_number(self.base_rate),
            self.base_rate * 100.0
        );
        for score in &self.scores {
            score.html(&mut out);
        }
        if !self.flags.is_empty() {
            out.push_str("<h2>Flags (hand-offs)</h2>\n<table id=\"flags\"><tr><th>flag</th><th>leads</th><th>converted</th><th>precision</th><th>recall</th><th>median days</th></tr>\n");
            for f in &self.flags {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td>{}{}{}{}{}</tr>",
                    escape(&f.flag),
                    cell(&f.leads.to_string(), f.leads as f64),
                    cell(&f.conversions.to_string(), f.conversions as f64),
                    cell(&format!("{:.1}%", f.precision * 100.0), f.precision),
                    cell(&format!("{:.1}%", f.recall * 100.0), f.recall),
                    f.median_days
                        .map_or("<td>-</td>".into(), |d| cell(&d.to_string(), d)),
                );
            }
            out.push_str("</table>\n");
        }
        if let Some(segments) = &self.segments {
            let _ = writeln!(
                out,
                "<h2>By {}</h2>\n<table id=\"segments\"><tr><th>segment</th><th>leads</th><th>converted</th><th>base rate</th><th>score</th><th>AUC</th><th>suggested threshold</th></tr>",
                escape(&segments.field)
            );
            for s in &segments.segments {
                let start = format!(
                    "<tr><td>{}</td>{}{}{}",
                    escape(&s.value),
                    cell(&s.leads.to_string(), s.leads as f64),
                    cell(&s.conversions.to_string(), s.conversions as f64),
                    cell(&format!("{:.1}%", s.base_rate * 100.0), s.base_rate),
                );
                if let Some(why) = &s.refused {
                    let _ = writeln!(out, "{start}<td colspan=\"3\">{}</td></tr>", escape(why));
                }
                for score in &s.scores {
                    let threshold = score.grade.as_ref().map_or("<td>-</td>".into(), |g| {
                        let t = g.suggested.cut.threshold;
                        cell(&crate::eval::round_points(t).to_string(), t)
                    });
                    let _ = writeln!(
                        out,
                        "{start}<td>{}</td>{}{threshold}</tr>",
                        escape(&score.score),
                        cell(&format!("{:.3}", score.auc.value), score.auc.value),
                    );
                }
            }
            out.push_str("</table>\n");
        }
        out.push_str("</body></html>\n");
        out
    }
}

impl ScoreReport {
    fn html(&self, out: &mut String) {
        let name = escape(&self.score);
        let _ = writeln!(
            out,
            "<h2>Score {name}</h2>\n<p>AUC <span class=\"auc\" data-value=\"{}\">{:.3}</span> (95% CI {:.3}–{:.3}), Gini {:.3}, KS {:.3}</p>",
            json_number(self.auc.value),
            self.auc.value,
            self.auc.low,
            self.auc.high,
            self.gini,
            self.ks.value
        );
        let rates: Vec<f64> = self.deciles.iter().map(|d| d.rate).collect();
        let mut gains = vec![[0.0, 0.0]];
        gains.extend(
            self.deciles
                .iter()
                .map(|d| [d.decile as f64 / 10.0, d.gains]),
        );
        let (converted, others) = shares(&self.distribution);
        out.push_str("<div>");
        out.push_str(&chart(
            "Conversion rate by decile",
            "decile (top first)",
            "rate",
            &bars(&[(&rates, "bar")]),
        ));
        out.push_str(&chart(
            "Cumulative gains",
            "share of leads",
            "share of conversions",
            &curve(&gains, true),
        ));
        out.push_str(&chart(
            "ROC",
            "false positive rate",
            "true positive rate",
            &curve(&self.roc, true),
        ));
        out.push_str(&chart(
            "Scores: converted (orange) vs not",
            "score",
            "share of group",
            &bars(&[(&converted, "conv"), (&others, "bar")]),
        ));
        out.push_str("</div>\n");
        let _ = writeln!(out, "<table class=\"deciles\" data-score=\"{name}\"><tr><th>decile</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th><th>gains</th></tr>");
        for d in &self.deciles {
            let _ = writeln!(
                out,
                "<tr><td>{}</td>{}{}{}{}{}</tr>",
                d.decile,
                cell(&d.leads.to_string(), d.leads as f64),
                cell(&d.conversions.to_string(), d.conversions as f64),
                cell(&format!("{:.1}%", d.rate * 100.0), d.rate),
                cell(&format!("{:.2}", d.lift), d.lift),
                cell(&format!("{:.1}%", d.gains * 100.0), d.gains),
            );
        }
        out.push_str("</table>\n");
        let Some(grade) = &self.grade else { return };
        let _ = writeln!(out, "<h3>Grade bands</h3>\n<table class=\"grades\" data-score=\"{name}\"><tr><th>band</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th></tr>");
        for b in &grade.bands {
            let _ = writeln!(
                out,
                "<tr><td>{}</td>{}{}{}{}</tr>",
                escape(&b.band),
                cell(&b.leads.to_string(), b.leads as f64),
                cell(&b.conversions.to_string(), b.conversions as f64),
                cell(&format!("{:.1}%", b.rate * 100.0), b.rate),
                cell(&format!("{:.2}", b.lift), b.lift),
            );
        }
        out.push_str("</table>\n");
        let _ = writeln!(
            out,
            "<p>Suggested threshold:</p><pre>{}</pre>",
            escape(&grade.suggested.block)
        );
    }
}
