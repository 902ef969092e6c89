"""Pure domain types: no I/O, no imports from the rest of Northstar (DESIGN.md, "Rules of the house")."""
