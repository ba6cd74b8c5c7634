//! Destinations: SQLite, PostgreSQL, JSON lines.
