"""Who may do what: roles and permissions, Northstar's users, password hashing and sessions.

The core of access control, with no HTTP in it; ``northstar.web.auth`` adapts it to FastAPI.
"""
