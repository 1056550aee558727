"""Administration pages: users, roles and permissions, modules per company."""
