-- Access control (issue 6): Northstar's own users, their server-side sessions (the cookie holds a
-- random token, the table its SHA-256 hash, so logout and a password change revoke them) and the
-- generated secrets Northstar signs tokens with.

CREATE TABLE auth_users (
    user_id VARCHAR NOT NULL,
    email VARCHAR NOT NULL UNIQUE,
    role VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL,
    PRIMARY KEY (user_id)
);

CREATE TABLE auth_sessions (
    session_hash VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_hash)
);

CREATE TABLE app_secrets (
    name VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (name)
);
