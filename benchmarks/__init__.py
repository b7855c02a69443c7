"""`make bench`: district-scale data on PostgreSQL, gunicorn with production settings, a threaded HTTP
load client with logged-in sessions, query counts, EXPLAIN checks, export and month-pack timings.

Run `python -m benchmarks.run --help`.
"""
