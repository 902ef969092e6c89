-- Access control (issue 6): Northstar's own users, their server-side sessions (the cookie holds a
-- random token, the table its SHA-256 hash, so logout and a password change revoke them) and the
-- generated secrets Northstar signs tokens with.

CREATE TABLE auth_users (
    user_id TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL,
    PRIMARY KEY (user_id)
);

CREATE TABLE auth_sessions (
    session_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_hash)
);

CREATE TABLE app_secrets (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (name)
);
