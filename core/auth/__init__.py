"""Authentication and authorisation: sessions, API tokens, permissions, throttling."""
