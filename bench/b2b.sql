-- The B2B example model (examples/b2b.score) written as SQL for DuckDB, as a data team
-- would: one pass over the events grouped by lead, then the lead attributes.
-- Parameters (set by bench/duckdb_score.py): $leads, $events, $as_of (epoch seconds).
WITH
events AS (
    SELECT lead, type, epoch(CAST(ts AS TIMESTAMPTZ))::BIGINT AS t, path, form
    FROM read_json($events, format = 'newline_delimited',
                   columns = {lead: 'VARCHAR', type: 'VARCHAR', ts: 'VARCHAR', path: 'VARCHAR', form: 'VARCHAR'})
),
declared AS (
    SELECT * FROM events
    WHERE t <= $as_of
      AND type IN ('email.open', 'email.click', 'page.view', 'webinar.attend', 'demo.request',
                   'email.unsubscribe', 'form.submit')
),
activity AS (
    SELECT lead,
        count(*) FILTER (type = 'email.open' AND t >= $as_of - 30 * 86400) AS opens,
        count(*) FILTER (type = 'email.click' AND t >= $as_of - 30 * 86400) AS clicks,
        count(*) FILTER (type = 'page.view' AND path = '/pricing' AND t >= $as_of - 30 * 86400) AS pricing,
        count(*) FILTER (type = 'page.view' AND starts_with(path, '/careers')) AS careers,
        count(*) FILTER (type = 'form.submit' AND form = 'contact') AS contact,
        count(*) FILTER (type = 'demo.request') AS demos,
        count(*) FILTER (type = 'demo.request' AND t >= $as_of - 14 * 86400) AS recent_demos,
        count(*) FILTER (type = 'email.unsubscribe') AS unsubscribes,
        count(*) FILTER (type = 'webinar.attend' AND t >= $as_of - 90 * 86400) AS webinars,
        max(t) AS last_any,
        max(t) FILTER (type = 'page.view') AS last_view
    FROM declared GROUP BY lead
),
leads AS (
    SELECT * FROM read_json($leads, format = 'newline_delimited',
        columns = {id: 'VARCHAR', industry: 'VARCHAR', title: 'VARCHAR', company_size: 'BIGINT',
                   country: 'VARCHAR', email: 'VARCHAR', revenue: 'DOUBLE', student: 'BOOLEAN', segment: 'VARCHAR'})
),
ids AS (SELECT id FROM leads UNION SELECT DISTINCT lead FROM events),
scored AS (
    SELECT ids.id AS lead, l.segment,
        greatest(0, least(100,
            CASE WHEN l.industry IN ('software', 'it services') THEN 20 ELSE 0 END
          + CASE WHEN regexp_matches(l.title, '\b(ceo|cto|cio|vp|head)\b', 'i') THEN 20 ELSE 0 END
          + CASE WHEN l.company_size >= 50 AND l.company_size <= 500 THEN 15 ELSE 0 END
          + CASE WHEN l.country NOT IN ('PL', 'DE', 'US', 'GB') THEN -30 ELSE 0 END
          + CASE WHEN strpos(l.email, '@') > 0
                  AND lower(regexp_extract(l.email, '@([^@]*)$', 1)) IN ('gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com')
                 THEN -10 ELSE 0 END
          + CASE WHEN l.student THEN -20 ELSE 0 END)) AS fit,
        greatest(0, least(100,
            5 * coalesce(a.opens, 0) + 15 * coalesce(a.clicks, 0) + 10 * least(3, coalesce(a.pricing, 0))
          - 5 * coalesce(a.careers, 0) + 25 * coalesce(a.contact, 0) + 50 * coalesce(a.demos, 0)
          - 20 * coalesce(a.unsubscribes, 0)
          + CASE WHEN coalesce(a.webinars, 0) >= 2 THEN 10 ELSE 0 END
          - 10 * coalesce((($as_of - a.last_any) // (30 * 86400)), 0)
          - 15 * coalesce((($as_of - a.last_view) // (45 * 86400)), 0))) AS engagement,
        coalesce(a.recent_demos, 0) > 0 AS recent_demo
    FROM ids LEFT JOIN leads l ON l.id = ids.id LEFT JOIN activity a ON a.lead = ids.id
)
SELECT lead, fit, engagement, fit + engagement AS total,
    CASE WHEN fit >= 50 THEN 'A' WHEN fit >= 35 THEN 'B' WHEN fit >= 20 THEN 'C' ELSE 'D' END AS fit_grade,
    CASE WHEN engagement >= 90 THEN 'hot'
         WHEN engagement >= 70 AND segment = 'smb' THEN 'hot'
         WHEN engagement >= 30 THEN 'warm' ELSE 'cold' END AS engagement_grade,
    engagement >= 70 AND fit >= 40 AS mql,
    engagement >= 70 AND fit >= 40 AND recent_demo AS sales_ready
FROM scored
ORDER BY lead
