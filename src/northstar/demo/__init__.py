"""The synthetic wedding-platform demo: a seeded, vectorised generator of every table Northstar
reads (``generator.py``) and the ``northstar demo`` job that loads and serves it (``run.py``).

See ``docs/demo.md`` for what it models and the sizes it reaches.
"""
