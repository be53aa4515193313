"""Scores the B2B example with DuckDB (bench/b2b.sql) and writes CSV like
`leadscore score --format csv`: python3 bench/duckdb_score.py LEADS EVENTS AS_OF OUT."""
import sys
from pathlib import Path

import duckdb

leads, events, as_of, out = sys.argv[1:5]
sql = (Path(__file__).parent / "b2b.sql").read_text()
con = duckdb.connect()
rows = con.execute(sql, {"leads": leads, "events": events, "as_of": int(as_of)}).fetchall()
with open(out, "w") as f:
    f.write("lead,fit,engagement,total,fit_grade,engagement_grade,mql,sales_ready\n")
    for lead, fit, engagement, total, fit_grade, engagement_grade, mql, sales_ready in rows:
        f.write(f"{lead},{fit},{engagement},{total},{fit_grade},{engagement_grade},{str(mql).lower()},{str(sales_ready).lower()}\n")
