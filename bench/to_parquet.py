#!/usr/bin/env python3
"""The kit's data as Parquet, written by DuckDB (bench/run.sh, docs/performance.md).

    python3 bench/to_parquet.py DIR            # DIR/leads.jsonl, events.jsonl -> *.parquet
    python3 bench/to_parquet.py --sql KIT_SQL  # prints the kit's SQL reading Parquet

The columns have the types the kit's SQL reads the JSON Lines with, in file order, so
DuckDB on the Parquet files and leadscore on either form score the same records.
"""
import argparse
import os
import re
import sys

LEAD_COLUMNS = ("{id: 'VARCHAR', industry: 'VARCHAR', title: 'VARCHAR', company_size: 'BIGINT', "
                "country: 'VARCHAR', email: 'VARCHAR', revenue: 'DOUBLE', student: 'BOOLEAN'}")
EVENT_COLUMNS = ("{lead: 'VARCHAR', type: 'VARCHAR', ts: 'TIMESTAMPTZ', path: 'VARCHAR', "
                 "campaign: 'VARCHAR', seconds: 'DOUBLE', topic: 'VARCHAR'}")


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def write(directory):
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    for name, columns in (("leads", LEAD_COLUMNS), ("events", EVENT_COLUMNS)):
        source = sql_str(os.path.join(directory, name + ".jsonl"))
        target = sql_str(os.path.join(directory, name + ".parquet"))
        con.execute(f"COPY (SELECT * FROM read_json({source}, format = 'newline_delimited', "
                    f"columns = {columns})) TO {target} (FORMAT parquet)")
    con.close()


def parquet_sql(path):
    """The kit's SQL with each `read_json(FILE, …)` call reading Parquet instead."""
    with open(path, encoding="utf-8") as f:
        sql = f.read()
    sql, n = re.subn(r"read_json\((\$\{\w+\}),[^)]*\}\)", r"read_parquet(\1)", sql)
    if n != 2:
        sys.exit(f"{path}: expected two read_json calls, found {n}")
    return sql


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--sql")
    args = ap.parse_args()
    if args.sql:
        sys.stdout.write(parquet_sql(args.sql))
    elif args.dir:
        write(args.dir)
    else:
        ap.error("give DIR or --sql")


if __name__ == "__main__":
    main()
