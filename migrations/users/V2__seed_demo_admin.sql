-- The demo administrator: admin@test.com / password123. A documented demo credential:
-- change the password (or delete the account) in any shared deployment.
-- The hash is Argon2id with the service's cost for chosen passwords (m=19456, t=2, p=1),
-- computed once natively with the `argon2` crate.
INSERT INTO users (name, email, password_hash, role)
VALUES (
    'Admin',
    'admin@test.com',
    '$argon2id$v=19$m=19456,t=2,p=1$XFWWwdw3tpbQiz6jTB9FbQ$nExIPDORPiG3NRB4psG4DqqE1lwdu9UaGyqSts2jQJI',
    'admin'
)
ON CONFLICT DO NOTHING;
