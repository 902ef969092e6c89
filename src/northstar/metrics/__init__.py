"""The metric catalog and the service that computes it (DESIGN.md, "Computing metrics").

``registry`` declares metrics as data, one module per family builds their Ibis expressions, and
``service`` computes, caches and dresses results. This package knows Ibis tables, not HTTP.
"""
