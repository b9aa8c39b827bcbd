"""Who may do what: roles → actions, the policy, passwords, API tokens, secrets at rest and audit event kinds."""
