-- Interaction: shared watchlists. A shared list's members are the owner's friends who
-- accepted an invitation; once in, they edit the list as its editors do, so a member is
-- a row of list_editors (the list's row lock, the audience and "my lists" apply as is).
-- Pending invitations wait here until accepted, declined or withdrawn.
ALTER TABLE lists ADD COLUMN shared boolean NOT NULL DEFAULT false;

CREATE TABLE list_invites (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    invited_by bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, user_id)
);
CREATE INDEX list_invites_user ON list_invites (user_id, list_id DESC);
